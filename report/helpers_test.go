package report

import (
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
	"github.com/surgeload/surge/workloads"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testStart is the fixed start of every synthetic run.
var testStart = time.Date(2026, 11, 21, 18, 30, 0, 250_000_000, time.UTC)

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// testPlan is a small sale: a flat warm-up, a ramp, a staircase and an
// empty cool-down, three ops on two targets, and SLOs of every kind.
func testPlan() *scenarios.Plan {
	return &scenarios.Plan{
		Name:    "test-sale",
		Seed:    1,
		Targets: []scenarios.Target{{Name: "kv", Driver: "sim"}, {Name: "api", Driver: "sim"}},
		Ops: []scenarios.Op{
			{Name: "pdp-read", Weight: 7, Target: 0},
			{Name: "cart-add", Weight: 2, Target: 0},
			{Name: "checkout", Weight: 1, Target: 1},
		},
		Stages: []workloads.Stage{
			{Name: "warm-up", Duration: 10 * time.Second, From: 200, To: 200},
			{Name: "midnight-spike", Duration: 10 * time.Second, From: 200, To: 2000},
			{Name: "peak-hold", Duration: 12 * time.Second, From: 1000, To: 2000, Steps: 3},
			{Name: "cool-down", Duration: 5 * time.Second},
		},
		SLOs: []scenarios.SLO{
			{Op: "pdp-read", Stage: "*", Metric: scenarios.MetricP99, Latency: 5 * time.Millisecond},
			{Op: "*", Stage: "midnight-spike", Metric: scenarios.MetricP999, Latency: 40 * time.Millisecond},
			{Op: "*", Stage: "*", Metric: scenarios.MetricErrorRate, ErrorRate: 0.003},
			{Op: "checkout", Stage: "peak-hold", Metric: scenarios.MetricMax, Latency: 2 * time.Second},
		},
		Options: scenarios.Options{Interval: time.Second, MaxInFlight: 64},
	}
}

// stageRate is the intended rate of st at offset tau into it.
func stageRate(st workloads.Stage, tau time.Duration) float64 {
	switch {
	case st.Steps == 1:
		return st.From
	case st.Steps > 1:
		k := min(int(int64(tau)*int64(st.Steps)/int64(st.Duration)), st.Steps-1)
		return st.From + (st.To-st.From)*float64(k)/float64(st.Steps-1)
	}
	return st.From + (st.To-st.From)*tau.Seconds()/st.Duration.Seconds()
}

// simRun synthesises the intervals of a run of plan, deterministically
// for a seed, reusing its histograms the way the engine does.
type simRun struct {
	plan *scenarios.Plan
	r    *rand.Rand
	iv   drivers.Interval
	pool [][]drivers.OpInterval // [stage][op], histograms allocated once
}

func newSimRun(plan *scenarios.Plan, seed uint64) *simRun {
	s := &simRun{plan: plan, r: rand.New(rand.NewPCG(seed, 0))}
	s.pool = make([][]drivers.OpInterval, len(plan.Stages))
	for st := range s.pool {
		s.pool[st] = make([]drivers.OpInterval, len(plan.Ops))
		for o := range s.pool[st] {
			s.pool[st][o] = drivers.OpInterval{Stage: st, Op: o, Latency: drivers.NewHistogram(),
				Service: drivers.NewHistogram(), Lag: drivers.NewHistogram()}
		}
	}
	return s
}

// run feeds every interval of the run up to until (the whole run and a
// 400 ms drain when until is 0) to sink.
func (s *simRun) run(t testing.TB, sink drivers.Sink, until time.Duration) {
	t.Helper()
	var total time.Duration
	for _, st := range s.plan.Stages {
		total += st.Duration
	}
	if until == 0 {
		until = total + 400*time.Millisecond
	}
	for seq, start := uint64(0), time.Duration(0); start < until; seq, start = seq+1, start+time.Second {
		iv := s.interval(seq, start, min(start+time.Second, until))
		if err := sink.Interval(iv); err != nil {
			t.Fatalf("Interval(%d) = %v", seq, err)
		}
	}
}

// interval synthesises the interval [start, end).
func (s *simRun) interval(seq uint64, start, end time.Duration) *drivers.Interval {
	iv := &s.iv
	*iv = drivers.Interval{Seq: seq, Start: start, End: end, Ops: iv.Ops[:0], Stages: iv.Stages[:0]}
	var stageStart time.Duration
	for st, stage := range s.plan.Stages {
		lo, hi := max(start, stageStart), min(end, stageStart+stage.Duration)
		stageStart += stage.Duration
		if lo >= hi {
			continue
		}
		n := int64(math.Round(stageRate(stage, (lo+hi)/2-(stageStart-stage.Duration)) * (hi - lo).Seconds()))
		if n == 0 {
			continue
		}
		gen := drivers.StageInterval{Stage: st, Scheduled: n}
		for o := range s.plan.Ops {
			op := s.op(st, o, n, &gen)
			if op.Count > 0 {
				iv.Ops = append(iv.Ops, *op)
			}
		}
		if gen.Waited+gen.Late > 0 {
			gen.BehindRate = stageRate(stage, lo-(stageStart-stage.Duration))
		}
		iv.Stages = append(iv.Stages, gen)
	}
	return iv
}

// op synthesises op o's share of the n ops of stage st.
func (s *simRun) op(st, o int, n int64, gen *drivers.StageInterval) *drivers.OpInterval {
	op := &s.pool[st][o]
	op.Latency.Reset()
	op.Service.Reset()
	op.Lag.Reset()
	var sum float64
	for _, p := range s.plan.Ops {
		sum += p.Weight
	}
	op.Count = int64(math.Round(float64(n) * s.plan.Ops[o].Weight / sum))
	op.Completed, op.Errors = op.Count, [drivers.NumClasses]int64{}
	mean := [...]float64{400, 1200, 8000}[o%3] * float64(1+st) // µs
	for range op.Count {
		service := int64(s.r.ExpFloat64()*mean) + 50
		var lag int64
		switch {
		case st == 2 && s.r.IntN(20) == 0: // peak-hold: the in-flight cap bites
			lag = int64(s.r.ExpFloat64()*3000) + 1
			gen.Waited++
		case st == 1 && s.r.IntN(400) == 0: // midnight-spike: short of CPU now and then
			lag = 2000 + s.r.Int64N(1500)
			gen.Late++
			gen.MaxLateness = max(gen.MaxLateness, time.Duration(lag)*time.Microsecond)
		}
		switch u := s.r.IntN(1000); {
		case u < 2:
			op.Errors[drivers.ClassTimeout]++
			service = 1_000_000
		case u < 12:
			op.Errors[drivers.ClassNotFound]++
		case u < 14 && st == 2:
			op.Errors[drivers.ClassOverload]++
		}
		op.Latency.RecordValue(service + lag)
		op.Service.RecordValue(service)
		op.Lag.RecordValue(lag)
	}
	return op
}

// histOf returns a surge histogram holding values (µs).
func histOf(t testing.TB, values ...int64) *hdrhistogram.Histogram {
	t.Helper()
	h := drivers.NewHistogram()
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// newTestAggregator returns an Aggregator for plan with no interval log.
func newTestAggregator(t testing.TB, plan *scenarios.Plan) *Aggregator {
	t.Helper()
	a, err := NewAggregator(plan, AggregatorOptions{StartedAt: testStart})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testMeta is the Meta of the synthetic runs.
var testMeta = Meta{StartedAt: testStart, Duration: 37*time.Second + 500*time.Millisecond,
	DriversPlanned: 1, DriversCompleted: 1, MaxInFlight: 64,
	Populate: []PopulateResult{{Keyspace: "catalogue", Target: "kv", Op: "put", Keys: 100000, Done: 100000,
		ResumedFrom: 40000, Written: 59990, Errors: map[string]int64{"timeout": 10}, DurationS: 3.012, Rate: 19920.3,
		Fingerprint: "kv/sim put catalogue keys=100000 seed=1 sizes=2048"}}}
