package report

import (
	"errors"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// sample is what one op measured in one abort-test interval: count ops,
// failed of them timeouts, each taking micros.
type sample struct {
	stage, op     int
	count, failed int64
	micros        int64
}

// abortInterval returns interval seq, one second long, holding samples.
func abortInterval(t testing.TB, seq int, samples ...sample) *drivers.Interval {
	t.Helper()
	start := time.Duration(seq) * time.Second
	iv := &drivers.Interval{Seq: uint64(seq), Start: start, End: start + time.Second}
	for _, s := range samples {
		o := drivers.OpInterval{Stage: s.stage, Op: s.op, Count: s.count, Completed: s.count, Latency: drivers.NewHistogram()}
		o.Errors[drivers.ClassTimeout] = s.failed
		if err := o.Latency.RecordValues(s.micros, s.count); err != nil {
			t.Fatal(err)
		}
		iv.Ops = append(iv.Ops, o)
	}
	return iv
}

func TestAbortWatch(t *testing.T) {
	ms := time.Millisecond
	p99 := func(op, stage string, limit, hold time.Duration) scenarios.SLO {
		return scenarios.SLO{Op: op, Stage: stage, Metric: scenarios.MetricP99, Latency: limit, Abort: true, For: hold}
	}
	// Samples of get (op 0) and put (op 1) in stages low (0) and high (1).
	var (
		fastGet    = sample{stage: 0, op: 0, count: 100, micros: 10_000}
		slowGet    = sample{stage: 0, op: 0, count: 100, micros: 40_000}
		slowGetHi  = sample{stage: 1, op: 0, count: 100, micros: 40_000}
		slowPut    = sample{stage: 0, op: 1, count: 100, micros: 40_000}
		failingPut = sample{stage: 0, op: 1, count: 100, failed: 5, micros: 1000}
	)
	tests := []struct {
		name      string
		plan      *scenarios.Plan
		rules     []scenarios.SLO
		intervals [][]sample
		// wantAt is the index of the interval that aborts, -1 for none;
		// wantErr is the abort error's text.
		wantAt  int
		wantErr string
	}{
		{"a breach shorter than for does not abort", twoByTwo(),
			[]scenarios.SLO{p99("get", "*", 25*ms, 3*time.Second)},
			[][]sample{{slowGet}, {slowGet}}, -1, ""},
		{"a breach lasting for aborts once", twoByTwo(),
			[]scenarios.SLO{p99("get", "*", 25*ms, 3*time.Second)},
			[][]sample{{fastGet}, {slowGet}, {slowGet}, {slowGet}, {slowGet}, {slowGet}}, 3,
			"SLO abort: p99 of get was 40.031 ms (limit 25 ms) for 3s at 4s"},
		{"for 0 aborts at the first breach", twoByTwo(),
			[]scenarios.SLO{p99("get", "*", 25*ms, 0)},
			[][]sample{{fastGet}, {slowGet}}, 1,
			"SLO abort: p99 of get was 40.031 ms (limit 25 ms) at 2s"},
		{"a good interval ends the streak", twoByTwo(),
			[]scenarios.SLO{p99("get", "*", 25*ms, 3*time.Second)},
			[][]sample{{slowGet}, {slowGet}, {fastGet}, {slowGet}, {slowGet}, {slowGet}}, 5,
			"SLO abort: p99 of get was 40.031 ms (limit 25 ms) for 3s at 6s"},
		{"an interval without data neither breaches nor ends the streak", twoByTwo(),
			[]scenarios.SLO{p99("get", "*", 25*ms, 3*time.Second)},
			[][]sample{{slowGet}, {slowGet}, {slowPut}, {}, {slowGet}}, 4,
			"SLO abort: p99 of get was 40.031 ms (limit 25 ms) for 3s at 5s"},
		{"the stage filter", twoByTwo(),
			[]scenarios.SLO{p99("get", "high", 25*ms, 2*time.Second)},
			[][]sample{{slowGet}, {slowGet}, {slowGet}, {slowGetHi}, {slowGetHi}}, 4,
			"SLO abort: p99 of get in stage high was 40.031 ms (limit 25 ms) for 2s at 5s"},
		{"a rule for one op ignores the others", twoByTwo(),
			[]scenarios.SLO{p99("get", "*", 25*ms, 0)},
			[][]sample{{fastGet, slowPut}, {fastGet, slowPut}}, -1, ""},
		{"op * merges every op", twoByTwo(),
			[]scenarios.SLO{p99("*", "*", 25*ms, 0)},
			[][]sample{{fastGet}, {fastGet, slowPut}}, 1,
			"SLO abort: p99 of every op was 40.031 ms (limit 25 ms) at 2s"},
		{"op * leaves out whole journeys", journeyPlan(),
			[]scenarios.SLO{p99("*", "*", 25*ms, 0)},
			[][]sample{{{op: 0, count: 10, micros: 1000}, {op: 1, count: 10, micros: 900_000}}}, -1, ""},
		{"a rule may name a journey", journeyPlan(),
			[]scenarios.SLO{p99("buyer", "*", 25*ms, 0)},
			[][]sample{{{op: 0, count: 10, micros: 1000}, {op: 1, count: 10, micros: 900_000}}}, 0,
			"SLO abort: p99 of buyer was 900.095 ms (limit 25 ms) at 1s"},
		{"an error rate", twoByTwo(),
			[]scenarios.SLO{{Op: "*", Stage: "*", Metric: scenarios.MetricErrorRate, ErrorRate: 0.01, Abort: true, For: 2 * time.Second}},
			[][]sample{{failingPut}, {fastGet}, {fastGet, failingPut}, {failingPut}}, 3,
			"SLO abort: error_rate of every op was 5.00% (limit 1.00%) for 2s at 4s"},
		{"rules without abort are left alone", twoByTwo(),
			[]scenarios.SLO{{Op: "get", Stage: "*", Metric: scenarios.MetricMax, Latency: ms}},
			[][]sample{{slowGet}}, -1, ""},
		{"the first rule to reach its for aborts", twoByTwo(),
			[]scenarios.SLO{p99("get", "*", 25*ms, 2*time.Second), {Op: "put", Stage: "*", Metric: scenarios.MetricMax, Latency: 30 * ms, Abort: true}},
			[][]sample{{slowGet}, {slowGet, slowPut}}, 1,
			"SLO abort: p99 of get was 40.031 ms (limit 25 ms) for 2s at 2s"},
		{"a rule naming an unknown op is left out", twoByTwo(),
			[]scenarios.SLO{p99("scan", "*", 25*ms, 0)},
			[][]sample{{slowGet}}, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.plan.SLOs = tt.rules
			var errs []error
			var at []int
			seq := 0
			w := NewAbortWatch(tt.plan, func(err error) { errs, at = append(errs, err), append(at, seq) })
			for i, samples := range tt.intervals {
				seq = i
				if err := w.Interval(abortInterval(t, i, samples...)); err != nil {
					t.Fatalf("Interval(%d) = %v; want nil", i, err)
				}
			}
			if tt.wantAt < 0 {
				if len(errs) > 0 {
					t.Errorf("abort(%v) at interval %d; want no abort", errs[0], at[0])
				}
				return
			}
			if len(errs) != 1 || at[0] != tt.wantAt {
				t.Fatalf("abort called with %v at intervals %v; want once, at %d", errs, at, tt.wantAt)
			}
			if got := errs[0].Error(); got != tt.wantErr {
				t.Errorf("abort error %q; want %q", got, tt.wantErr)
			}
			var ae *AbortError
			if !errors.As(errs[0], &ae) || !errors.Is(errs[0], ErrSLOFailed) {
				t.Errorf("abort error %v is no *AbortError matching ErrSLOFailed", errs[0])
			}
		})
	}
}

