package report

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
	"github.com/surgeload/surge/workloads"
)

// twoByTwo is a plan of 2 stages and 2 ops.
func twoByTwo() *scenarios.Plan {
	return &scenarios.Plan{
		Name:    "two-by-two",
		Targets: []scenarios.Target{{Name: "kv"}},
		Ops:     []scenarios.Op{{Name: "get", Weight: 3}, {Name: "put", Weight: 1}},
		Stages: []workloads.Stage{
			{Name: "low", Duration: 10 * time.Second, From: 100, To: 100},
			{Name: "high", Duration: 10 * time.Second, From: 1000, To: 1000},
		},
	}
}

// logUniform draws a value from 0 to an hour in µs, log-uniformly, so that
// every bucket magnitude of the histogram is hit.
func logUniform(r *rand.Rand) int64 {
	if r.IntN(100) == 0 {
		return 0
	}
	return int64(math.Exp(r.Float64() * math.Log(float64(drivers.HistogramMaxMicros))))
}

// TestAggregatorExactMerge proves the merge exact: values recorded into
// per-worker histograms, shipped as intervals and merged by the Aggregator
// give the same histogram, count for count, as recording every value into
// one histogram. It holds whether the workers' histograms are merged into
// one interval first (one engine) or arrive as intervals of equal Seq from
// several drivers.
func TestAggregatorExactMerge(t *testing.T) {
	const workers, intervals, perWorker = 4, 12, 300
	for _, mode := range []string{"one engine", "one driver per worker"} {
		t.Run(mode, func(t *testing.T) {
			plan := twoByTwo()
			a := newTestAggregator(t, plan)
			r := rand.New(rand.NewPCG(42, uint64(len(mode))))
			// want[kind][stage][op]: every value recorded once; kind is
			// latency, service, lag.
			var want [3][2][2]*hdrhistogram.Histogram
			var wantRun [3][2]*hdrhistogram.Histogram
			for k := range want {
				for o := range 2 {
					wantRun[k][o] = drivers.NewHistogram()
					for s := range 2 {
						want[k][s][o] = drivers.NewHistogram()
					}
				}
			}
			// rec[worker][stage][op] is a worker's recorder, Reset per
			// interval like the engine's.
			rec := make([][2][2]drivers.OpInterval, workers)
			for w := range rec {
				for s := range 2 {
					for o := range 2 {
						rec[w][s][o] = drivers.OpInterval{Stage: s, Op: o, Latency: drivers.NewHistogram(),
							Service: drivers.NewHistogram(), Lag: drivers.NewHistogram()}
					}
				}
			}
			merged := [2][2]drivers.OpInterval{}
			for s := range 2 {
				for o := range 2 {
					merged[s][o] = drivers.OpInterval{Stage: s, Op: o, Latency: drivers.NewHistogram(),
						Service: drivers.NewHistogram(), Lag: drivers.NewHistogram()}
				}
			}
			var wantCount int64
			for seq := range uint64(intervals) {
				for w := range rec {
					for s := range 2 {
						for o := range 2 {
							oi := &rec[w][s][o]
							oi.Latency.Reset()
							oi.Service.Reset()
							oi.Lag.Reset()
							oi.Count = int64(r.IntN(perWorker))
							oi.Completed = oi.Count
							wantCount += oi.Count
							for range oi.Count {
								for k, h := range [3]*hdrhistogram.Histogram{oi.Latency, oi.Service, oi.Lag} {
									v := logUniform(r)
									for _, dst := range []*hdrhistogram.Histogram{h, want[k][s][o], wantRun[k][o]} {
										if err := dst.RecordValue(v); err != nil {
											t.Fatal(err)
										}
									}
								}
							}
						}
					}
				}
				start := time.Duration(seq) * time.Second
				switch mode {
				case "one engine":
					iv := &drivers.Interval{Seq: seq, Start: start, End: start + time.Second}
					for s := range 2 {
						for o := range 2 {
							m := &merged[s][o]
							m.Latency.Reset()
							m.Service.Reset()
							m.Lag.Reset()
							m.Count, m.Completed = 0, 0
							for w := range rec {
								m.Count += rec[w][s][o].Count
								m.Completed += rec[w][s][o].Completed
								for _, p := range [][2]*hdrhistogram.Histogram{
									{m.Latency, rec[w][s][o].Latency}, {m.Service, rec[w][s][o].Service}, {m.Lag, rec[w][s][o].Lag}} {
									if dropped := p[0].Merge(p[1]); dropped != 0 {
										t.Fatalf("engine-side merge dropped %d", dropped)
									}
								}
							}
							iv.Ops = append(iv.Ops, *m)
						}
					}
					if err := a.Interval(iv); err != nil {
						t.Fatal(err)
					}
				default:
					for w := range rec {
						iv := &drivers.Interval{Seq: seq, Start: start, End: start + time.Second}
						for s := range 2 {
							for o := range 2 {
								iv.Ops = append(iv.Ops, rec[w][s][o])
							}
						}
						if err := a.Interval(iv); err != nil {
							t.Fatal(err)
						}
					}
				}
			}

			var gotCount int64
			for s := range 2 {
				for o := range 2 {
					tot := a.ops[s][o]
					gotCount += tot.count
					for k, got := range [3]*hdrhistogram.Histogram{tot.latency, tot.service, tot.lag} {
						if !got.Equals(want[k][s][o]) {
							t.Errorf("stage %d op %d histogram %d: merged total %d != recorded %d, or counts differ",
								s, o, k, got.TotalCount(), want[k][s][o].TotalCount())
						}
					}
					if tot.dropped != 0 {
						t.Errorf("stage %d op %d: dropped %d; want 0", s, o, tot.dropped)
					}
				}
			}
			if gotCount != wantCount {
				t.Errorf("merged Count %d; want %d", gotCount, wantCount)
			}
			for o, tot := range a.runTotals() {
				for k, got := range [3]*hdrhistogram.Histogram{tot.latency, tot.service, tot.lag} {
					if !got.Equals(wantRun[k][o]) {
						t.Errorf("op %d histogram %d over all stages: merged %d values != recorded %d, or counts differ",
							o, k, got.TotalCount(), wantRun[k][o].TotalCount())
					}
				}
			}
		})
	}
}

