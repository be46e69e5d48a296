package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Chain is a user journey as a Markov chain over its steps: after step i a
// user moves to step j with probability Next[i][j], or leaves (abandons)
// with the probability left over. Step 0 is where every journey starts; a
// step with no successors is a goal, and reaching it completes the journey.
// A Chain is immutable and safe for concurrent use.
type Chain struct {
	steps []chainStep
}

// chainStep is one step's outgoing transitions: an alias table over its
// successors plus one last column for the exit.
type chainStep struct {
	next  []int
	table aliasTable // over next, then exit; empty for a goal
	goal  bool
}

// ChainStep is one step's transitions for [NewChain].
type ChainStep struct {
	// Next lists the steps a user may go to next and Probs their
	// probabilities; 1 - sum(Probs) is the probability of leaving.
	Next  []int
	Probs []float64
}

// ChainError is a problem with one step of a chain.
type ChainError struct {
	Step int
	Msg  string
}

func (e *ChainError) Error() string { return fmt.Sprintf("chain: step %d: %s", e.Step, e.Msg) }

func chainErr(step int, format string, args ...any) error {
	return &ChainError{Step: step, Msg: fmt.Sprintf(format, args...)}
}

// chainTolerance is how far transition probabilities may sum above 1 from
// rounding in a scenario file (0.1 + 0.2 + 0.7).
const chainTolerance = 1e-9

