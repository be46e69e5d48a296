package findmax

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
)

// Collector turns the intervals of one probe's engine run into a
// [Measurement]. The run's profile must be two stages at the probe's rate:
// the warm-up (stage 0) and the measured part (stage 1). One Collector
// serves a whole search: Reset it before each probe.
type Collector struct {
	m      Measurement
	names  []string // op index -> name
	warmup time.Duration
	end    time.Duration // end of the measured part, from the run start
}

// NewCollector returns a Collector for a job whose ops are named by names,
// in op index order.
func NewCollector(names []string) *Collector {
	c := &Collector{names: names}
	c.m.Latency, c.m.Lag, c.m.Service = drivers.NewHistogram(), drivers.NewHistogram(), drivers.NewHistogram()
	for i := range c.m.Thirds {
		c.m.Thirds[i] = drivers.NewHistogram()
	}
	c.m.Ops = make(map[string]*hdrhistogram.Histogram, len(names))
	c.m.OpCounts = make(map[string][2]int64, len(names))
	for _, n := range names {
		if c.m.Ops[n] == nil {
			c.m.Ops[n] = drivers.NewHistogram()
		}
	}
	return c
}

// Reset empties the Collector for the next probe, s.
func (c *Collector) Reset(s Stage) {
	lat, lag, svc, thirds, ops, counts := c.m.Latency, c.m.Lag, c.m.Service, c.m.Thirds, c.m.Ops, c.m.OpCounts
	for _, h := range append([]*hdrhistogram.Histogram{lat, lag, svc}, thirds[:]...) {
		h.Reset()
	}
	for _, h := range ops {
		h.Reset()
	}
	clear(counts)
	c.m = Measurement{Latency: lat, Lag: lag, Service: svc, Thirds: thirds, Ops: ops, OpCounts: counts, Duration: s.Measure}
	c.warmup, c.end = s.Warmup, s.Warmup+s.Measure
}

// Measurement returns what was collected since the last Reset. It is valid
// until the next Reset.
func (c *Collector) Measurement() *Measurement { return &c.m }

// measured is the profile index of the measured stage.
const measured = 1

// Interval implements [drivers.Sink].
func (c *Collector) Interval(iv *drivers.Interval) error {
	third := 2
	if third3 := (c.end - c.warmup) / 3; third3 > 0 {
		mid := (iv.Start+iv.End)/2 - c.warmup
		third = min(2, max(0, int(mid/third3)))
	}
	for i := range iv.Stages {
		st := &iv.Stages[i]
		if st.Stage != measured {
			continue
		}
		c.m.Scheduled += st.Scheduled
		c.m.Waited += st.Waited
		c.m.Late += st.Late
	}
	for i := range iv.Ops {
		o := &iv.Ops[i]
		if o.Stage != measured {
			continue
		}
		c.m.Completed += o.Completed
		if o.Op >= len(c.names) {
			continue
		}
		// Completed is counted by the stage the run was in; the rest by
		// the stage the op was intended in.
		var errs int64
		for cl, n := range o.Errors {
			if drivers.Class(cl).Failure() {
				errs += n
			}
		}
		c.m.Count += o.Count
		c.m.Errors += errs
		name := c.names[o.Op]
		oc := c.m.OpCounts[name]
		c.m.OpCounts[name] = [2]int64{oc[0] + o.Count, oc[1] + errs}
		if iv.Start >= c.end {
			c.m.InFlightEnd += o.Count
		}
		merge(c.m.Latency, o.Latency)
		merge(c.m.Thirds[third], o.Latency)
		merge(c.m.Ops[name], o.Latency)
		merge(c.m.Lag, o.Lag)
		merge(c.m.Service, o.Service)
	}
	return nil
}

func merge(dst, src *hdrhistogram.Histogram) {
	if src != nil && src.TotalCount() > 0 {
		dst.Merge(src)
	}
}
