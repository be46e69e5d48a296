package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"
)

// Profile is a load profile: the intended rate of ops over time, stage after
// stage, with its exact integral Λ(t) (the expected number of ops started
// by offset t, called work here) and the inverse of that integral, from
// which a [Schedule] derives intended start times without drift.
//
// Stage i covers offsets [StageStart(i), StageStart(i+1)); offsets are
// measured from the start of the run. A Profile is immutable and safe for
// concurrent use.
type Profile struct {
	stages []Stage
	segs   []segment
	starts []time.Duration // len(stages)+1; the last is the total duration
	works  []float64       // len(stages)+1: Λ at each stage start; the last is the total
}

// NewProfile returns the profile of stages, in order. Each stage needs a
// positive Duration, rates From and To that are finite and >= 0, Steps >= 0
// and a known Arrival; the total duration must fit in a time.Duration.
// The stages are copied.
func NewProfile(stages []Stage) (*Profile, error) {
	if len(stages) == 0 {
		return nil, errors.New("profile: no stages; want at least one")
	}
	p := &Profile{
		stages: slices.Clone(stages),
		segs:   make([]segment, len(stages)),
		starts: make([]time.Duration, len(stages)+1),
		works:  make([]float64, len(stages)+1),
	}
	for i, st := range stages {
		if err := checkStage(st); err != nil {
			return nil, fmt.Errorf("profile: stage %d (%q): %w", i, st.Name, err)
		}
		if st.Duration > math.MaxInt64-p.starts[i] {
			return nil, fmt.Errorf("profile: stage %d (%q): total duration overflows %v", i, st.Name, time.Duration(math.MaxInt64))
		}
		p.segs[i] = newSegment(st)
		p.starts[i+1] = p.starts[i] + st.Duration
		p.works[i+1] = p.works[i] + p.segs[i].total
	}
	if total := p.works[len(stages)]; math.IsInf(total, 0) {
		return nil, errors.New("profile: total op count overflows float64")
	}
	return p, nil
}

// checkStage validates one stage's fields.
func checkStage(st Stage) error {
	if st.Duration <= 0 {
		return fmt.Errorf("duration %v; want > 0", st.Duration)
	}
	for _, r := range [...]struct {
		name string
		v    float64
	}{{"from", st.From}, {"to", st.To}} {
		if !(r.v >= 0) || math.IsInf(r.v, 1) {
			return fmt.Errorf("%s rate %v ops/s; want a finite rate >= 0", r.name, r.v)
		}
	}
	if st.Steps < 0 {
		return fmt.Errorf("steps %d; want steps >= 0", st.Steps)
	}
	if st.Arrival != Uniform && st.Arrival != Poisson {
		return fmt.Errorf("arrival %d; want Uniform (%d) or Poisson (%d)", st.Arrival, Uniform, Poisson)
	}
	return nil
}

// Stages returns a copy of the profile's stages.
func (p *Profile) Stages() []Stage { return slices.Clone(p.stages) }

// Duration returns the total duration of the profile.
func (p *Profile) Duration() time.Duration { return p.starts[len(p.stages)] }

// StageStart returns the offset at which stage i starts, for 0 <= i <=
// len(Stages()); StageStart(len(Stages())) is Duration().
func (p *Profile) StageStart(i int) time.Duration { return p.starts[i] }

// StageAt returns the index of the stage containing offset t (stages are
// half-open, [start, end)): len(Stages()) when t >= Duration(), and 0 when
// t < 0.
func (p *Profile) StageAt(t time.Duration) int {
	if t < 0 {
		return 0
	}
	i, found := slices.BinarySearch(p.starts, t)
	if found {
		return i // t is the start of stage i, or i == len(stages) at the end
	}
	return i - 1
}

// Rate returns the intended rate at offset t, in ops/s: 0 outside [0,
// Duration()).
func (p *Profile) Rate(t time.Duration) float64 {
	if t < 0 || t >= p.Duration() {
		return 0
	}
	i := p.StageAt(t)
	return p.segs[i].rate(t - p.starts[i])
}

// Work returns Λ(t), the expected number of ops started from offset 0 to
// offset t: the exact integral of Rate. It is 0 for t <= 0 and the total
// for t >= Duration().
func (p *Profile) Work(t time.Duration) float64 {
	n := len(p.stages)
	if t <= 0 {
		return 0
	}
	if t >= p.Duration() {
		return p.works[n]
	}
	i := p.StageAt(t)
	return p.works[i] + p.segs[i].work(t-p.starts[i])
}

// At returns Λ⁻¹(work): the earliest offset t with Λ(t) >= work, rounded to
// the nearest nanosecond, and true; or Duration() and false when work
// exceeds the total Λ(Duration()) (or is NaN). Work below 0 counts as 0.
//
// Where the rate is zero (a pause stage, a zero step, a ramp that ended at
// 0) Λ is flat and the earliest such t would fall at the start of the
// pause; At skips over the pause instead and returns its end, where ops
// resume. So At(0) is where ops begin, after any leading pause, and At of
// the total is Duration() even when the profile ends in a pause.
func (p *Profile) At(work float64) (time.Duration, bool) {
	n := len(p.stages)
	if !(work <= p.works[n]) {
		return p.Duration(), false
	}
	work = max(work, 0)
	// The last stage whose starting Λ is <= work: a later stage with the
	// same starting Λ (after a flat stretch) wins, which skips the pause.
	i := lastAtMost(p.works[:n], work)
	w := work - p.works[i]
	if w >= p.segs[i].total {
		return p.starts[i+1], true
	}
	return p.starts[i] + p.segs[i].invert(w), true
}

