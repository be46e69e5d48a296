package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/report/capacity"
)

// Schema is the value of [Results.Schema]: the version of results.json.
const Schema = "surge.results/v1"

// Results is the outcome of a run, as written to results.json (DESIGN.md
// "results.json (schema surge.results/v1)"). Latencies are milliseconds
// rounded to 3 decimals, rates ops/s rounded to 1 decimal, offsets and
// durations seconds. Fields may be added; existing names never change. A
// Results is a plain value: safe for concurrent reads, not for writes.
type Results struct {
	Schema    string    `json:"schema"`
	Scenario  string    `json:"scenario"`
	StartedAt time.Time `json:"started_at"`
	// DurationS is how long the run took, in seconds.
	DurationS float64       `json:"duration_s"`
	Drivers   Drivers       `json:"drivers"`
	Stages    []StageResult `json:"stages"`
	// Totals holds each op over the whole run, all stages merged.
	Totals []OpResult `json:"totals"`
	// Journeys holds each journey's funnel over the whole run.
	Journeys []JourneyResult `json:"journeys"`
	SLO      []SLOResult     `json:"slo"`
	// Capacity is the capacity search and the plan made from it; nil when
	// the run was not a capacity search.
	Capacity *capacity.Report `json:"capacity,omitempty"`
	Warnings []string         `json:"warnings"`
	// Populate is the populate phase that ran before the stages, one entry
	// per keyspace; empty when there was none.
	Populate []PopulateResult `json:"populate"`
}

// Drivers counts the load drivers of a run.
type Drivers struct {
	Planned   int `json:"planned"`
	Completed int `json:"completed"`
	// Lost describes the drivers that did not finish, and what of their
	// load is missing.
	Lost []LostDriver `json:"lost"`
	// List holds each driver's own stats, as the coordinator gathered them.
	List []DriverStats `json:"list"`
}

// StageResult is one stage of the load profile and what each op did in it.
type StageResult struct {
	Name string `json:"name"`
	// StartS and DurationS place the stage in the plan, in seconds from the
	// run start; RanS is how much of it ran (less than DurationS when the
	// run ended early), and the achieved rates are over RanS.
	StartS    float64 `json:"start_s"`
	DurationS float64 `json:"duration_s"`
	RanS      float64 `json:"ran_s"`
	// IntendedRate is the stage's expected op count (the integral of its
	// rate profile) over DurationS; AchievedRate is the ops completed while
	// the run was in the stage over RanS.
	IntendedRate float64   `json:"intended_rate"`
	AchievedRate float64   `json:"achieved_rate"`
	Generator    Generator `json:"generator"`
	// NotOfferedShare is the fraction of the stage's intended load that
	// lost drivers did not offer (their data after their last interval is
	// missing), rounded to 4 decimals; NotOfferedRate is that share of
	// IntendedRate, in ops/s. Both are 0 when no driver was lost.
	NotOfferedShare float64 `json:"not_offered_share,omitempty"`
	NotOfferedRate  float64 `json:"not_offered_rate,omitempty"`
	// Ops holds every op of the plan, in plan order, measured or not:
	// the mix, then each journey and its steps.
	Ops []OpResult `json:"ops"`
	// Journeys holds the funnel of each journey that began in the stage.
	Journeys []JourneyResult `json:"journeys"`
}

// Generator is the load generator's own health in a stage. When Bound is
// set the generator, not the target, limited the load, and results above
// BoundAboveRate measure the generator.
type Generator struct {
	Scheduled int64 `json:"scheduled"`
	// Waited counts ops that found every worker busy (the in-flight cap).
	Waited int64 `json:"waited"`
	// Late counts ops the scheduler dispatched late with workers free.
	Late           int64   `json:"late"`
	MaxLatenessMs  float64 `json:"max_lateness_ms"`
	Bound          bool    `json:"bound"`
	BoundAboveRate float64 `json:"bound_above_rate,omitempty"`
}

