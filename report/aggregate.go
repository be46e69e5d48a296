package report

import (
	"errors"
	"fmt"
	"io"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// AggregatorOptions configure an [Aggregator].
type AggregatorOptions struct {
	// Hlog, if set, receives the interval log (intervals.hlog) as intervals
	// arrive: one HdrHistogram log line per interval and op. The Aggregator
	// writes to it but never flushes or closes it.
	Hlog io.Writer
	// StartedAt is the wall time the run started; the interval log's
	// StartTime and BaseTime and its interval timestamps derive from it.
	StartedAt time.Time
}

// Aggregator merges the intervals of a run into per-(stage, op) totals and
// per-stage generator health, exactly: histograms of the one surge geometry
// merge without loss, so the totals equal what one histogram of every value
// would hold. It implements [drivers.Sink].
//
// Several engines may feed one Aggregator (a distributed run): intervals
// with equal Seq from different drivers simply add up, and nothing assumes
// one interval per Seq. Memory is constant in the length of the run: three
// histograms per (stage, op) that reported anything, allocated when first
// needed, and no per-interval state.
//
// An Aggregator is not safe for concurrent use: call Interval from one
// goroutine (as [drivers.Sink] promises) and Results after, or between,
// Interval calls on that goroutine.
type Aggregator struct {
	plan  *scenarios.Plan
	roles opRoles
	ops   [][]*opTotals           // [stage][op]; nil until that pair first reports
	gen   []drivers.StageInterval // [stage], totals over the run
	// end is the largest interval end seen: how far the run got.
	end       time.Duration
	intervals int64
	hlog      *hlogWriter
}

// opTotals is everything measured for one op intended in one stage.
type opTotals struct {
	count, completed int64
	left             int64 // journeys that left after this step
	errors           [drivers.NumClasses]int64
	// latency, service and lag hold microseconds; see [drivers.OpInterval].
	latency, service, lag *hdrhistogram.Histogram
	// dropped counts histogram values a merge could not hold: always 0 with
	// one geometry, but a remote driver could send another.
	dropped int64
}

// NewAggregator returns an Aggregator for the run of plan. If opts.Hlog is
// set it writes the interval log's header to it at once and returns any
// write error. The plan must stay unchanged while the Aggregator is in use.
func NewAggregator(plan *scenarios.Plan, opts AggregatorOptions) (*Aggregator, error) {
	if plan == nil {
		return nil, errors.New("new aggregator: nil plan")
	}
	a := &Aggregator{
		plan:  plan,
		roles: newOpRoles(plan),
		ops:   make([][]*opTotals, len(plan.Stages)),
		gen:   make([]drivers.StageInterval, len(plan.Stages)),
	}
	for s := range a.ops {
		a.ops[s] = make([]*opTotals, len(plan.Ops))
	}
	if opts.Hlog != nil {
		h, err := newHlogWriter(opts.Hlog, plan, opts.StartedAt)
		if err != nil {
			return nil, fmt.Errorf("new aggregator: %w", err)
		}
		a.hlog = h
	}
	return a, nil
}

// Interval merges iv into the totals and, if the Aggregator has an interval
// log, appends iv's lines to it. It rejects an interval that names a stage
// or op outside the plan before merging any of it, and returns interval log
// write errors; either ends the run. It does not keep iv or its histograms.
func (a *Aggregator) Interval(iv *drivers.Interval) error {
	if err := a.check(iv); err != nil {
		return err
	}
	for i := range iv.Ops {
		o := &iv.Ops[i]
		a.totals(o.Stage, o.Op).add(o)
	}
	for i := range iv.Stages {
		a.gen[iv.Stages[i].Stage].Add(&iv.Stages[i])
	}
	a.end = max(a.end, iv.End)
	a.intervals++
	if a.hlog != nil {
		if err := a.hlog.write(iv); err != nil {
			return fmt.Errorf("interval %d: write interval log: %w", iv.Seq, err)
		}
	}
	return nil
}

// check returns an error if iv names a stage or op the plan does not have.
func (a *Aggregator) check(iv *drivers.Interval) error {
	stages, ops := len(a.plan.Stages), len(a.plan.Ops)
	for i := range iv.Ops {
		if o := &iv.Ops[i]; o.Stage < 0 || o.Stage >= stages || o.Op < 0 || o.Op >= ops {
			return fmt.Errorf("interval %d: op %d of stage %d is outside the plan (%d ops, %d stages)",
				iv.Seq, o.Op, o.Stage, ops, stages)
		}
	}
	for i := range iv.Stages {
		if s := iv.Stages[i].Stage; s < 0 || s >= stages {
			return fmt.Errorf("interval %d: stage %d is outside the plan (%d stages)", iv.Seq, s, stages)
		}
	}
	return nil
}

// totals returns the totals of (stage, op), allocating their histograms on
// first use.
func (a *Aggregator) totals(stage, op int) *opTotals {
	t := a.ops[stage][op]
	if t == nil {
		t = newOpTotals()
		a.ops[stage][op] = t
	}
	return t
}

func newOpTotals() *opTotals {
	return &opTotals{latency: drivers.NewHistogram(), service: drivers.NewHistogram(), lag: drivers.NewHistogram()}
}

// add merges one op interval into t.
func (t *opTotals) add(o *drivers.OpInterval) {
	t.count += o.Count
	t.completed += o.Completed
	t.left += o.Left
	for c := range t.errors {
		t.errors[c] += o.Errors[c]
	}
	t.dropped += merge(t.latency, o.Latency)
	t.dropped += merge(t.service, o.Service)
	t.dropped += merge(t.lag, o.Lag)
}

// addTotals merges u into t, as add does for an interval.
func (t *opTotals) addTotals(u *opTotals) {
	t.count += u.count
	t.completed += u.completed
	t.left += u.left
	for c := range t.errors {
		t.errors[c] += u.errors[c]
	}
	t.dropped += u.dropped
	t.dropped += merge(t.latency, u.latency)
	t.dropped += merge(t.service, u.service)
	t.dropped += merge(t.lag, u.lag)
}

// failures counts the ops in errs that count against the error rate: every
// error class except not_found, which is an answer, not a failure.
func failures(errs *[drivers.NumClasses]int64) int64 {
	var n int64
	for c, v := range errs {
		if drivers.Class(c).Failure() {
			n += v
		}
	}
	return n
}

// merge merges from (which may be nil) into h and returns the number of
// values h could not hold.
func merge(h, from *hdrhistogram.Histogram) int64 {
	if from == nil || from.TotalCount() == 0 {
		return 0
	}
	return h.Merge(from)
}
