package workloads

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewProfileErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := Stage{Name: "ok", Duration: time.Second, From: 1, To: 1}
	half := time.Duration(math.MaxInt64/2 + 1)
	tests := []struct {
		name   string
		stages []Stage
		want   string
	}{
		{"no stages", nil, "profile: no stages; want at least one"},
		{"zero duration", []Stage{ok, {Name: "x"}}, `stage 1 ("x"): duration 0s; want > 0`},
		{"negative duration", []Stage{{Duration: -time.Second}}, "duration -1s; want > 0"},
		{"negative from", []Stage{{Duration: time.Second, From: -1}}, "from rate -1 ops/s; want a finite rate >= 0"},
		{"NaN to", []Stage{{Duration: time.Second, To: nan}}, "to rate NaN ops/s"},
		{"Inf from", []Stage{{Duration: time.Second, From: inf}}, "from rate +Inf ops/s"},
		{"negative steps", []Stage{{Duration: time.Second, Steps: -1}}, "steps -1; want steps >= 0"},
		{"unknown arrival", []Stage{{Duration: time.Second, Arrival: 7}}, "arrival 7; want Uniform (0) or Poisson (1)"},
		{"duration overflow", []Stage{{Duration: half}, {Duration: half}}, "total duration overflows"},
		{"work overflow", []Stage{{Duration: time.Hour, From: 1e306, To: 1e306}}, "total op count overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewProfile(tt.stages)
			if err == nil {
				t.Fatalf("NewProfile() = %v, nil; want an error containing %q", p, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewProfile() error = %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

// testStages covers every stage shape; the comments give each stage's
// span and the work Λ at its start.
var testStages = []Stage{
	{Name: "constant", Duration: 10 * time.Second, From: 100, To: 100},         // [0, 10s) Λ 0
	{Name: "ramp-up", Duration: 10 * time.Second, From: 0, To: 200},            // [10s, 20s) Λ 1000
	{Name: "ramp-down", Duration: 5 * time.Second, From: 200, To: 0},           // [20s, 25s) Λ 2000
	{Name: "pause", Duration: 5 * time.Second},                                 // [25s, 30s) Λ 2500
	{Name: "stairs", Duration: 8 * time.Second, From: 100, To: 400, Steps: 4},  // [30s, 38s) Λ 2500
	{Name: "one-step", Duration: 2 * time.Second, From: 50, To: 999, Steps: 1}, // [38s, 40s) Λ 4500
}

func mustNewProfile(t testing.TB, stages []Stage) *Profile {
	t.Helper()
	p, err := NewProfile(stages)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestProfileRateWork(t *testing.T) {
	p := mustNewProfile(t, testStages)
	tests := []struct {
		t          time.Duration
		rate, work float64
	}{
		{-time.Second, 0, 0},
		{0, 100, 0},
		{sec(5), 100, 500},
		{sec(10), 0, 1000},       // a ramp from 0 starts at 0
		{sec(15), 100, 1250},     // 5s at a slope of 20/s²
		{sec(20), 200, 2000},     // ramp down starts
		{sec(22.5), 100, 2375},   // halfway down
		{sec(25) - 1, 0, 2500},   // ramp down ends at 0 (rate within 1e-6)
		{sec(27), 0, 2500},       // pause
		{sec(30), 100, 2500},     // step 0
		{sec(31), 100, 2600},     //
		{sec(32) - 1, 100, 2700}, // last nanosecond of step 0
		{sec(32), 200, 2700},     // step 1
		{sec(33), 200, 2900},     //
		{sec(36.5), 400, 3900},   // step 3
		{sec(38), 50, 4500},      // Steps 1 holds From
		{sec(39), 50, 4550},      //
		{sec(40), 0, 4600},       // end
		{sec(100), 0, 4600},      // past the end
		{sec(10) + sec(7.5), 150, 1562.5},
	}
	for _, tt := range tests {
		if got := p.Rate(tt.t); math.Abs(got-tt.rate) > 1e-6 {
			t.Errorf("Rate(%v) = %v; want %v", tt.t, got, tt.rate)
		}
		if got := p.Work(tt.t); math.Abs(got-tt.work) > 1e-6 {
			t.Errorf("Work(%v) = %v; want %v", tt.t, got, tt.work)
		}
	}
}

func TestProfileStages(t *testing.T) {
	p := mustNewProfile(t, testStages)
	if got, want := p.Duration(), 40*time.Second; got != want {
		t.Errorf("Duration() = %v; want %v", got, want)
	}
	starts := []time.Duration{0, sec(10), sec(20), sec(25), sec(30), sec(38), sec(40)}
	for i, want := range starts {
		if got := p.StageStart(i); got != want {
			t.Errorf("StageStart(%d) = %v; want %v", i, got, want)
		}
	}
	got := p.Stages()
	if diff := cmp.Diff(testStages, got); diff != "" {
		t.Errorf("Stages() mismatch (-want +got):\n%s", diff)
	}
	got[0].From = 1e6
	if p.Rate(0) != 100 {
		t.Errorf("changing the slice from Stages() changed the profile; want a copy")
	}
}

func TestProfileStageAt(t *testing.T) {
	p := mustNewProfile(t, testStages)
	tests := []struct {
		t    time.Duration
		want int
	}{
		{-1, 0}, {0, 0}, {sec(10) - 1, 0}, {sec(10), 1}, {sec(25), 3},
		{sec(29.999), 3}, {sec(30), 4}, {sec(40) - 1, 5}, {sec(40), 6}, {sec(99), 6},
	}
	for _, tt := range tests {
		if got := p.StageAt(tt.t); got != tt.want {
			t.Errorf("StageAt(%v) = %d; want %d", tt.t, got, tt.want)
		}
	}
}

func TestProfileAt(t *testing.T) {
	p := mustNewProfile(t, testStages)
	tests := []struct {
		name string
		work float64
		want time.Duration
		ok   bool
	}{
		{"zero", 0, 0, true},
		{"negative counts as zero", -5, 0, true},
		{"constant", 500, sec(5), true},
		{"ramp up from 0", 1250, sec(15), true},
		{"ramp down", 2375, sec(22.5), true},
		{"pause is skipped", 2500, sec(30), true},
		{"stairs", 2900, sec(33), true},
		{"total", 4600, sec(40), true},
		{"beyond the total", 4600.001, sec(40), false},
		{"NaN", math.NaN(), sec(40), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.At(tt.work)
			if got != tt.want || ok != tt.ok {
				t.Errorf("At(%v) = %v, %v; want %v, %v", tt.work, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestProfileAtSkipsZeroRate(t *testing.T) {
	tests := []struct {
		name   string
		stages []Stage
		work   float64
		want   time.Duration
	}{
		{"leading pause", []Stage{{Duration: 3 * time.Second}, {Duration: time.Second, From: 10, To: 10}}, 0, sec(3)},
		{"two pauses", []Stage{{Duration: time.Second}, {Duration: time.Second}, {Duration: time.Second, From: 1, To: 1}}, 0, sec(2)},
		{"zero first step", []Stage{{Duration: 4 * time.Second, From: 0, To: 300, Steps: 4}}, 0, sec(1)},
		{"zero last step", []Stage{{Duration: 3 * time.Second, From: 100, To: 0, Steps: 3}, {Duration: time.Second, From: 1, To: 1}}, 150, sec(3)},
		{"before a zero step", []Stage{{Duration: 3 * time.Second, From: 100, To: 0, Steps: 3}}, 125, sec(1.5)},
		{"trailing pause", []Stage{{Duration: time.Second, From: 10, To: 10}, {Duration: time.Second}}, 10, sec(2)},
		{"ramp to 0 then pause", []Stage{{Duration: time.Second, From: 10, To: 0}, {Duration: time.Second}}, 5, sec(2)},
		{"staircase down to 0 last step", []Stage{{Duration: 2 * time.Second, From: 10, To: 0, Steps: 2}}, 10, sec(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustNewProfile(t, tt.stages)
			got, ok := p.At(tt.work)
			if got != tt.want || !ok {
				t.Errorf("At(%v) = %v, %v; want %v, true", tt.work, got, ok, tt.want)
			}
		})
	}
}

// TestProfileAtInvertsWork checks At and Work against each other at many
// random points: Work(At(w)) = w, and At(Work(t)) = t wherever the rate is
// positive (At(Work(t)) >= t everywhere, as pauses are skipped).
func TestProfileAtInvertsWork(t *testing.T) {
	profiles := map[string][]Stage{
		"mixed": testStages,
		"big": {
			{Duration: time.Hour, From: 1e6, To: 1e6},
			{Duration: time.Minute, From: 1e6, To: 1e7},
			{Duration: 17 * time.Minute, From: 3e6, To: 1e5, Steps: 13},
		},
		"tiny": {{Duration: 3 * time.Millisecond, From: 0.001, To: 0.5}},
	}
	for name, stages := range profiles {
		t.Run(name, func(t *testing.T) {
			p := mustNewProfile(t, stages)
			r := NewRand(20, 0)
			total := p.Work(p.Duration())
			for range 20_000 {
				w := r.Float64() * total
				at, ok := p.At(w)
				// At rounds to the nanosecond, which moves Λ by up to rate·0.5ns.
				tol := 1e-12*w + p.Rate(at)*0.6e-9 + p.Rate(at-1)*0.6e-9 + 1e-12
				if got := p.Work(at); !ok || math.Abs(got-w) > tol {
					t.Fatalf("Work(At(%v)) = Work(%v) = %v, ok %v; want %v ± %.2g", w, at, got, ok, w, tol)
				}
				tt := time.Duration(r.Int64N(int64(p.Duration())))
				back, _ := p.At(p.Work(tt))
				if back < tt-1 {
					t.Fatalf("At(Work(%v)) = %v; want >= %v", tt, back, tt)
				}
				if p.Rate(tt) >= 1 && back > tt+1 {
					t.Fatalf("At(Work(%v)) = %v; want %v ± 1ns", tt, back, tt)
				}
			}
		})
	}
}

func TestProfileScale(t *testing.T) {
	p := mustNewProfile(t, testStages)
	q := p.Scale(2.5)
	for _, at := range []time.Duration{0, sec(3), sec(15), sec(22), sec(27), sec(33.3), sec(39), sec(40)} {
		if got, want := q.Rate(at), 2.5*p.Rate(at); math.Abs(got-want) > 1e-9 {
			t.Errorf("Scale(2.5).Rate(%v) = %v; want %v", at, got, want)
		}
		if got, want := q.Work(at), 2.5*p.Work(at); math.Abs(got-want) > 1e-9 {
			t.Errorf("Scale(2.5).Work(%v) = %v; want %v", at, got, want)
		}
	}
	if p.Rate(0) != 100 {
		t.Errorf("Scale changed the receiver: Rate(0) = %v; want 100", p.Rate(0))
	}
	if q.Duration() != p.Duration() {
		t.Errorf("Scale(2.5).Duration() = %v; want %v", q.Duration(), p.Duration())
	}
}

func TestProfileStretchTime(t *testing.T) {
	p := mustNewProfile(t, testStages)
	for _, f := range []float64{2, 0.5} {
		q := p.StretchTime(f)
		if got, want := q.Duration(), time.Duration(float64(p.Duration())*f); got != want {
			t.Errorf("StretchTime(%v).Duration() = %v; want %v", f, got, want)
		}
		for _, at := range []time.Duration{0, sec(3), sec(15), sec(22), sec(27), sec(33.3), sec(39)} {
			st := time.Duration(float64(at) * f)
			if got, want := q.Rate(st), p.Rate(at); math.Abs(got-want) > 1e-6 {
				t.Errorf("StretchTime(%v).Rate(%v) = %v; want %v", f, st, got, want)
			}
			if got, want := q.Work(st), f*p.Work(at); math.Abs(got-want) > 1e-6 {
				t.Errorf("StretchTime(%v).Work(%v) = %v; want %v", f, st, got, want)
			}
		}
	}
	if got := mustNewProfile(t, []Stage{{Duration: 3}}).StretchTime(0.01).Duration(); got != 1 {
		t.Errorf("StretchTime(0.01) of a 3ns stage lasts %v; want at least 1ns", got)
	}
}

func TestProfileFactorPanics(t *testing.T) {
	p := mustNewProfile(t, testStages)
	tests := []struct {
		name string
		f    func()
	}{
		{"Scale(0)", func() { p.Scale(0) }},
		{"Scale(-1)", func() { p.Scale(-1) }},
		{"Scale(NaN)", func() { p.Scale(math.NaN()) }},
		{"Scale(Inf)", func() { p.Scale(math.Inf(1)) }},
		{"Scale overflow", func() { p.Scale(1e307) }},
		{"StretchTime(0)", func() { p.StretchTime(0) }},
		{"StretchTime(NaN)", func() { p.StretchTime(math.NaN()) }},
		{"StretchTime overflow", func() { p.StretchTime(1e12) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic; want a panic", tt.name)
				}
			}()
			tt.f()
		})
	}
}