func TestAggregatorRejectsIntervalsOutsideThePlan(t *testing.T) {
	tests := []struct {
		name string
		iv   drivers.Interval
		want string
	}{
		{"op too large", drivers.Interval{Ops: []drivers.OpInterval{{Stage: 0, Op: 0, Count: 1}, {Stage: 0, Op: 2}}},
			"op 2 of stage 0 is outside the plan"},
		{"stage too large", drivers.Interval{Ops: []drivers.OpInterval{{Stage: 2, Op: 0}}}, "op 0 of stage 2 is outside"},
		{"negative op", drivers.Interval{Ops: []drivers.OpInterval{{Stage: 0, Op: -1}}}, "op -1 of stage 0"},
		{"generator stage", drivers.Interval{Seq: 7, Stages: []drivers.StageInterval{{Stage: 5, Scheduled: 1}}},
			"interval 7: stage 5 is outside the plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAggregator(t, twoByTwo())
			err := a.Interval(&tt.iv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Interval() = %v; want an error containing %q", err, tt.want)
			}
			if a.ops[0][0] != nil || a.intervals != 0 || a.gen[0] != (drivers.StageInterval{}) {
				t.Error("a rejected interval was partly merged")
			}
		})
	}
}

func TestNewAggregatorNilPlan(t *testing.T) {
	if _, err := NewAggregator(nil, AggregatorOptions{}); err == nil {
		t.Error("NewAggregator(nil) = nil error; want one")
	}
}

