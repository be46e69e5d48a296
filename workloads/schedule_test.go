package workloads

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// op is one scheduled op, for comparing schedules.
type op struct {
	T     time.Duration
	Stage int
}

// drain returns every op of s, checking the invariants every schedule
// keeps: ok until the end, times non-decreasing and inside the profile, and
// the stage index matching StageAt.
func drain(t *testing.T, p *Profile, s *Schedule) []op {
	t.Helper()
	var ops []op
	for {
		at, st, ok := s.Next()
		if !ok {
			if at != p.Duration() || st != len(p.stages) {
				t.Fatalf("Next() at the end = %v, %d, false; want %v, %d, false", at, st, p.Duration(), len(p.stages))
			}
			return ops
		}
		if at < 0 || at >= p.Duration() {
			t.Fatalf("Next() = %v; want within [0, %v)", at, p.Duration())
		}
		if len(ops) > 0 && at < ops[len(ops)-1].T {
			t.Fatalf("Next() = %v after %v; want non-decreasing times", at, ops[len(ops)-1].T)
		}
		if want := p.StageAt(at); st != want {
			t.Fatalf("Next() = %v in stage %d; want stage %d", at, st, want)
		}
		ops = append(ops, op{at, st})
	}
}

// allLanes returns the ops of every lane of a run, merged in time order.
func allLanes(t *testing.T, p *Profile, lanes int, seed uint64) []op {
	t.Helper()
	var ops []op
	for j := range lanes {
		ops = append(ops, drain(t, p, NewSchedule(p, NewRand(seed, uint64(j)), j, lanes))...)
	}
	slices.SortStableFunc(ops, func(a, b op) int { return int(a.T - b.T) })
	return ops
}

func stageCounts(p *Profile, ops []op) []int {
	counts := make([]int, len(p.stages))
	for _, o := range ops {
		counts[o.Stage]++
	}
	return counts
}

func TestScheduleUniformCounts(t *testing.T) {
	big := []Stage{
		{Name: "warm", Duration: 30 * time.Second, From: 1000, To: 1000},
		{Name: "surge", Duration: 60 * time.Second, From: 1000, To: 10000},
		{Name: "hold", Duration: 60 * time.Second, From: 10000, To: 10000},
		{Name: "steps", Duration: 40 * time.Second, From: 10000, To: 2000, Steps: 5},
		{Name: "drain", Duration: 20 * time.Second, From: 2000, To: 0},
	}
	for name, stages := range map[string][]Stage{"mixed": testStages, "big": big} {
		t.Run(name, func(t *testing.T) {
			p := mustNewProfile(t, stages)
			ops := drain(t, p, NewSchedule(p, NewRand(1, 0), 0, 1))
			if got, want := len(ops), int(math.Ceil(p.Work(p.Duration()))); got != want {
				t.Errorf("%d ops in all; want %d", got, want)
			}
			for i, got := range stageCounts(p, ops) {
				want := p.Work(p.StageStart(i+1)) - p.Work(p.StageStart(i))
				if math.Abs(float64(got)-want) > 1 {
					t.Errorf("stage %d (%s): %d ops; want %.1f ± 1", i, stages[i].Name, got, want)
				}
				if want >= 10_000 && math.Abs(float64(got)-want) > 0.01*want {
					t.Errorf("stage %d (%s): %d ops; want %.1f ± 1%%", i, stages[i].Name, got, want)
				}
			}
		})
	}
}

// TestScheduleUniformLanesUnion checks that splitting a uniform run into
// lanes deals out exactly the single-lane schedule: the same times, each
// once.
func TestScheduleUniformLanesUnion(t *testing.T) {
	p := mustNewProfile(t, testStages)
	one := allLanes(t, p, 1, 2)
	for i := 1; i < len(one); i++ {
		if one[i].T == one[i-1].T {
			t.Fatalf("ops %d and %d both at %v; want no ties", i-1, i, one[i].T)
		}
	}
	for _, lanes := range []int{2, 3, 7, 64} {
		if diff := cmp.Diff(one, allLanes(t, p, lanes, 2)); diff != "" {
			t.Errorf("%d lanes differ from one lane (-one +lanes):\n%s", lanes, diff)
		}
	}
}

