package findmax

import (
	"context"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers"
)

// BenchmarkCollectorInterval is the per-interval cost a search adds to the
// engine's sink: one interval of four ops with full histograms.
func BenchmarkCollectorInterval(b *testing.B) {
	names := []string{"a", "b", "c", "d"}
	c := NewCollector(names)
	c.Reset(Stage{Warmup: time.Second, Measure: 60 * time.Second})
	iv := &drivers.Interval{Start: 10 * time.Second, End: 11 * time.Second,
		Stages: []drivers.StageInterval{{Stage: 1, Scheduled: 1000}}}
	for op := range names {
		o := drivers.OpInterval{Stage: 1, Op: op, Count: 250, Completed: 250,
			Latency: hist(50, time.Millisecond, 5*time.Millisecond, 20*time.Millisecond),
			Service: hist(50, time.Millisecond), Lag: hist(50, 10*time.Microsecond)}
		iv.Ops = append(iv.Ops, o)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Interval(iv); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClassify is the cost of judging one stage.
func BenchmarkClassify(b *testing.B) {
	m := healthy()
	r := Rules{Lines: []Line{{Quantile: 0.99, Limit: 50 * time.Millisecond}}, MaxErrorRate: 0.001}
	b.ReportAllocs()
	for b.Loop() {
		r.Classify(m)
	}
}

// BenchmarkSearchDES is a whole search at c = 4 in virtual time, the
// spec's 60 s stages and 300 s confirmation: the cost of one V3 seed.
func BenchmarkSearchDES(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		p := newDESProber(mmc(4, 200, uint64(i)+1), uint64(i)+1)
		if _, err := Search(context.Background(), p, spec(50*time.Millisecond, 20)); err != nil {
			b.Fatal(err)
		}
	}
}
