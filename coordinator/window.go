package coordinator

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
)

// window merges the reports of every driver for one interval Seq into one
// [drivers.Interval]: the cluster-wide interval that the aggregator, the
// progress view, the abort rules and the interval log see.
type window struct {
	seq        uint64
	start, end time.Duration
	any        bool
	ops        [][]*opAcc // [stage][op], nil until reported
	gen        []drivers.StageInterval
	touched    []bool // gen[s] had a report
	// from lists the drivers merged in, in arrival order.
	from []int
	iv   drivers.Interval
}

// opAcc is one (stage, op) of a window: counts while it merges, and the
// histograms the merged interval shows.
type opAcc struct {
	op     drivers.OpInterval
	counts [3]wire.Counts             // latency, service, lag
	hists  [3]*hdrhistogram.Histogram // filled from counts when the window closes
}

// windows holds the open windows of a run and recycles their histograms:
// a run keeps a handful of windows' worth, not one per interval.
type windows struct {
	stages, ops int
	open        map[uint64]*window
	free        []*opAcc
}

func newWindows(stages, ops int) *windows {
	return &windows{stages: stages, ops: ops, open: map[uint64]*window{}}
}

// get returns the window of seq, opening it if needed.
func (ws *windows) get(seq uint64) *window {
	w := ws.open[seq]
	if w == nil {
		w = &window{seq: seq, ops: make([][]*opAcc, ws.stages), gen: make([]drivers.StageInterval, ws.stages),
			touched: make([]bool, ws.stages)}
		ws.open[seq] = w
	}
	return w
}

// add merges report r of driver d into its window. It checks r against the
// plan first and merges nothing of a report that names a stage or op the
// plan does not have.
func (ws *windows) add(d int, r *wire.Report) error {
	for i := range r.Ops {
		if o := &r.Ops[i]; o.Stage >= ws.stages || o.Op >= ws.ops {
			return fmt.Errorf("interval %d: op %d of stage %d is outside the plan (%d ops, %d stages)", r.Seq, o.Op, o.Stage, ws.ops, ws.stages)
		}
	}
	for i := range r.Stages {
		if s := r.Stages[i].Stage; s >= ws.stages {
			return fmt.Errorf("interval %d: stage %d is outside the plan (%d stages)", r.Seq, s, ws.stages)
		}
	}
	w := ws.get(r.Seq)
	if !w.any {
		w.start, w.end, w.any = r.Start, r.End, true
	} else {
		w.start, w.end = min(w.start, r.Start), max(w.end, r.End)
	}
	w.from = append(w.from, d)
	for i := range r.Ops {
		o := &r.Ops[i]
		a := w.ops[o.Stage]
		if a == nil {
			a = make([]*opAcc, ws.ops)
			w.ops[o.Stage] = a
		}
		acc := a[o.Op]
		if acc == nil {
			acc = ws.take()
			acc.op.Stage, acc.op.Op = o.Stage, o.Op
			a[o.Op] = acc
		}
		acc.op.Count += o.Count
		acc.op.Completed += o.Completed
		acc.op.Left += o.Left
		for c, v := range o.Errors {
			acc.op.Errors[c] += v
		}
		acc.counts[0].Add(&o.Latency)
		acc.counts[1].Add(&o.Service)
		acc.counts[2].Add(&o.Lag)
	}
	for i := range r.Stages {
		s := &r.Stages[i]
		w.gen[s.Stage].Add(s)
		w.touched[s.Stage] = true
	}
	return nil
}

func (ws *windows) take() *opAcc {
	if n := len(ws.free); n > 0 {
		a := ws.free[n-1]
		ws.free = ws.free[:n-1]
		return a
	}
	a := &opAcc{}
	for k := range a.counts {
		a.counts[k], a.hists[k] = wire.NewCounts(), drivers.NewHistogram()
	}
	return a
}

// interval builds the window's merged interval. It is valid until the
// window is released. It returns an error if a histogram could not hold
// its counts, which a decoded report cannot cause.
func (w *window) interval() (*drivers.Interval, error) {
	iv := &w.iv
	iv.Seq, iv.Start, iv.End = w.seq, w.start, w.end
	iv.Ops, iv.Stages = iv.Ops[:0], iv.Stages[:0]
	for _, a := range w.ops {
		for _, acc := range a {
			if acc == nil {
				continue
			}
			for k, c := range acc.counts {
				if n := c.WriteTo(acc.hists[k]); n > 0 {
					return nil, fmt.Errorf("interval %d: histogram merge dropped %d values", w.seq, n)
				}
			}
			o := acc.op
			o.Latency, o.Service, o.Lag = acc.hists[0], acc.hists[1], acc.hists[2]
			iv.Ops = append(iv.Ops, o)
		}
	}
	for s, g := range w.gen {
		if w.touched[s] {
			g.Stage = s
			iv.Stages = append(iv.Stages, g)
		}
	}
	return iv, nil
}

// report sets r to the merged window, for the checkpoint: the same
// encoding as a driver's report, from the counts rather than the
// histograms. Call it after interval, whose ops and stages it follows.
func (w *window) report(r *wire.Report) {
	r.Seq, r.Start, r.End, r.CPU = w.seq, w.start, w.end, 0
	r.Ops = r.Ops[:0]
	for _, o := range w.iv.Ops {
		if len(r.Ops) < cap(r.Ops) {
			r.Ops = r.Ops[:len(r.Ops)+1] // reuse the op and its buckets
		} else {
			r.Ops = append(r.Ops, wire.OpReport{})
		}
		ro, acc := &r.Ops[len(r.Ops)-1], w.ops[o.Stage][o.Op]
		ro.Stage, ro.Op, ro.Count, ro.Completed, ro.Left, ro.Errors = o.Stage, o.Op, o.Count, o.Completed, o.Left, o.Errors
		ro.Latency.FromCounts(acc.counts[0])
		ro.Service.FromCounts(acc.counts[1])
		ro.Lag.FromCounts(acc.counts[2])
	}
	r.Stages = append(r.Stages[:0], w.iv.Stages...)
}

// release forgets window seq and keeps its histograms for reuse.
func (ws *windows) release(w *window) {
	for _, a := range w.ops {
		for _, acc := range a {
			if acc == nil {
				continue
			}
			acc.op = drivers.OpInterval{}
			for _, c := range acc.counts {
				clear(c)
			}
			ws.free = append(ws.free, acc)
		}
	}
	delete(ws.open, w.seq)
}
