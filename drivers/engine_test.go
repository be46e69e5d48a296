package drivers_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/workloads"
)

// totals is a test Sink that merges every interval into per-(stage, op)
// totals, and keeps a little per-interval detail.
type totals struct {
	stages, ops int
	count       [][]int64
	completed   [][]int64
	left        [][]int64
	errors      [][][drivers.NumClasses]int64
	lat, svc    [][]*hdrhistogram.Histogram
	gen         []drivers.StageInterval
	intervals   []ivSummary
	fail        error
}

type ivSummary struct {
	seq        uint64
	start, end time.Duration
	count      int64
	p50Micros  int64
}

func newTotals(stages, ops int) *totals {
	t := &totals{stages: stages, ops: ops, gen: make([]drivers.StageInterval, stages)}
	for range stages {
		t.count = append(t.count, make([]int64, ops))
		t.completed = append(t.completed, make([]int64, ops))
		t.left = append(t.left, make([]int64, ops))
		t.errors = append(t.errors, make([][drivers.NumClasses]int64, ops))
		lat, svc := make([]*hdrhistogram.Histogram, ops), make([]*hdrhistogram.Histogram, ops)
		for o := range ops {
			lat[o], svc[o] = drivers.NewHistogram(), drivers.NewHistogram()
		}
		t.lat, t.svc = append(t.lat, lat), append(t.svc, svc)
	}
	return t
}

func (t *totals) Interval(iv *drivers.Interval) error {
	all := drivers.NewHistogram()
	var n int64
	for _, o := range iv.Ops {
		t.count[o.Stage][o.Op] += o.Count
		t.completed[o.Stage][o.Op] += o.Completed
		t.left[o.Stage][o.Op] += o.Left
		for c, e := range o.Errors {
			t.errors[o.Stage][o.Op][c] += e
		}
		t.lat[o.Stage][o.Op].Merge(o.Latency)
		t.svc[o.Stage][o.Op].Merge(o.Service)
		all.Merge(o.Latency)
		n += o.Count
	}
	for _, s := range iv.Stages {
		g := &t.gen[s.Stage]
		g.Scheduled += s.Scheduled
		g.Waited += s.Waited
		g.Late += s.Late
	}
	t.intervals = append(t.intervals, ivSummary{iv.Seq, iv.Start, iv.End, n, all.ValueAtQuantile(50)})
	return t.fail
}

// stageSum adds one per-op row of a [stage][op] table.
func stageSum(rows [][]int64, stage int) int64 {
	var n int64
	for _, v := range rows[stage] {
		n += v
	}
	return n
}

func mustProfile(t testing.TB, stages ...workloads.Stage) *workloads.Profile {
	t.Helper()
	p, err := workloads.NewProfile(stages)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustSim(t testing.TB, cfg sim.Config) *sim.Target {
	t.Helper()
	s, err := sim.New(cfg, drivers.WallClock())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// job returns a one-op job against target with the given profile.
func job(t testing.TB, target drivers.Target, p *workloads.Profile, maxInFlight int) *drivers.Job {
	t.Helper()
	keys, err := workloads.NewUniform(1000)
	if err != nil {
		t.Fatal(err)
	}
	return &drivers.Job{
		Ops:          []drivers.JobOp{{Name: "get", Weight: 1, Target: target}},
		Keyspaces:    []workloads.Keys{keys},
		Profile:      p,
		Seed:         1,
		Lanes:        2,
		MaxInFlight:  maxInFlight,
		Interval:     time.Second,
		DrainTimeout: 5 * time.Second,
	}
}

func run(t testing.TB, j *drivers.Job) *totals {
	t.Helper()
	tot := newTotals(len(j.Profile.Stages()), len(j.Ops))
	if err := drivers.Run(context.Background(), j, tot); err != nil {
		t.Fatal(err)
	}
	return tot
}

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*want {
		t.Errorf("%s = %.4g; want %.4g ± %.1f%%", what, got, want, tol*100)
	}
}

// An open-loop client measures what users see through a stall: ops that
// should have started during a 500 ms stall every 5 s wait for the rest of
// it, so 10% of ops see latencies spread evenly over 0..500 ms: p95 = 250 ms
// and p99 = 450 ms. A small in-flight cap keeps the stalled ops out of the
// target, so the service time (what a closed-loop tool reports) stays near
// the 100 µs the target takes: that gap is coordinated omission.
func TestCoordinatedOmission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		target := mustSim(t, sim.Config{Servers: 1000, ServiceTime: 100 * time.Microsecond,
			StallEvery: 5 * time.Second, StallFor: 500 * time.Millisecond})
		p := mustProfile(t, workloads.Stage{Name: "steady", Duration: 25 * time.Second, From: 2000, To: 2000})
		tot := run(t, job(t, target, p, 20))
		lat, svc := tot.lat[0][0], tot.svc[0][0]
		within(t, "latency p95 (ms)", float64(lat.ValueAtQuantile(95))/1000, 250, 0.05)
		within(t, "latency p99 (ms)", float64(lat.ValueAtQuantile(99))/1000, 450, 0.05)
		if got := svc.ValueAtQuantile(99); got > 200 {
			t.Errorf("service time p99 = %dµs; want near the 100µs service time", got)
		}
		if got := lat.TotalCount(); got != 50000 {
			t.Errorf("recorded %d ops; want 50000", got)
		}
	})
}