func TestScheduleUniformTimes(t *testing.T) {
	p := mustNewProfile(t, []Stage{
		{Duration: time.Second}, // pause: no ops
		{Duration: 500 * time.Millisecond, From: 4, To: 4},
		{Duration: time.Second, From: 0, To: 4}, // Λ = 2t² from the ramp start
	})
	want := []op{
		{sec(1), 1}, {sec(1.25), 1},
		{sec(1.5), 2}, {sec(1.5) + 707106781, 2}, // Λ = 4 only at the end
	}
	got := drain(t, p, NewSchedule(p, NewRand(3, 0), 0, 1))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schedule mismatch (-want +got):\n%s", diff)
	}
}

// poissonGaps returns the gaps between consecutive ops, in seconds.
func poissonGaps(ops []op) []float64 {
	gaps := make([]float64, 0, len(ops))
	prev := time.Duration(0)
	for _, o := range ops {
		gaps = append(gaps, (o.T - prev).Seconds())
		prev = o.T
	}
	return gaps
}

func TestSchedulePoissonGapsExponential(t *testing.T) {
	const rate = 1000
	p := mustNewProfile(t, []Stage{{Duration: 60 * time.Second, From: rate, To: rate, Arrival: Poisson}})
	for _, lanes := range []int{1, 4} {
		// Each lane alone is Poisson at rate/lanes.
		for j := range lanes {
			ops := drain(t, p, NewSchedule(p, NewRand(4, uint64(j)), j, lanes))
			gaps := poissonGaps(ops)
			if d, crit := ksExp(gaps, rate/float64(lanes)), ksCritical(len(gaps)); d > crit {
				t.Errorf("lanes %d, lane %d: KS distance %.4f from Exp(%v); want <= %.4f", lanes, j, d, rate/float64(lanes), crit)
			}
		}
		// And their superposition is Poisson at the full rate.
		gaps := poissonGaps(allLanes(t, p, lanes, 4))
		if d, crit := ksExp(gaps, rate), ksCritical(len(gaps)); d > crit {
			t.Errorf("lanes %d merged: KS distance %.4f from Exp(%v); want <= %.4f", lanes, d, float64(rate), crit)
		}
	}
}

// windowCounts counts ops per window of width w over [0, d).
func windowCounts(ops []op, w, d time.Duration) []int {
	counts := make([]int, d/w)
	for _, o := range ops {
		counts[o.T/w]++
	}
	return counts
}

// TestSchedulePoissonDispersion checks that counts per 1s window have
// variance equal to their mean: (m-1)·s²/mean follows χ² with m-1 degrees
// of freedom. A uniform schedule fails this (variance near 0), and so would
// bunched arrivals (variance above the mean).
func TestSchedulePoissonDispersion(t *testing.T) {
	const rate, windows = 200, 1000
	p := mustNewProfile(t, []Stage{{Duration: windows * time.Second, From: rate, To: rate, Arrival: Poisson}})
	counts := windowCounts(allLanes(t, p, 3, 5), time.Second, p.Duration())
	var mean float64
	for _, c := range counts {
		mean += float64(c) / windows
	}
	var d float64
	for _, c := range counts {
		d += (float64(c) - mean) * (float64(c) - mean) / mean
	}
	lo, hi := chiSquareQuantile(windows-1, -zCritical), chiSquareQuantile(windows-1, zCritical)
	if d < lo || d > hi {
		t.Errorf("dispersion statistic %.1f (variance/mean %.3f); want within [%.1f, %.1f]", d, d/(windows-1), lo, hi)
	}
	if sd := math.Sqrt(rate / float64(windows)); math.Abs(mean-rate) > 4*sd {
		t.Errorf("mean count per second %.2f; want %v ± %.2f", mean, rate, 4*sd)
	}
}