// A histogram from a driver with another geometry can hold values surge's
// cannot; the merge drops them and the results say so.
func TestAggregatorDroppedValues(t *testing.T) {
	a := newTestAggregator(t, twoByTwo())
	wide := hdrhistogram.New(1, 10*drivers.HistogramMaxMicros, 3)
	for _, v := range []int64{5, 2 * drivers.HistogramMaxMicros, 3 * drivers.HistogramMaxMicros} {
		if err := wide.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	iv := &drivers.Interval{End: time.Second, Ops: []drivers.OpInterval{{Stage: 1, Op: 0, Count: 3, Latency: wide}}}
	if err := a.Interval(iv); err != nil {
		t.Fatal(err)
	}
	if got := a.ops[1][0].dropped; got != 2 {
		t.Errorf("dropped = %d; want 2", got)
	}
	if got := a.ops[1][0].latency.TotalCount(); got != 1 {
		t.Errorf("latency holds %d values; want 1", got)
	}
	res := a.Results(Meta{})
	want := `stage "high" op "get": 2 histogram values were dropped in the merge`
	if !containsPrefix(res.Warnings, want) {
		t.Errorf("Warnings = %q; want one starting %q", res.Warnings, want)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestAggregatorGenerator(t *testing.T) {
	tests := []struct {
		name    string
		stages  []drivers.StageInterval // fed as one interval each
		drivers int
		want    Generator
		warning string
	}{
		{"healthy", []drivers.StageInterval{{Scheduled: 1000}, {Scheduled: 1000}},
			1, Generator{Scheduled: 2000}, ""},
		{"waited exactly 1% is not bound", []drivers.StageInterval{{Scheduled: 1000, Waited: 10, BehindRate: 900}, {Scheduled: 1000}},
			1, Generator{Scheduled: 2000, Waited: 10}, ""},
		{"sporadic lateness warns but is not bound", []drivers.StageInterval{{Scheduled: 1000, Late: 50, MaxLateness: 3 * time.Millisecond, BehindRate: 900}, {Scheduled: 1000, Late: 50}},
			1, Generator{Scheduled: 2000, Late: 100, MaxLatenessMs: 3},
			`stage "high": the generator dispatched 100 of 2000 ops late by up to 3ms (a busy machine or a pause); their latency includes that delay`},
		{"a few late ops are noise", []drivers.StageInterval{{Scheduled: 8000, Late: 4, MaxLateness: 3 * time.Millisecond, BehindRate: 900}},
			1, Generator{Scheduled: 8000, Late: 4, MaxLatenessMs: 3}, ""},
		{"late over 5% is bound", []drivers.StageInterval{{Scheduled: 1000, Late: 101, MaxLateness: 3 * time.Millisecond, BehindRate: 900}},
			1, Generator{Scheduled: 1000, Late: 101, MaxLatenessMs: 3, Bound: true, BoundAboveRate: 900},
			`stage "high": generator-bound: 0 of 1000 ops waited for a free worker (max_in_flight 8) and 101 were dispatched late (max 3ms); results above 900 ops/s measure the generator, not the target`},
		{"bound: sums, max and smallest behind rate", []drivers.StageInterval{
			{Scheduled: 1000, Waited: 30, BehindRate: 950},
			{Scheduled: 1000, Late: 2, MaxLateness: 7 * time.Millisecond, BehindRate: 1200},
			{Scheduled: 500, MaxLateness: 4 * time.Millisecond}},
			1, Generator{Scheduled: 2500, Waited: 30, Late: 2, MaxLatenessMs: 7, Bound: true, BoundAboveRate: 950},
			`stage "high": generator-bound: 30 of 2500 ops waited for a free worker (max_in_flight 8) and 2 were dispatched late (max 7ms); results above 950 ops/s measure the generator, not the target`},
		{"behind rate scales with drivers", []drivers.StageInterval{{Scheduled: 100, Waited: 50, BehindRate: 487.5}},
			4, Generator{Scheduled: 100, Waited: 50, Bound: true, BoundAboveRate: 1950},
			`stage "high": generator-bound: 50 of 100 ops waited for a free worker (max_in_flight 8) and 0 were dispatched late (max 0s); results above 1950 ops/s measure the generator, not the target`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAggregator(t, twoByTwo())
			for i, s := range tt.stages {
				s.Stage = 1
				iv := &drivers.Interval{Seq: uint64(i), End: 20 * time.Second, Stages: []drivers.StageInterval{s}}
				if err := a.Interval(iv); err != nil {
					t.Fatal(err)
				}
			}
			res := a.Results(Meta{MaxInFlight: 8, DriversPlanned: tt.drivers})
			if got := res.Stages[1].Generator; got != tt.want {
				t.Errorf("Generator = %+v; want %+v", got, tt.want)
			}
			if got := strings.Join(res.Warnings, "\n"); got != tt.warning {
				t.Errorf("Warnings = %q; want %q", got, tt.warning)
			}
		})
	}
}

// FuzzMerge checks that merging conserves counts: whatever the input, the
// values the Aggregator's histograms hold plus those it reports dropped
// equal the values the intervals carried, and Count adds up. The input
// drives the values (some beyond surge's hour, carried by a wider
// histogram as a foreign driver could send), their stage, op and interval.
func FuzzMerge(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, false)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3}, true)
	f.Fuzz(func(t *testing.T, data []byte, wide bool) {
		a := newTestAggregator(t, twoByTwo())
		newHist := drivers.NewHistogram
		if wide {
			newHist = func() *hdrhistogram.Histogram { return hdrhistogram.New(1, 1000*drivers.HistogramMaxMicros, 2) }
		}
		var sent, sentCount int64
		for seq := uint64(0); len(data) > 0; seq++ {
			iv := &drivers.Interval{Seq: seq / 2, End: time.Duration(seq) * time.Second}
			n := min(int(data[0])%8+1, len(data)-1)
			sel, values := data[0], data[1:1+n]
			data = data[1+n:]
			oi := drivers.OpInterval{Stage: int(sel>>4) % 2, Op: int(sel>>5) % 2, Count: int64(n),
				Latency: newHist(), Service: newHist()}
			for i, b := range values {
				v := int64(b) << (uint(i*7+int(sel)) % 48)
				if oi.Latency.RecordValue(v) == nil {
					sent++
				}
				oi.Service.RecordValue(v)
			}
			sentCount += oi.Count
			iv.Ops = append(iv.Ops, oi)
			if err := a.Interval(iv); err != nil {
				t.Fatal(err)
			}
		}
		var held, count, dropped int64
		for s := range a.ops {
			for _, tot := range a.ops[s] {
				if tot != nil {
					held += tot.latency.TotalCount()
					count += tot.count
					dropped += tot.dropped
				}
			}
		}
		// dropped counts latency and service drops alike, and both hold
		// the same values.
		if held+dropped/2 != sent || dropped%2 != 0 {
			t.Errorf("merged %d + dropped %d/2 = %d; want the %d values sent", held, dropped, held+dropped/2, sent)
		}
		if count != sentCount {
			t.Errorf("merged Count %d; want %d", count, sentCount)
		}
		if !wide && dropped != 0 {
			t.Errorf("dropped %d values of surge's own geometry; want 0", dropped)
		}
	})
}