// OpResult is one op in one stage (or, in [Results.Totals], in the whole
// run).
type OpResult struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	// Journey names the journey of a journey's own op and of its steps.
	Journey string `json:"journey,omitempty"`
	// Step is set on the ops of journey steps.
	Step bool `json:"step,omitempty"`
	// Left counts, for a journey step, the users who left the journey
	// after it.
	Left int64 `json:"left,omitempty"`
	// Count is the ops intended that finished, failed or were never sent;
	// Completed is the ops that completed while the run was in the stage.
	Count     int64 `json:"count"`
	Completed int64 `json:"completed"`
	// Errors counts failures by class name ("timeout"); classes with no
	// failure are left out.
	Errors map[string]int64 `json:"errors"`
	// ErrorRate is the failures other than not_found over Count, as a
	// fraction rounded to 6 decimals.
	ErrorRate    float64 `json:"error_rate"`
	IntendedRate float64 `json:"intended_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	// Latency runs from the intended start, ServiceTime from the send, and
	// ScheduleLag from the intended start to the send.
	Latency     Latency     `json:"latency_ms"`
	ServiceTime ServiceTime `json:"service_time_ms"`
	ScheduleLag ScheduleLag `json:"schedule_lag_ms"`
}

// Latency summarises a latency histogram, in milliseconds.
type Latency struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// ServiceTime summarises a service time histogram, in milliseconds.
type ServiceTime struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// ScheduleLag summarises a schedule lag histogram, in milliseconds.
type ScheduleLag struct {
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Meta is what the caller of [Aggregator.Results] knows about the run that
// the intervals do not carry.
type Meta struct {
	// StartedAt is the wall time the run started.
	StartedAt time.Time
	// Duration is how long the run took; 0 means as far as the intervals
	// reached.
	Duration time.Duration
	// DriversPlanned and DriversCompleted count the load drivers;
	// DriversLost describes those that did not finish. Their shares set
	// each stage's not-offered share.
	DriversPlanned, DriversCompleted int
	DriversLost                      []LostDriver
	// Drivers holds each driver's stats, copied to [Drivers.List].
	Drivers []DriverStats
	// Warnings are added to the results, before the Aggregator's own.
	Warnings []string
	// MaxInFlight is the engine's in-flight cap, quoted in warnings.
	MaxInFlight int
	// Populate is the populate phase that ran before the stages.
	Populate []PopulateResult
}

// Results returns the results of everything merged so far, with SLOs
// evaluated and warnings added. It may be called more than once; it does
// not change the Aggregator.
func (a *Aggregator) Results(meta Meta) *Results {
	r := &Results{
		Schema:    Schema,
		Scenario:  a.plan.Name,
		StartedAt: meta.StartedAt.UTC(),
		DurationS: seconds(meta.Duration),
		Drivers: Drivers{Planned: meta.DriversPlanned, Completed: meta.DriversCompleted,
			Lost: append([]LostDriver{}, meta.DriversLost...), List: append([]DriverStats{}, meta.Drivers...)},
		Stages:   make([]StageResult, 0, len(a.plan.Stages)),
		Warnings: append([]string{}, meta.Warnings...),
		Populate: append([]PopulateResult{}, meta.Populate...),
	}
	for _, p := range meta.Populate {
		if failed := p.Keys - p.Done; failed > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("populate of %s stopped at key %d of %d: reads of the rest may miss", p.Keyspace, p.Done, p.Keys))
		} else if n := p.Failed(); n > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("populate of %s: %d keys could not be written: reads of them may miss", p.Keyspace, n))
		}
	}
	if meta.Duration <= 0 {
		r.DurationS = seconds(a.end)
	}
	r.Warnings = append(r.Warnings, a.fleetWarnings(meta)...)
	shares := a.shares()
	var start time.Duration
	var expected float64
	for s, st := range a.plan.Stages {
		r.Stages = append(r.Stages, a.stageResult(s, start, shares, meta))
		r.Warnings = append(r.Warnings, a.stageWarnings(s, start, meta)...)
		expected += expectedOps(st.From, st.To, st.Steps, st.Duration)
		start += st.Duration
	}
	run := a.runTotals()
	r.Totals = make([]OpResult, len(a.plan.Ops))
	for o := range a.plan.Ops {
		r.Totals[o] = a.opResult(o, run[o], rate(expected*shares[o], start), min(a.end, start))
	}
	r.Journeys = a.journeyResults(run)
	r.Warnings = append(r.Warnings, a.droppedWarnings()...)
	var sloWarnings []string
	r.SLO, sloWarnings = a.evaluateSLOs(run)
	r.Warnings = append(r.Warnings, sloWarnings...)
	return r
}

// stageResult builds the result of stage s, which starts at offset start.
func (a *Aggregator) stageResult(s int, start time.Duration, shares []float64, meta Meta) StageResult {
	st := a.plan.Stages[s]
	ran := a.ran(s, start)
	intended := rate(expectedOps(st.From, st.To, st.Steps, st.Duration), st.Duration)
	sr := StageResult{
		Name:         st.Name,
		StartS:       seconds(start),
		DurationS:    seconds(st.Duration),
		RanS:         seconds(ran),
		IntendedRate: round1(intended),
		Generator:    a.generator(s, meta),
		Ops:          make([]OpResult, len(a.plan.Ops)),
	}
	if share := notOffered(meta.DriversLost, start, st.Duration); share > 0 && intended > 0 {
		sr.NotOfferedShare, sr.NotOfferedRate = round4(share), round1(share*intended)
	}
	var completed int64
	for o := range a.plan.Ops {
		t := a.ops[s][o]
		sr.Ops[o] = a.opResult(o, t, intended*shares[o], ran)
		if t != nil && !a.roles.step[o] {
			completed += t.completed
		}
	}
	sr.AchievedRate = round1(rate(float64(completed), ran))
	sr.Journeys = a.journeyResults(a.ops[s])
	return sr
}

// ran returns how much of stage s, which starts at offset start, the
// intervals covered.
func (a *Aggregator) ran(s int, start time.Duration) time.Duration {
	return min(max(a.end-start, 0), a.plan.Stages[s].Duration)
}

// opResult builds the result of op o from its totals t (nil when nothing
// was measured) over ran.
func (a *Aggregator) opResult(o int, t *opTotals, intendedRate float64, ran time.Duration) OpResult {
	op := a.plan.Ops[o]
	r := OpResult{Name: op.Name, IntendedRate: round1(intendedRate), Errors: map[string]int64{}}
	r.Journey, r.Step = a.roles.journey[o], a.roles.step[o]
	if op.Target >= 0 && op.Target < len(a.plan.Targets) {
		r.Target = a.plan.Targets[op.Target].Name
	}
	if t == nil {
		return r
	}
	r.Count, r.Completed, r.Left = t.count, t.completed, t.left
	for c, n := range t.errors {
		if n != 0 && drivers.Class(c) != drivers.ClassOK {
			r.Errors[drivers.Class(c).String()] = n
		}
	}
	r.ErrorRate = math.Round(fraction(failures(&t.errors), t.count)*1e6) / 1e6
	r.AchievedRate = round1(rate(float64(t.completed), ran))
	r.Latency = latencyOf(t)
	if h := t.service; h.TotalCount() > 0 {
		r.ServiceTime = ServiceTime{P50: quantile(h, 50), P99: quantile(h, 99), Max: millis(h.Max())}
	}
	if h := t.lag; h.TotalCount() > 0 {
		r.ScheduleLag = ScheduleLag{P99: quantile(h, 99), Max: millis(h.Max())}
	}
	return r
}

// latencyOf summarises t's latency histogram; zero when it is empty.
func latencyOf(t *opTotals) Latency {
	h := t.latency
	if h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{Min: millis(h.Min()), Mean: round3(h.Mean() / 1000),
		P50: quantile(h, 50), P90: quantile(h, 90), P99: quantile(h, 99), P999: quantile(h, 99.9),
		Max: millis(h.Max())}
}

// runTotals returns each op's totals merged over every stage, exactly; nil
// for an op that reported nothing.
func (a *Aggregator) runTotals() []*opTotals {
	run := make([]*opTotals, len(a.plan.Ops))
	for s := range a.ops {
		for o, t := range a.ops[s] {
			if t == nil {
				continue
			}
			if run[o] == nil {
				run[o] = newOpTotals()
			}
			run[o].addTotals(t)
		}
	}
	return run
}

// shares returns each op's share of the load: its weight over the sum of
// weights, or equal shares when the weights do not sum to a positive value.
func (a *Aggregator) shares() []float64 {
	shares := make([]float64, len(a.plan.Ops))
	var sum float64
	for _, op := range a.plan.Ops {
		sum += op.Weight
	}
	for o, op := range a.plan.Ops {
		if sum > 0 {
			shares[o] = op.Weight / sum
		} else {
			shares[o] = 1 / float64(len(shares))
		}
	}
	return shares
}

// expectedOps returns the number of ops a stage is expected to start: the
// integral of its rate over d. The rate moves linearly from from to to, or
// with steps > 1 in a staircase whose step k of steps holds
// from+(to-from)*k/(steps-1) for d/steps; steps == 1 holds from. The mean of
// k/(steps-1) over the steps is 1/2, so a staircase has the ramp's integral.
func expectedOps(from, to float64, steps int, d time.Duration) float64 {
	if steps == 1 {
		return from * d.Seconds()
	}
	return (from + to) / 2 * d.Seconds()
}

// quantile returns the value at quantile q (in percent) of h in ms.
func quantile(h *hdrhistogram.Histogram, q float64) float64 {
	return millis(h.ValueAtQuantile(q))
}

// millis converts microseconds to milliseconds with 3 decimals.
func millis(micros int64) float64 { return float64(micros) / 1000 }

// seconds converts d to seconds rounded to 3 decimals.
func seconds(d time.Duration) float64 { return round3(d.Seconds()) }

// rate returns n ops over d in ops/s, or 0 when d is not positive.
func rate(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// formatRate formats a rate in ops/s with at most one decimal.
func formatRate(x float64) string { return strconv.FormatFloat(round1(x), 'f', -1, 64) }

// WriteJSON writes r to w as indented results.json. Nil slices and maps are
// written as [] and {}; r is not changed.
func WriteJSON(w io.Writer, r *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalized(r)); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// ReadJSON reads results.json from r. It accepts unknown fields (later
// versions add some) but only the schema [Schema], and returns results
// whose slices and maps are non-nil, as [WriteJSON] writes them.
func ReadJSON(r io.Reader) (*Results, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var res Results
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if res.Schema != Schema {
		return nil, fmt.Errorf("read results: schema %q; want %q", res.Schema, Schema)
	}
	return normalized(&res), nil
}

// normalized returns a copy of r whose slices and maps are non-nil, so that
// they encode as [] and {} and a decoded copy compares equal.
func normalized(r *Results) *Results {
	c := *r
	c.Drivers.Lost = nonNil(c.Drivers.Lost)
	c.Drivers.List = nonNil(c.Drivers.List)
	c.Stages = make([]StageResult, len(r.Stages))
	for i, st := range r.Stages {
		st.Ops = normalizedOps(st.Ops)
		st.Journeys = normalizedJourneys(st.Journeys)
		c.Stages[i] = st
	}
	c.Totals = normalizedOps(r.Totals)
	c.Journeys = normalizedJourneys(r.Journeys)
	c.SLO = nonNil(c.SLO)
	c.Warnings = nonNil(c.Warnings)
	c.Populate = make([]PopulateResult, len(r.Populate))
	for i, p := range r.Populate {
		if p.Errors == nil {
			p.Errors = map[string]int64{}
		}
		c.Populate[i] = p
	}
	return &c
}

func normalizedOps(ops []OpResult) []OpResult {
	out := make([]OpResult, len(ops))
	for i, op := range ops {
		if op.Errors == nil {
			op.Errors = map[string]int64{}
		}
		out[i] = op
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