// TestSchedulePoissonRamp checks an inhomogeneous Poisson stage: counts per
// window fit Poisson laws with means taken from the profile's work.
func TestSchedulePoissonRamp(t *testing.T) {
	p := mustNewProfile(t, []Stage{
		{Duration: 100 * time.Second, From: 10, To: 2000, Arrival: Poisson},
		{Duration: 50 * time.Second, From: 2000, To: 100, Steps: 5, Arrival: Poisson},
	})
	ops := allLanes(t, p, 4, 6)
	counts := windowCounts(ops, time.Second, p.Duration())
	var stat float64
	for i, c := range counts {
		e := p.Work(time.Duration(i+1)*time.Second) - p.Work(time.Duration(i)*time.Second)
		stat += (float64(c) - e) * (float64(c) - e) / e
	}
	if crit := chiSquareQuantile(len(counts), zCritical); stat > crit {
		t.Errorf("chi-square %.1f over %d windows; want <= %.1f", stat, len(counts), crit)
	}
}

// TestScheduleMixedArrivals checks arrival switches: a uniform stage after
// a Poisson one is again exactly evenly dealt among the lanes.
func TestScheduleMixedArrivals(t *testing.T) {
	p := mustNewProfile(t, []Stage{
		{Duration: 10 * time.Second, From: 100, To: 100},
		{Duration: 10 * time.Second, From: 100, To: 100, Arrival: Poisson},
		{Duration: 10 * time.Second, From: 100, To: 100},
	})
	ops := allLanes(t, p, 3, 7)
	counts := stageCounts(p, ops)
	if counts[0] != 1000 {
		t.Errorf("uniform stage 0: %d ops; want 1000", counts[0])
	}
	if math.Abs(float64(counts[1])-1000) > 4*math.Sqrt(1000) {
		t.Errorf("Poisson stage 1: %d ops; want 1000 ± 126", counts[1])
	}
	var last []time.Duration
	for _, o := range ops {
		if o.Stage == 2 {
			last = append(last, o.T)
		}
	}
	if len(last) != 1000 {
		t.Errorf("uniform stage 2: %d ops; want 1000", len(last))
	}
	for i := 1; i < len(last); i++ {
		if gap := last[i] - last[i-1]; gap != 10*time.Millisecond {
			t.Fatalf("uniform stage 2: gap %v between ops %d and %d; want exactly 10ms", gap, i-1, i)
		}
	}
}

func TestSchedulePoissonStartsAfterZero(t *testing.T) {
	p := mustNewProfile(t, []Stage{{Duration: time.Second, From: 10, To: 10, Arrival: Poisson}})
	for j := range 4 {
		at, _, ok := NewSchedule(p, NewRand(8, uint64(j)), j, 4).Next()
		if ok && at == 0 {
			t.Errorf("lane %d: first Poisson op at 0; want after a random gap", j)
		}
	}
}

func TestScheduleDeterministic(t *testing.T) {
	p := mustNewProfile(t, []Stage{{Duration: 5 * time.Second, From: 100, To: 300, Arrival: Poisson}})
	a := drain(t, p, NewSchedule(p, NewRand(9, 1), 1, 2))
	b := drain(t, p, NewSchedule(p, NewRand(9, 1), 1, 2))
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two schedules from the same seed and lane differ:\n%s", diff)
	}
	c := drain(t, p, NewSchedule(p, NewRand(9, 0), 0, 2))
	if cmp.Equal(a, c) {
		t.Errorf("lanes 0 and 1 gave the same schedule; want independent lanes")
	}
}

