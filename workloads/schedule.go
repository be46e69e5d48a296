package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Schedule produces the intended start times of one stream (lane) of a run
// whose ops are dealt among lanes interleaved streams, following a
// [Profile].
//
// It works in operational time u, the profile's cumulative expected op
// count Λ: the stream's k-th op has some u_k and starts at Profile.At(u_k),
// so times never drift the way sums of float durations do. The arrival
// process of the stage containing an op decides the step to the next one:
//
//   - [Uniform]: u advances by exactly lanes, and lane j starts at u = j.
//     The union of all lanes is then exactly the single-stream schedule
//     u = 0, 1, 2, ... with no ties, whatever the number of lanes.
//   - [Poisson]: u advances by lanes·Exp(1), so each lane is a Poisson
//     process at rate/lanes and their superposition is Poisson at the full
//     rate (inhomogeneous where the rate ramps).
//
// Subtleness ahead: where the arrival process changes at a stage boundary
// with work b, a lane's step that reaches b is cut there and the lane
// restarts in the new process from b. Into a Poisson stage it restarts
// after a fresh Exp gap, which keeps the new stage exactly Poisson (and is
// free of bias, the exponential being memoryless). Into a uniform stage it
// restarts at its first point j + m·lanes >= b, so that every lane covers
// its own points and the union is again exactly the integers from b on.
//
// A Schedule is deterministic for its profile, lane count, lane and random
// stream (see [NewRand]). It is not safe for concurrent use.
type Schedule struct {
	p     *Profile
	r     *rand.Rand
	lane  float64
	lanes float64
	u     float64 // operational time of the next op
	done  bool
}

// NewSchedule returns the schedule of lane lane of lanes, drawing from r
// (used by Poisson stages only). It panics unless 0 <= lane < lanes, as a
// programming error.
func NewSchedule(p *Profile, r *rand.Rand, lane, lanes int) *Schedule {
	if lanes < 1 || lane < 0 || lane >= lanes {
		panic(fmt.Sprintf("workloads: NewSchedule lane %d of %d: want 0 <= lane < lanes", lane, lanes))
	}
	s := &Schedule{p: p, r: r, lane: float64(lane), lanes: float64(lanes)}
	t, _ := p.At(0) // where ops begin, after any leading pause
	if st := p.StageAt(t); st < len(p.stages) {
		s.u = s.settle(s.start(0, st), st)
	}
	return s
}

// Next returns the intended start offset of the lane's next op and the
// index of the stage containing it, with ok true; once the profile is over
// it returns Duration(), len(Stages()) and false, and keeps doing so. Start
// offsets never decrease. Next does not allocate.
func (s *Schedule) Next() (t time.Duration, stage int, ok bool) {
	if !s.done {
		t, ok = s.p.At(s.u)
		ok = ok && t < s.p.Duration()
	}
	if !ok {
		s.done = true
		return s.p.Duration(), len(s.p.stages), false
	}
	stage = s.p.StageAt(t)
	if s.p.stages[stage].Arrival == Poisson {
		s.u = s.settle(s.u+s.lanes*s.r.ExpFloat64(), stage)
	} else {
		s.u = s.settle(s.u+s.lanes, stage)
	}
	return t, stage, true
}

// start returns the lane's first point at or after work b in stage st's
// arrival process: the next uniform point j + m·lanes, or b plus an
// exponential gap. A Poisson process has no arrival at b itself.
func (s *Schedule) start(b float64, st int) float64 {
	if s.p.stages[st].Arrival == Poisson {
		return b + s.lanes*s.r.ExpFloat64()
	}
	return s.lane + s.lanes*math.Ceil((b-s.lane)/s.lanes)
}

// settle returns where the lane's next op goes, given candidate c stepped
// from an op in stage st: c itself unless it reaches the end of st where a
// stage with another arrival process takes over, in which case the lane
// restarts there (see [Schedule]).
func (s *Schedule) settle(c float64, st int) float64 {
	n := len(s.p.stages)
	for c >= s.p.works[st+1] {
		b := s.p.works[st+1]
		t, _ := s.p.At(b) // the start of the next stage with a positive rate
		next := s.p.StageAt(t)
		if next == n {
			break // c is past the end of the profile
		}
		if s.p.stages[next].Arrival != s.p.stages[st].Arrival {
			c = s.start(b, next)
		}
		st = next
	}
	return c
}