// With headroom, every stage achieves its intended rate within 1%.
func TestRateAccuracy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		target := mustSim(t, sim.Config{Servers: 100, ServiceTime: time.Millisecond, Dist: sim.Exponential})
		stages := []workloads.Stage{
			{Name: "ramp", Duration: 10 * time.Second, From: 0, To: 2000},
			{Name: "steady", Duration: 10 * time.Second, From: 2000, To: 2000},
			{Name: "poisson", Duration: 10 * time.Second, From: 3000, To: 3000, Arrival: workloads.Poisson},
			{Name: "down", Duration: 10 * time.Second, From: 3000, To: 500},
			{Name: "steps", Duration: 10 * time.Second, From: 500, To: 2000, Steps: 4},
		}
		p := mustProfile(t, stages...)
		tot := run(t, job(t, target, p, 1000))
		for s, st := range stages {
			want := p.Work(p.StageStart(s)+st.Duration) - p.Work(p.StageStart(s))
			within(t, st.Name+" achieved ops", float64(stageSum(tot.completed, s)), want, 0.01)
			within(t, st.Name+" intended ops", float64(stageSum(tot.count, s)), want, 0.01)
		}
	})
}

// Offered twice its capacity, the target completes at its capacity, and the
// latency from the intended time grows through the stage.
func TestSaturationHonesty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		target := mustSim(t, sim.Config{Servers: 10, ServiceTime: 10 * time.Millisecond}) // 1000 ops/s
		p := mustProfile(t, workloads.Stage{Name: "overload", Duration: 10 * time.Second, From: 2000, To: 2000})
		j := job(t, target, p, 100000)
		j.DrainTimeout = time.Minute
		tot := run(t, j)
		within(t, "achieved rate", float64(tot.completed[0][0])/10, 1000, 0.05)
		first, last := tot.intervals[1].p50Micros, tot.intervals[9].p50Micros
		if last < 5*first {
			t.Errorf("p50 latency went from %dµs to %dµs; want it to keep growing", first, last)
		}
		if g := tot.gen[0]; g.Waited != 0 || g.Late != 0 {
			t.Errorf("generator waited %d and was late %d; want it never behind", g.Waited, g.Late)
		}
	})
}

// With an in-flight cap too small for the offered load, the generator, not
// the target, limits the rate: the run must say so.
func TestGeneratorBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		target := mustSim(t, sim.Config{Servers: 100, ServiceTime: 10 * time.Millisecond}) // 10000 ops/s
		p := mustProfile(t, workloads.Stage{Name: "steady", Duration: 5 * time.Second, From: 2000, To: 2000})
		tot := run(t, job(t, target, p, 4)) // at most 400 ops/s
		g := tot.gen[0]
		sent := tot.count[0][0] - tot.errors[0][0][drivers.ClassUnsent]
		if g.Waited < sent-10 {
			t.Errorf("%d of %d ops sent waited for a worker; want all but the first few", g.Waited, sent)
		}
		within(t, "achieved rate", float64(tot.completed[0][0])/5, 400, 0.05)
	})
}