// BenchmarkAggregatorInterval merges one interval of 4 ops in 2 stages,
// each histogram holding 1000 values; it must not allocate.
func BenchmarkAggregatorInterval(b *testing.B) {
	plan := twoByTwo()
	plan.Ops = append(plan.Ops, scenarios.Op{Name: "add", Weight: 1}, scenarios.Op{Name: "batch", Weight: 1})
	a := newTestAggregator(b, plan)
	r := rand.New(rand.NewPCG(1, 2))
	iv := &drivers.Interval{End: time.Second}
	for s := range 2 {
		for o := range 4 {
			oi := drivers.OpInterval{Stage: s, Op: o, Count: 1000, Completed: 1000,
				Latency: drivers.NewHistogram(), Service: drivers.NewHistogram(), Lag: drivers.NewHistogram()}
			for range 1000 {
				v := int64(r.ExpFloat64() * 1000)
				oi.Latency.RecordValue(v + 10)
				oi.Service.RecordValue(v)
				oi.Lag.RecordValue(10)
			}
			iv.Ops = append(iv.Ops, oi)
		}
		iv.Stages = append(iv.Stages, drivers.StageInterval{Stage: s, Scheduled: 4000})
	}
	if err := a.Interval(iv); err != nil { // allocates the totals
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Interval(iv); err != nil {
			b.Fatal(err)
		}
	}
}
