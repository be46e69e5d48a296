package drivers

import (
	"fmt"
	"time"
)

// collect closes an interval at every interval boundary until done is
// closed, then closes the last, partial one. It returns the first sink
// error, which ends the run; after it the collector stops reporting.
func (e *engine) collect(done <-chan struct{}) error {
	c := newCollector(e)
	interval := e.job.Interval
	timer := e.clock.NewTimer(interval)
	defer timer.Stop()
	end := interval
	for {
		select {
		case <-timer.C():
			if err := c.flush(end-interval, end); err != nil {
				return err
			}
			end += interval
			timer.Reset(end - e.since())
		case <-done:
			return c.flush(end-interval, e.since())
		}
	}
}

// collector merges the lanes' recordings into one Interval per boundary.
type collector struct {
	e      *engine
	merged *recording
	pool   []*opRecord
	iv     Interval
	seq    uint64
}

func newCollector(e *engine) *collector {
	return &collector{e: e, merged: newRecording(e.stages, len(e.job.Ops))}
}

func (c *collector) flush(start, end time.Duration) error {
	var dropped int64
	for _, l := range c.e.lanes {
		r := l.rec.swap()
		dropped += c.mergeRecording(r)
		l.rec.recycle(r)
	}
	if dropped > 0 {
		return fmt.Errorf("interval %d: histogram merge dropped %d values", c.seq, dropped)
	}
	c.build(start, end)
	err := c.e.sink.Interval(&c.iv)
	c.seq++
	c.reset()
	if err != nil {
		return fmt.Errorf("report interval %d: %w", c.iv.Seq, err)
	}
	return nil
}

func (c *collector) mergeRecording(r *recording) (dropped int64) {
	for s := range r.ops {
		for o, rec := range r.ops[s] {
			if rec == nil {
				continue
			}
			m := c.merged.ops[s][o]
			if m == nil {
				m = c.take()
				c.merged.ops[s][o] = m
			}
			dropped += m.merge(rec)
		}
		c.merged.gen[s].Add(&r.gen[s])
	}
	return dropped
}

func (c *collector) take() *opRecord {
	if n := len(c.pool); n > 0 {
		r := c.pool[n-1]
		c.pool = c.pool[:n-1]
		return r
	}
	return newOpRecord()
}

// build fills c.iv from the merged recording. The Interval points into the
// collector's records, which stay untouched until the sink returns.
func (c *collector) build(start, end time.Duration) {
	iv := &c.iv
	*iv = Interval{Seq: c.seq, Start: start, End: end, Ops: iv.Ops[:0], Stages: iv.Stages[:0]}
	for s := range c.merged.ops {
		for o, m := range c.merged.ops[s] {
			if m != nil {
				iv.Ops = append(iv.Ops, OpInterval{Stage: s, Op: o, Count: m.count, Errors: m.errors,
					Completed: m.completed, Left: m.left, Latency: m.lat, Service: m.svc, Lag: m.lag})
			}
		}
		if g := c.merged.gen[s]; g != (StageInterval{}) {
			g.Stage = s
			iv.Stages = append(iv.Stages, g)
		}
	}
}

func (c *collector) reset() {
	for s := range c.merged.ops {
		for o, m := range c.merged.ops[s] {
			if m != nil {
				m.reset()
				c.pool = append(c.pool, m)
				c.merged.ops[s][o] = nil
			}
		}
		c.merged.gen[s] = StageInterval{}
	}
}