// lastAtMost returns the largest i with xs[i] <= v, for sorted xs with
// xs[0] <= v.
func lastAtMost(xs []float64, v float64) int {
	lo, hi := 0, len(xs) // invariant: xs[lo] <= v, and xs[hi] > v or hi == len
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if xs[mid] <= v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// Scale returns a copy of the profile with every rate multiplied by f, for
// --rate-scale and for splitting a run among drivers (f = 1/k). f must be
// finite and > 0 and must keep the total finite: Scale panics otherwise,
// since callers validate flags before calling.
func (p *Profile) Scale(f float64) *Profile {
	if !(f > 0) || math.IsInf(f, 1) {
		panic(fmt.Sprintf("workloads: Profile.Scale(%v): want a finite factor > 0", f))
	}
	stages := p.Stages()
	for i := range stages {
		stages[i].From *= f
		stages[i].To *= f
	}
	return mustProfile(stages, "Scale", f)
}

// StretchTime returns a copy of the profile with every stage duration
// multiplied by f (rounded to the nanosecond, at least 1ns), for
// --duration-scale. f must be finite and > 0 and must keep the total within
// a time.Duration: StretchTime panics otherwise, since callers validate
// flags before calling.
func (p *Profile) StretchTime(f float64) *Profile {
	if !(f > 0) || math.IsInf(f, 1) {
		panic(fmt.Sprintf("workloads: Profile.StretchTime(%v): want a finite factor > 0", f))
	}
	stages := p.Stages()
	for i := range stages {
		d := math.Round(float64(stages[i].Duration) * f)
		if d >= math.MaxInt64 {
			panic(fmt.Sprintf("workloads: Profile.StretchTime(%v): stage %d overflows time.Duration", f, i))
		}
		stages[i].Duration = max(time.Duration(d), 1)
	}
	return mustProfile(stages, "StretchTime", f)
}

// mustProfile builds a profile from stages derived from a valid one.
func mustProfile(stages []Stage, method string, f float64) *Profile {
	q, err := NewProfile(stages)
	if err != nil {
		panic(fmt.Sprintf("workloads: Profile.%s(%v): %v", method, f, err))
	}
	return q
}

// segment is one stage in closed form. Rates are in ops/s, times in
// seconds except where a time.Duration is taken.
type segment struct {
	d     time.Duration
	ds    float64 // d in seconds
	r0    float64 // rate at the start
	slope float64 // ops/s², for a ramp; 0 for a constant or a staircase
	steps int     // > 1 for a staircase
	dr    float64 // staircase: rate added per step
	h     float64 // staircase: step length
	total float64 // work over the whole stage
}

// newSegment precomputes a valid stage. Steps == 1 is a constant From;
// Steps == 0 a linear ramp (constant when From == To).
func newSegment(st Stage) segment {
	s := segment{d: st.Duration, ds: st.Duration.Seconds(), r0: st.From, steps: st.Steps}
	switch {
	case st.Steps == 0:
		s.slope = (st.To - st.From) / s.ds
	case st.Steps > 1:
		s.dr = (st.To - st.From) / float64(st.Steps-1)
		s.h = s.ds / float64(st.Steps)
	}
	s.total = s.work(s.d)
	return s
}

// step returns the staircase step holding offset tau in [0, d], computed
// in integers so that step boundaries fall on exact nanoseconds.
func (s *segment) step(tau time.Duration) int {
	hi, lo := bits.Mul64(uint64(tau), uint64(s.steps))
	k, _ := bits.Div64(hi, lo, uint64(s.d)) // hi < d since tau <= d
	return min(int(k), s.steps-1)
}

// rate returns the rate at offset tau in [0, d).
func (s *segment) rate(tau time.Duration) float64 {
	// A ramp or staircase down to 0 may round a hair below 0 at its end.
	if s.steps > 1 {
		return max(s.r0+s.dr*float64(s.step(tau)), 0)
	}
	return max(s.r0+s.slope*tau.Seconds(), 0)
}

// work returns the integral of the rate over [0, tau], tau in [0, d].
func (s *segment) work(tau time.Duration) float64 {
	x := tau.Seconds()
	if s.steps > 1 {
		k := s.step(tau)
		return s.stepWork(k) + (x-float64(k)*s.h)*(s.r0+s.dr*float64(k))
	}
	return x * (s.r0 + s.slope*x/2)
}

// stepWork returns the staircase's work over its first k steps.
func (s *segment) stepWork(k int) float64 {
	kf := float64(k)
	return s.h * (kf*s.r0 + s.dr*kf*(kf-1)/2)
}

// invert returns the offset at which the work reaches w, for 0 <= w <
// total, skipping zero-rate steps.
func (s *segment) invert(w float64) time.Duration {
	var x float64
	if s.steps > 1 {
		// The last step whose starting work is <= w; zero-rate steps
		// share their starting work with the next step, which wins.
		lo, hi := 0, s.steps
		for hi-lo > 1 {
			mid := int(uint(lo+hi) >> 1)
			if s.stepWork(mid) <= w {
				lo = mid
			} else {
				hi = mid
			}
		}
		x = float64(lo) * s.h
		if r := s.r0 + s.dr*float64(lo); r > 0 {
			x += (w - s.stepWork(lo)) / r
		}
	} else {
		// Solve r0·x + slope·x²/2 = w in the form that is stable for
		// ramps up, down and from 0: x = 2w / (r0 + sqrt(r0² + 2·slope·w)).
		den := s.r0 + math.Sqrt(max(s.r0*s.r0+2*s.slope*w, 0))
		if den > 0 {
			x = 2 * w / den
		}
	}
	return min(time.Duration(math.Round(x*1e9)), s.d)
}