func TestAbortError(t *testing.T) {
	tests := []struct {
		name string
		err  *AbortError
		want string
	}{
		{"latency",
			&AbortError{Rule: scenarios.SLO{Op: "pdp-read", Stage: "*", Metric: scenarios.MetricP99, Latency: 25 * time.Millisecond, Abort: true, For: 10 * time.Second},
				Observed: 31.2, At: 42 * time.Second},
			"SLO abort: p99 of pdp-read was 31.2 ms (limit 25 ms) for 10s at 42s"},
		{"error rate in a stage at once",
			&AbortError{Rule: scenarios.SLO{Op: "*", Stage: "peak", Metric: scenarios.MetricErrorRate, ErrorRate: 0.001, Abort: true},
				Observed: 0.0125, At: 1500 * time.Millisecond},
			"SLO abort: error_rate of every op in stage peak was 1.25% (limit 0.10%) at 1.5s"},
		{"sub-millisecond max",
			&AbortError{Rule: scenarios.SLO{Op: "get", Stage: "*", Metric: scenarios.MetricMax, Latency: 250 * time.Microsecond, Abort: true},
				Observed: 0.3004, At: time.Minute},
			"SLO abort: max of get was 0.3 ms (limit 0.25 ms) at 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
			if !errors.Is(tt.err, ErrSLOFailed) {
				t.Errorf("errors.Is(%v, ErrSLOFailed) = false; want true", tt.err)
			}
		})
	}
}

