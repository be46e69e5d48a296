package drivers

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The collector's merge of several lanes' recordings equals one histogram
// of every value, bucket for bucket, and conserves counts and errors.
func TestCollectorMergeIsExact(t *testing.T) {
	const lanes, stages, ops = 4, 2, 3
	r := rand.New(rand.NewPCG(1, 2))
	e := &engine{stages: stages, job: &Job{Ops: make([]JobOp, ops)}}
	want := make([][]*opRecord, stages)
	for s := range want {
		want[s] = make([]*opRecord, ops)
		for o := range want[s] {
			want[s][o] = newOpRecord()
		}
	}
	for range lanes {
		rec := newRecorder(stages, ops)
		for range 20000 {
			s, o := r.IntN(stages), r.IntN(ops)
			lat := time.Duration(r.ExpFloat64() * float64(5*time.Millisecond))
			class := ClassOK
			if r.IntN(100) == 0 {
				class = ClassTimeout
			}
			rec.record(s, s, o, class, lat, lat/2, lat/4)
			w := want[s][o]
			w.count++
			w.completed++
			if class != ClassOK {
				w.errors[class]++
			}
			recordMicros(w.lat, lat)
			recordMicros(w.svc, lat/2)
			recordMicros(w.lag, lat/4)
		}
		e.lanes = append(e.lanes, &lane{rec: rec})
	}
	got := &checkSink{t: t, want: want}
	e.sink = got
	c := newCollector(e)
	if err := c.flush(0, time.Second); err != nil {
		t.Fatal(err)
	}
	if got.entries != stages*ops {
		t.Errorf("interval had %d (stage, op) entries; want %d", got.entries, stages*ops)
	}
}

type checkSink struct {
	t       *testing.T
	want    [][]*opRecord
	entries int
}

func (c *checkSink) Interval(iv *Interval) error {
	for _, o := range iv.Ops {
		c.entries++
		w := c.want[o.Stage][o.Op]
		if o.Count != w.count || o.Completed != w.completed || o.Errors != w.errors {
			c.t.Errorf("stage %d op %d: count %d completed %d errors %v; want %d %d %v",
				o.Stage, o.Op, o.Count, o.Completed, o.Errors, w.count, w.completed, w.errors)
		}
		if !o.Latency.Equals(w.lat) || !o.Service.Equals(w.svc) || !o.Lag.Equals(w.lag) {
			c.t.Errorf("stage %d op %d: merged histograms differ from one histogram of all values", o.Stage, o.Op)
		}
	}
	return nil
}

// BenchmarkRecord is the recording step of the per-op path: the lane lock,
// three histogram records and the counters.
func BenchmarkRecord(b *testing.B) {
	rec := newRecorder(1, 1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d := time.Duration(i&0xffff) * time.Microsecond
		rec.record(0, 0, 0, ClassOK, d, d, 0)
	}
}