// NewChain checks the steps' transitions and builds the chain. A step with
// no Next is a goal. Every step must be reachable from step 0, and a goal
// must be reachable from every step so that no journey is certain to loop
// until it is cut off.
func NewChain(steps []ChainStep) (*Chain, error) {
	if len(steps) == 0 {
		return nil, errors.New("chain: no steps; want at least one")
	}
	c := &Chain{steps: make([]chainStep, len(steps))}
	for i, st := range steps {
		if len(st.Next) != len(st.Probs) {
			return nil, chainErr(i, "%d successors and %d probabilities", len(st.Next), len(st.Probs))
		}
		if len(st.Next) == 0 {
			c.steps[i] = chainStep{goal: true}
			continue
		}
		var sum float64
		weights := make([]float64, 0, len(st.Next)+1)
		for k, j := range st.Next {
			p := st.Probs[k]
			if j < 0 || j >= len(steps) {
				return nil, chainErr(i, "goes to step %d, outside 0..%d", j, len(steps)-1)
			}
			if !(p >= 0 && p <= 1) {
				return nil, chainErr(i, "probability %v; want 0 to 1", p)
			}
			sum += p
			weights = append(weights, p)
		}
		if sum > 1+chainTolerance {
			return nil, chainErr(i, "transition probabilities sum to %v; want at most 1 (the rest is the exit)", sum)
		}
		weights = append(weights, max(1-sum, 0))
		table, err := newAliasTable(weights)
		if err != nil {
			return nil, chainErr(i, "%v", err)
		}
		c.steps[i] = chainStep{next: append([]int(nil), st.Next...), table: table}
	}
	if err := c.checkReach(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkReach checks that every step is reachable from step 0 and that
// every step can reach a goal or the exit.
func (c *Chain) checkReach() error {
	seen := make([]bool, len(c.steps))
	stack := []int{0}
	seen[0] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for k, j := range c.steps[i].next {
			if !seen[j] && c.steps[i].table.shares[k] > 0 {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			return chainErr(i, "cannot be reached from the first step")
		}
	}
	// A step ends well when it is a goal, can exit, or moves to one that does.
	ends := make([]bool, len(c.steps))
	for changed := true; changed; {
		changed = false
		for i, st := range c.steps {
			if ends[i] {
				continue
			}
			ok := st.goal || st.exit() > 0
			for k, j := range st.next {
				ok = ok || (ends[j] && st.table.shares[k] > 0)
			}
			if ok {
				ends[i], changed = true, true
			}
		}
	}
	for i, ok := range ends {
		if !ok {
			return chainErr(i, "from here a journey can neither leave nor reach a goal step")
		}
	}
	return nil
}

// exit is the probability of leaving after the step.
func (s *chainStep) exit() float64 {
	if s.goal {
		return 0
	}
	return s.table.shares[len(s.next)]
}

// Len returns the number of steps.
func (c *Chain) Len() int { return len(c.steps) }

// Goal reports whether step i is a goal step.
func (c *Chain) Goal(i int) bool { return c.steps[i].goal }

// Prob returns the probability of moving from step i to step j; j == -1
// asks for the probability of leaving after step i.
func (c *Chain) Prob(i, j int) float64 {
	st := &c.steps[i]
	if j < 0 {
		return st.exit()
	}
	var p float64
	for k, n := range st.next {
		if n == j {
			p += st.table.shares[k]
		}
	}
	return p
}

// Next draws the step after step i: the next step's index and true, or -1
// and false when the user leaves. After a goal step it always returns -1
// and false. It does not allocate.
func (c *Chain) Next(i int, r *rand.Rand) (int, bool) {
	st := &c.steps[i]
	if st.goal {
		return -1, false
	}
	k := st.table.pick(r)
	if k == len(st.next) {
		return -1, false
	}
	return st.next[k], true
}

// Durations draws durations, such as a user's think time between two
// steps of a journey. Implementations are immutable and safe for concurrent
// use; Next does not allocate.
type Durations interface {
	Next(r *rand.Rand) time.Duration
}

// FixedDuration is a duration that never varies.
type FixedDuration time.Duration

// Next returns d.
func (d FixedDuration) Next(*rand.Rand) time.Duration { return time.Duration(d) }

type uniformDuration struct{ lo, width time.Duration }

// NewUniformDuration returns durations drawn uniformly from [lo, hi].
func NewUniformDuration(lo, hi time.Duration) (Durations, error) {
	if lo < 0 || hi < lo {
		return nil, fmt.Errorf("uniform duration: want 0 <= min <= max, got min %v, max %v", lo, hi)
	}
	return uniformDuration{lo: lo, width: hi - lo}, nil
}

func (u uniformDuration) Next(r *rand.Rand) time.Duration {
	if u.width == 0 {
		return u.lo
	}
	return u.lo + time.Duration(r.Int64N(int64(u.width)+1))
}

type expDuration struct{ mean float64 }

// NewExponentialDuration returns exponentially distributed durations with
// the given mean: the gaps of a memoryless user.
func NewExponentialDuration(mean time.Duration) (Durations, error) {
	if mean <= 0 {
		return nil, fmt.Errorf("exponential duration: mean %v; want above 0", mean)
	}
	return expDuration{mean: float64(mean)}, nil
}

func (e expDuration) Next(r *rand.Rand) time.Duration {
	return clampDuration(e.mean * r.ExpFloat64())
}

type lognormalDuration struct{ median, sigma float64 }

// NewLognormalDuration returns lognormal durations with the given median
// and 99th percentile: the long-tailed think times of real users.
func NewLognormalDuration(median, p99 time.Duration) (Durations, error) {
	if median <= 0 || p99 < median {
		return nil, fmt.Errorf("lognormal duration: want 0 < median <= p99, got median %v, p99 %v", median, p99)
	}
	const z99 = 2.3263478740408408 // the standard normal quantile at 0.99
	return lognormalDuration{median: float64(median), sigma: math.Log(float64(p99)/float64(median)) / z99}, nil
}

func (l lognormalDuration) Next(r *rand.Rand) time.Duration {
	return clampDuration(l.median * math.Exp(l.sigma*r.NormFloat64()))
}

// maxDraw bounds a drawn duration, far above any think time, so that a
// tail draw cannot overflow.
const maxDraw = float64(24 * time.Hour)

func clampDuration(x float64) time.Duration {
	return time.Duration(min(max(x, 0), maxDraw))
}