// The two-step stop: after the profile ends, ops in flight get the drain
// timeout, then are cancelled; ops never sent are counted, not lost.
func TestDrainThenCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		target := mustSim(t, sim.Config{Servers: 1, ServiceTime: 400 * time.Millisecond})
		p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 100, To: 100})
		j := job(t, target, p, 1)
		j.DrainTimeout = 500 * time.Millisecond
		start := time.Now()
		tot := run(t, j)
		if got := time.Since(start); got != 1500*time.Millisecond {
			t.Errorf("run took %v; want the 1s profile plus the 500ms drain", got)
		}
		errs := tot.errors[0][0]
		ok := tot.count[0][0] - errs[drivers.ClassCanceled] - errs[drivers.ClassUnsent]
		// One op completes every 400ms: at 0.4s, 0.8s, 1.2s; the one in
		// flight at 1.5s is cancelled; the other 96 were never sent.
		if ok != 3 || errs[drivers.ClassCanceled] != 1 || errs[drivers.ClassUnsent] != 96 {
			t.Errorf("ok %d, canceled %d, unsent %d; want 3, 1, 96", ok, errs[drivers.ClassCanceled], errs[drivers.ClassUnsent])
		}
		if tot.count[0][0] != 100 {
			t.Errorf("counted %d ops; want all 100 scheduled", tot.count[0][0])
		}
	})
}

// Cancelling the run stops scheduling at once; what was in flight drains.
func TestAbort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		target := mustSim(t, sim.Config{Servers: 10, ServiceTime: time.Millisecond})
		p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Minute, From: 1000, To: 1000})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tot := newTotals(1, 1)
		err := drivers.Run(ctx, job(t, target, p, 100), tot)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run = %v; want the context's error", err)
		}
		within(t, "ops before the abort", float64(tot.count[0][0]), 10000, 0.001)
		if n := tot.errors[0][0][drivers.ClassUnsent] + tot.errors[0][0][drivers.ClassCanceled]; n != 0 {
			t.Errorf("%d ops unsent or cancelled; want every op before the abort to finish", n)
		}
	})
}

func TestSinkErrorStopsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		target := mustSim(t, sim.Config{Servers: 10, ServiceTime: time.Millisecond})
		p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Hour, From: 100, To: 100})
		tot := newTotals(1, 1)
		tot.fail = errors.New("disk full")
		start := time.Now()
		err := drivers.Run(context.Background(), job(t, target, p, 10), tot)
		if err == nil || err.Error() != "report interval 0: disk full" {
			t.Errorf("Run = %v; want the sink's error", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("run went on for %v after its sink failed", d)
		}
	})
}

// The same seed gives the same measurements, whatever the lane count.
func TestDeterministic(t *testing.T) {
	measure := func(lanes int) *totals {
		var tot *totals
		synctest.Test(t, func(t *testing.T) {
			target := mustSim(t, sim.Config{Servers: 1000, ServiceTime: time.Millisecond, Dist: sim.Lognormal, Seed: 3})
			p := mustProfile(t, workloads.Stage{Name: "s", Duration: 5 * time.Second, From: 1000, To: 3000})
			j := job(t, target, p, 1000)
			j.Lanes = lanes
			tot = run(t, j)
		})
		return tot
	}
	a, b, c := measure(1), measure(1), measure(4)
	for _, other := range []*totals{b, c} {
		if !a.lat[0][0].Equals(other.lat[0][0]) || !a.svc[0][0].Equals(other.svc[0][0]) {
			t.Errorf("latency or service histograms differ between runs with the same seed")
		}
		if a.count[0][0] != other.count[0][0] {
			t.Errorf("counts differ: %d and %d", a.count[0][0], other.count[0][0])
		}
	}
}

// nullTarget does nothing: it measures the engine's own cost per op.
type nullTarget struct{}

func (nullTarget) Do(context.Context, *drivers.Op) error { return nil }