// A watch over a plan without abort rules holds nothing, not even its
// scratch histogram; one with only error-rate rules needs no histogram.
func TestAbortWatchCostsNothing(t *testing.T) {
	plan := testPlan() // SLOs, none of them abort rules
	w := NewAbortWatch(plan, func(error) { t.Error("abort called") })
	if len(w.rules) != 0 || w.latency != nil {
		t.Errorf("NewAbortWatch(no abort rules) holds %d rules and histogram %v; want none", len(w.rules), w.latency != nil)
	}
	plan.SLOs = []scenarios.SLO{{Op: "*", Stage: "*", Metric: scenarios.MetricErrorRate, ErrorRate: 0.5, Abort: true}}
	if w := NewAbortWatch(plan, func(error) {}); len(w.rules) != 1 || w.latency != nil {
		t.Errorf("NewAbortWatch(an error rate rule) holds %d rules and histogram %v; want 1 and none", len(w.rules), w.latency != nil)
	}
	for _, w := range []*AbortWatch{NewAbortWatch(nil, func(error) {}), NewAbortWatch(testPlan(), nil)} {
		if err := w.Interval(abortInterval(t, 0, sample{count: 1, micros: 1})); err != nil || len(w.rules) != 0 {
			t.Errorf("a watch of a nil plan or abort: Interval = %v with %d rules; want nil and none", err, len(w.rules))
		}
	}
}

// The per-interval work allocates nothing: one scratch histogram serves
// every latency rule and interval.
func TestAbortWatchAllocs(t *testing.T) {
	plan, iv := benchAbortWatch(t)
	w := NewAbortWatch(plan, func(err error) { t.Errorf("abort(%v)", err) })
	if n := testing.AllocsPerRun(20, func() { _ = w.Interval(iv) }); n != 0 {
		t.Errorf("Interval allocates %v times; want 0", n)
	}
}

// benchAbortWatch returns the synthetic sale with three abort rules that
// never trip, and an interval of its peak.
func benchAbortWatch(t testing.TB) (*scenarios.Plan, *drivers.Interval) {
	t.Helper()
	plan := testPlan()
	plan.SLOs = append(plan.SLOs,
		scenarios.SLO{Op: "pdp-read", Stage: "*", Metric: scenarios.MetricP99, Latency: time.Hour, Abort: true, For: 10 * time.Second},
		scenarios.SLO{Op: "*", Stage: "peak-hold", Metric: scenarios.MetricP999, Latency: time.Hour, Abort: true},
		scenarios.SLO{Op: "*", Stage: "*", Metric: scenarios.MetricErrorRate, ErrorRate: 1, Abort: true},
	)
	return plan, newSimRun(plan, 1).interval(25, 25*time.Second, 26*time.Second)
}

func BenchmarkAbortWatch(b *testing.B) {
	plan, iv := benchAbortWatch(b)
	w := NewAbortWatch(plan, func(err error) { b.Fatalf("abort(%v)", err) })
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Interval(iv); err != nil {
			b.Fatal(err)
		}
	}
}
