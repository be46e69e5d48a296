package report

import (
	"fmt"
	"io"
	"math"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// JourneyResult is a journey's funnel: how many users began it, how many
// completed it, and where the others left or failed.
type JourneyResult struct {
	Name string `json:"name"`
	// Started counts the journeys that began (were sent their first step).
	Started int64 `json:"started"`
	// Completed journeys finished a goal step; Abandoned ones ended by the
	// user's choice (the chain's exit, or max_steps); Failed ones ended at
	// a failed step; Canceled ones were cut short by the end of the run.
	Completed int64 `json:"completed"`
	Abandoned int64 `json:"abandoned"`
	Failed    int64 `json:"failed"`
	Canceled  int64 `json:"canceled"`
	// CompletionRate is Completed over the journeys that ended (Completed
	// + Abandoned + Failed), rounded to 4 decimals.
	CompletionRate float64 `json:"completion_rate"`
	// Latency is the journey's duration, think time excluded unless the
	// journey includes it, over completed and failed journeys.
	Latency Latency `json:"latency_ms"`
	// Steps is the funnel by step, in the order of the scenario.
	Steps []JourneyStepResult `json:"steps"`
}

// JourneyStepResult is one step of a journey's funnel.
type JourneyStepResult struct {
	Name string `json:"name"`
	// Op is the step's op name in the op tables ("journey.step").
	Op string `json:"op"`
	// Reached counts the times users were sent the step (a step may be
	// reached more than once per journey).
	Reached int64 `json:"reached"`
	// Failed counts the step's failures, each of which ended a journey.
	Failed int64 `json:"failed"`
	// Left counts the users who left the journey after this step, and
	// LeftRate is that over Reached, rounded to 4 decimals.
	Left     int64   `json:"left"`
	LeftRate float64 `json:"left_rate"`
}

// opRoles says, per op of plan, which journey it belongs to ("" for an
// op of the mix) and whether it is one of the journey's steps rather than
// the journey itself. Steps are not arrivals: rates of arrivals leave them
// out; whole journeys are not requests: request latencies leave them out.
type opRoles struct {
	journey []string
	step    []bool
}

func newOpRoles(plan *scenarios.Plan) opRoles {
	r := opRoles{journey: make([]string, len(plan.Ops)), step: make([]bool, len(plan.Ops))}
	for _, j := range plan.Journeys {
		r.journey[j.Op] = j.Name
		for _, st := range j.Steps {
			r.journey[st.Op], r.step[st.Op] = j.Name, true
		}
	}
	return r
}

// isJourney reports whether op o is a whole journey.
func (r opRoles) isJourney(o int) bool { return r.journey[o] != "" && !r.step[o] }

// journeyResults builds the funnels from the totals of one stage, or of
// the run, indexed by op.
func (a *Aggregator) journeyResults(totals []*opTotals) []JourneyResult {
	out := make([]JourneyResult, 0, len(a.plan.Journeys))
	for _, j := range a.plan.Journeys {
		r := JourneyResult{Name: j.Name, Steps: make([]JourneyStepResult, len(j.Steps))}
		if t := totals[j.Op]; t != nil {
			e := &t.errors
			r.Canceled = e[drivers.ClassCanceled] + e[drivers.ClassUnsent]
			r.Started = t.count - e[drivers.ClassUnsent]
			r.Abandoned = e[drivers.ClassAbandoned]
			r.Failed = failures(e) - r.Canceled
			r.Completed = t.count - r.Canceled - r.Abandoned - r.Failed
			r.CompletionRate = round4(fraction(r.Completed, r.Completed+r.Abandoned+r.Failed))
			r.Latency = latencyOf(t)
		}
		for i, st := range j.Steps {
			sr := JourneyStepResult{Name: st.Name, Op: a.plan.Ops[st.Op].Name}
			if t := totals[st.Op]; t != nil {
				e := &t.errors
				sr.Reached = t.count - e[drivers.ClassUnsent]
				sr.Failed = failures(e) - e[drivers.ClassCanceled] - e[drivers.ClassUnsent]
				sr.Left = t.left
				sr.LeftRate = round4(fraction(sr.Left, sr.Reached))
			}
			r.Steps[i] = sr
		}
		out = append(out, r)
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// writeJourneys writes the funnel of each journey over the whole run.
func writeJourneys(w io.Writer, journeys []JourneyResult) {
	for _, j := range journeys {
		lat := "-"
		if j.Latency != (Latency{}) {
			lat = fmt.Sprintf("p50 %s  p99 %s", formatMillis(j.Latency.P50), formatMillis(j.Latency.P99))
		}
		fmt.Fprintf(w, "\njourney %s  %s  latency %s\n", j.Name, journeyCounts(&j), lat)
		fmt.Fprintln(w, "  step\treached\tleft here\tfailed here")
		for _, st := range j.Steps {
			fmt.Fprintf(w, "  %s\t%d\t%d (%s)\t%d\n", st.Name, st.Reached, st.Left, formatPercent(st.LeftRate), st.Failed)
		}
	}
}

// journeyCounts formats a funnel's counts.
func journeyCounts(j *JourneyResult) string {
	return fmt.Sprintf("started %d  completed %d (%s)  abandoned %d  failed %d  canceled %d",
		j.Started, j.Completed, formatPercent(j.CompletionRate), j.Abandoned, j.Failed, j.Canceled)
}

func normalizedJourneys(js []JourneyResult) []JourneyResult {
	out := make([]JourneyResult, len(js))
	for i, j := range js {
		j.Steps = nonNil(j.Steps)
		out[i] = j
	}
	return out
}