func TestBadJob(t *testing.T) {
	p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 1, To: 1})
	j := job(t, nullTarget{}, p, 0)
	if err := drivers.Run(context.Background(), j, newTotals(1, 1)); !errors.Is(err, drivers.ErrBadJob) {
		t.Errorf("Run with no in-flight cap = %v; want ErrBadJob", err)
	}
}

// BenchmarkEngine measures the whole per-op path on the wall clock with one
// lane: the schedule, the picks, the hand-off to a worker, the target call,
// the clock reads and three histogram records. The rate is far above what
// the engine can do, so it never sleeps. Run it with -cpu 1 for the cost on
// one core.
func BenchmarkEngine(b *testing.B) { benchEngine(b, 1, 4) }

// BenchmarkEngineLanes is BenchmarkEngine with one lane per CPU, as a real
// run is configured: ops/s is the whole engine's throughput.
func BenchmarkEngineLanes(b *testing.B) { benchEngine(b, 0, 64) }

func benchEngine(b *testing.B, lanes, maxInFlight int) {
	n := b.N
	p := mustProfile(b, workloads.Stage{Name: "s", Duration: time.Duration(n), From: 1e9, To: 1e9})
	j := job(b, nullTarget{}, p, maxInFlight)
	j.Lanes = lanes
	j.DrainTimeout = time.Minute
	benchRun(b, j, "ops/s")
}

// benchRun runs j, whose profile schedules b.N of its op 0, as the
// benchmark, and reports them per second in unit.
func benchRun(b *testing.B, j *drivers.Job, unit string) {
	tot := newTotals(1, len(j.Ops))
	b.ReportAllocs()
	b.ResetTimer()
	if err := drivers.Run(context.Background(), j, tot); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if tot.count[0][0] != int64(b.N) {
		b.Fatalf("ran %d of op 0; want %d", tot.count[0][0], b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// A scheduler that is always behind (offered far more than it can pick and
// hand off, to workers faster than itself, so it never blocks) still stops
// when the run is aborted, instead of running to the end of its schedule.
func TestAbortWhileBehind(t *testing.T) {
	p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Hour, From: 1e8, To: 1e8})
	j := job(t, nullTarget{}, p, 64)
	j.DrainTimeout = 0
	ctx, cancel := context.WithCancel(context.Background())
	tot := newTotals(1, 1)
	done := make(chan error, 1)
	go func() { done <- drivers.Run(ctx, j, tot) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v; want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("an aborted run whose scheduler was behind did not stop")
	}
}

// keyLog is a target that records the batch keys of each op by Seq.
type keyLog struct {
	mu   sync.Mutex
	keys map[uint64][]uint64
}

func (k *keyLog) Do(_ context.Context, op *drivers.Op) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[op.Seq] = append([]uint64{op.Key}, op.Keys...)
	return nil
}

// A batch op gets Batch keys led by its Key, drawn from its Seq: two runs
// with the same seed send the same batches, whichever worker runs them.
func TestBatchKeys(t *testing.T) {
	runOnce := func(lanes int) map[uint64][]uint64 {
		var got map[uint64][]uint64
		synctest.Test(t, func(t *testing.T) {
			target := &keyLog{keys: map[uint64][]uint64{}}
			j := job(t, target, mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 500, To: 500}), 64)
			j.Ops[0].Batch = 4
			j.Lanes = lanes
			run(t, j)
			got = target.keys
		})
		return got
	}
	a, b := runOnce(1), runOnce(1)
	if len(a) != 500 {
		t.Fatalf("%d ops ran; want 500", len(a))
	}
	for seq, keys := range a {
		if len(keys) != 5 || keys[0] != keys[1] {
			t.Fatalf("op %d: keys %v; want Key then 4 batch keys led by Key", seq, keys)
		}
		if !slices.Equal(keys, b[seq]) {
			t.Fatalf("op %d: keys %v, then %v in a second run", seq, keys, b[seq])
		}
		for _, k := range keys {
			if k >= 1000 {
				t.Fatalf("op %d: key %d outside the keyspace", seq, k)
			}
		}
	}
}
