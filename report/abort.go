package report

import (
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// AbortWatch stops a run whose abort rules ([scenarios.SLO] with Abort set)
// are breached. It implements [drivers.Sink]: for each abort rule it
// measures the rule's metric on each interval alone, and once the rule has
// been breached for the rule's For in a row (at the first breach when For
// is 0) it calls its abort function, once, with an [*AbortError].
//
// Each interval must hold the data of every driver for its span, as the
// coordinator merges them: an abort rule judges the whole run, and the
// breached durations of intervals add up.
//
// A rule covers the ops it names in the stage it names, as the end-of-run
// evaluation does ("*": every stage); a rule for op "*" measures the
// requests of every op merged, leaving out whole journeys (as [Progress]
// does), whose latency spans many requests and think time. An interval in
// which a rule measured nothing neither breaches it nor ends its streak.
//
// The per-interval work is a scan of the interval's ops per abort rule and,
// for a latency rule, merges into one scratch histogram; a plan without
// abort rules costs nothing. An AbortWatch is not safe for concurrent use:
// call Interval from one goroutine, as [drivers.Sink] promises.
type AbortWatch struct {
	rules []abortRule
	abort func(error)
	// latency is the scratch histogram (µs) of a latency rule, Reset for
	// each rule and interval; nil when no rule measures latency.
	latency *hdrhistogram.Histogram
	// aborted is set once abort has been called; the watch is idle after.
	aborted bool
}

// abortRule is one abort rule and its streak of breached intervals.
type abortRule struct {
	rule  scenarios.SLO
	limit float64 // in the unit of measure
	// ops[o] says whether the rule covers op o; stage is the stage index,
	// -1 for every stage.
	ops   []bool
	stage int
	// streak is how long the rule has been breached in a row.
	streak time.Duration
}

// NewAbortWatch returns an AbortWatch for the abort rules of plan. abort is
// called on the goroutine that calls Interval, at most once, and should
// only start stopping the run (cancel a context, say): the run goes on
// draining meanwhile. A rule naming an op or stage plan lacks is left out:
// it cannot come from [scenarios.Parse], and the end-of-run evaluation
// fails it with a warning. The plan must stay unchanged while the watch is
// in use; a nil plan or abort gives a watch that does nothing.
func NewAbortWatch(plan *scenarios.Plan, abort func(error)) *AbortWatch {
	w := &AbortWatch{abort: abort}
	if plan == nil || abort == nil {
		return w
	}
	roles := newOpRoles(plan)
	for _, rule := range plan.SLOs {
		if !rule.Abort {
			continue
		}
		ops, stage, err := ruleScope(plan, rule)
		if err != nil {
			continue
		}
		r := abortRule{rule: rule, limit: limit(rule), ops: make([]bool, len(plan.Ops)), stage: stage}
		for _, o := range ops {
			r.ops[o] = rule.Op != allNames || !roles.isJourney(o)
		}
		w.rules = append(w.rules, r)
		if rule.Metric != scenarios.MetricErrorRate && w.latency == nil {
			w.latency = drivers.NewHistogram()
		}
	}
	return w
}

// Interval measures each abort rule on iv and calls the abort function when
// one has been breached long enough. It always returns nil: a breach stops
// the run through the abort function, so that the run drains and its
// results are written. It does not keep iv or its histograms.
func (w *AbortWatch) Interval(iv *drivers.Interval) error {
	if len(w.rules) == 0 || w.aborted {
		return nil
	}
	for i := range w.rules {
		r := &w.rules[i]
		value, err := r.measure(iv, w.latency)
		switch {
		case err != nil: // nothing measured: no verdict
		case value <= r.limit:
			r.streak = 0
		default:
			r.streak += iv.End - iv.Start
			if r.streak >= r.rule.For {
				w.aborted = true
				if r.rule.Metric != scenarios.MetricErrorRate {
					value /= 1000 // µs to ms
				}
				w.abort(&AbortError{Rule: r.rule, Observed: value, At: iv.End})
				return nil
			}
		}
	}
	return nil
}

// measure measures r's metric on the ops of iv it covers, merged, with h as
// the scratch latency histogram; see [measure] for the value and errors.
func (r *abortRule) measure(iv *drivers.Interval, h *hdrhistogram.Histogram) (float64, error) {
	latency := r.rule.Metric != scenarios.MetricErrorRate
	if latency && h.TotalCount() > 0 {
		h.Reset()
	}
	var count, failed int64
	for i := range iv.Ops {
		o := &iv.Ops[i]
		if r.stage >= 0 && o.Stage != r.stage || o.Op < 0 || o.Op >= len(r.ops) || !r.ops[o.Op] {
			continue
		}
		count += o.Count
		failed += failures(&o.Errors)
		if latency {
			// Values a merge drops (only a histogram of another geometry
			// has any) are left out; the Aggregator warns about them.
			merge(h, o.Latency)
		}
	}
	return measure(r.rule, count, failed, h)
}

// AbortError is the error an [AbortWatch] passes to its abort function: an
// abort rule was breached long enough to stop the run. It matches
// [ErrSLOFailed] with errors.Is, so a run stopped by it exits as an SLO
// failure.
type AbortError struct {
	// Rule is the abort rule that was breached.
	Rule scenarios.SLO
	// Observed is the rule's metric in the interval that ended the streak:
	// milliseconds for a latency, a fraction (0.001 = 0.1%) for an error
	// rate.
	Observed float64
	// At is the end of that interval, as an offset from the run start.
	At time.Duration
}

// Error says which rule stopped the run, what it measured and when, as in
// "SLO abort: p99 of pdp-read was 31.2 ms (limit 25 ms) for 10s at 42s".
func (e *AbortError) Error() string {
	var b strings.Builder
	b.WriteString("SLO abort: ")
	b.WriteString(string(e.Rule.Metric))
	b.WriteString(" of ")
	if e.Rule.Op == allNames {
		b.WriteString("every op")
	} else {
		b.WriteString(e.Rule.Op)
	}
	if e.Rule.Stage != allNames {
		b.WriteString(" in stage " + e.Rule.Stage)
	}
	if e.Rule.Metric == scenarios.MetricErrorRate {
		b.WriteString(" was " + formatPercent(e.Observed) + " (limit " + formatPercent(e.Rule.ErrorRate) + ")")
	} else {
		b.WriteString(" was " + formatMs(e.Observed) + " (limit " + formatMs(e.Rule.Latency.Seconds()*1000) + ")")
	}
	if e.Rule.For > 0 {
		b.WriteString(" for " + e.Rule.For.String())
	}
	b.WriteString(" at " + e.At.String())
	return b.String()
}

// Is reports whether target is [ErrSLOFailed].
func (e *AbortError) Is(target error) bool { return target == ErrSLOFailed }

// formatMs formats milliseconds with up to 3 decimals, as "31.2 ms".
func formatMs(ms float64) string { return strconv.FormatFloat(round3(ms), 'f', -1, 64) + " ms" }