func TestScheduleStaysDone(t *testing.T) {
	p := mustNewProfile(t, []Stage{{Duration: time.Second, From: 2, To: 2}})
	s := NewSchedule(p, NewRand(1, 0), 0, 1)
	drain(t, p, s)
	for range 3 {
		if at, st, ok := s.Next(); ok || at != time.Second || st != 1 {
			t.Errorf("Next() after the end = %v, %d, %v; want 1s, 1, false", at, st, ok)
		}
	}
}

func TestScheduleNextDoesNotAllocate(t *testing.T) {
	p := mustNewProfile(t, testStages)
	pp := p.Scale(1)
	for i := range pp.stages {
		pp.stages[i].Arrival = Poisson
	}
	for _, prof := range []*Profile{p, pp} {
		s := NewSchedule(prof, NewRand(1, 0), 0, 1)
		if a := testing.AllocsPerRun(1000, func() { s.Next() }); a != 0 {
			t.Errorf("Next allocates %v times per call; want 0", a)
		}
	}
}

func TestNewSchedulePanics(t *testing.T) {
	p := mustNewProfile(t, testStages)
	for _, a := range [][2]int{{0, 0}, {-1, 1}, {2, 2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewSchedule(lane %d, lanes %d) did not panic; want a panic", a[0], a[1])
				}
			}()
			NewSchedule(p, NewRand(1, 0), a[0], a[1])
		}()
	}
}

// TestScheduleUniformToPoisson checks that a Poisson stage after a uniform
// one starts afresh: over many seeds, the first op of the Poisson stage
// comes an Exp(rate) gap after the stage start.
func TestScheduleUniformToPoisson(t *testing.T) {
	const rate = 10
	p := mustNewProfile(t, []Stage{
		{Duration: time.Second, From: rate, To: rate},
		{Duration: 10 * time.Second, From: rate, To: rate, Arrival: Poisson},
	})
	var gaps []float64
	for seed := range uint64(3000) {
		s := NewSchedule(p, NewRand(seed, 0), 0, 1)
		for {
			at, st, ok := s.Next()
			if !ok {
				t.Fatalf("seed %d: no op in the Poisson stage", seed)
			}
			if st == 1 {
				gaps = append(gaps, (at - time.Second).Seconds())
				break
			}
		}
	}
	if d, crit := ksExp(gaps, rate), ksCritical(len(gaps)); d > crit {
		t.Errorf("first Poisson gaps: KS distance %.4f from Exp(%v); want <= %.4f", d, float64(rate), crit)
	}
}

// TestScheduleShortStages checks arrival switches through stages shorter
// than one step of a lane: every uniform stage still gets exactly its
// integer points, dealt among the lanes.
func TestScheduleShortStages(t *testing.T) {
	p := mustNewProfile(t, []Stage{
		{Duration: 5 * time.Second, From: 100, To: 100, Arrival: Poisson},       // Λ [0, 500)
		{Duration: 25 * time.Millisecond, From: 100, To: 100},                   // Λ [500, 502.5): 3 points
		{Duration: 2 * time.Second, From: 100, To: 100, Arrival: Poisson},       // Λ [502.5, 702.5)
		{Duration: time.Second, Arrival: Poisson},                               // pause
		{Duration: 3 * time.Second, From: 0, To: 100},                           // Λ [702.5, 852.5): 150 points
		{Duration: 10 * time.Millisecond, From: 100, To: 100, Arrival: Poisson}, // Λ [852.5, 853.5)
		{Duration: time.Second, From: 50, To: 50},                               // Λ [853.5, 903.5): 50 points
	})
	for _, lanes := range []int{1, 5, 16} {
		counts := stageCounts(p, allLanes(t, p, lanes, 9))
		for _, c := range []struct{ stage, want int }{{1, 3}, {4, 150}, {6, 50}} {
			if counts[c.stage] != c.want {
				t.Errorf("lanes %d: uniform stage %d has %d ops; want %d", lanes, c.stage, counts[c.stage], c.want)
			}
		}
		if counts[3] != 0 {
			t.Errorf("lanes %d: %d ops in the pause; want 0", lanes, counts[3])
		}
	}
}
