package drivers_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/workloads"
)

// stepLog is a target that plays every step of a journey and counts the
// transitions between steps, per session: a journey always starts at step
// op 1 and never returns there, so a step-1 op starts a new journey.
type stepLog struct {
	mu    sync.Mutex
	last  map[*drivers.Session]int
	trans map[[2]int]int64 // (from op, to op)
	fail  map[int]error    // op index -> the error it returns
}

func newStepLog() *stepLog {
	return &stepLog{last: map[*drivers.Session]int{}, trans: map[[2]int]int64{}, fail: map[int]error{}}
}

func (s *stepLog) Do(_ context.Context, op *drivers.Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op.Session == nil {
		return errors.New("step without a session")
	}
	if prev, ok := s.last[op.Session]; ok && op.Index != 1 {
		s.trans[[2]int{prev, op.Index}]++
	}
	s.last[op.Session] = op.Index
	return s.fail[op.Index]
}

func mustChain(t testing.TB, steps ...workloads.ChainStep) *workloads.Chain {
	t.Helper()
	c, err := workloads.NewChain(steps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// journeyJob returns a job whose op 0 is a journey over ops 1..len(steps)
// (weight 0), all against target.
func journeyJob(t testing.TB, target drivers.Target, chain *workloads.Chain, p *workloads.Profile) *drivers.Job {
	t.Helper()
	j := job(t, target, p, 100000)
	steps := make([]drivers.JourneyStep, chain.Len())
	j.Ops = []drivers.JobOp{{Name: "buyer", Weight: 1, Journey: &drivers.Journey{Chain: chain, Steps: steps, Vars: 1}}}
	for i := range steps {
		steps[i].Op = i + 1
		j.Ops = append(j.Ops, drivers.JobOp{Name: fmt.Sprintf("step%d", i), Target: target})
	}
	j.DrainTimeout = time.Hour
	return j
}

// chiSquare999 holds the 99.9th percentile of the chi-square distribution
// by degrees of freedom: a correct sampler exceeds it one time in 1000.
var chiSquare999 = map[int]float64{1: 10.828, 2: 13.816, 3: 16.266}

// Under a fixed seed, the transitions the engine takes match the chain:
// from each step, the counts of each successor and of the exit pass a
// chi-square test against the chain's probabilities.
func TestJourneyTransitions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// home -> search .5 | product .3 | exit .2; search -> product .6 |
		// search .2 | exit .2; product -> cart .4 | search .3 | exit .3;
		// cart is the goal.
		chain := mustChain(t,
			workloads.ChainStep{Next: []int{1, 2}, Probs: []float64{0.5, 0.3}},
			workloads.ChainStep{Next: []int{2, 1}, Probs: []float64{0.6, 0.2}},
			workloads.ChainStep{Next: []int{3, 1}, Probs: []float64{0.4, 0.3}},
			workloads.ChainStep{},
		)
		log := newStepLog()
		p := mustProfile(t, workloads.Stage{Name: "s", Duration: 10 * time.Second, From: 2000, To: 2000})
		tot := run(t, journeyJob(t, log, chain, p))
		started := tot.count[0][0]
		if started != 20000 {
			t.Fatalf("started %d journeys; want 20000", started)
		}
		for from := range chain.Len() {
			if chain.Goal(from) {
				continue
			}
			var observed, expected []float64
			n := float64(tot.left[0][from+1])
			for to := range chain.Len() {
				n += float64(log.trans[[2]int{from + 1, to + 1}])
			}
			for to := -1; to < chain.Len(); to++ {
				pr := chain.Prob(from, to)
				if pr == 0 {
					if to >= 0 && log.trans[[2]int{from + 1, to + 1}] != 0 {
						t.Errorf("step %d -> %d taken %d times; its probability is 0", from, to, log.trans[[2]int{from + 1, to + 1}])
					}
					continue
				}
				got := float64(tot.left[0][from+1])
				if to >= 0 {
					got = float64(log.trans[[2]int{from + 1, to + 1}])
				}
				observed, expected = append(observed, got), append(expected, pr*n)
			}
			var chi float64
			for i := range observed {
				d := observed[i] - expected[i]
				chi += d * d / expected[i]
			}
			if crit := chiSquare999[len(observed)-1]; chi > crit {
				t.Errorf("step %d: observed %v, expected %v: chi-square %.2f above %.2f", from, observed, expected, chi, crit)
			}
		}
		// Every journey ended once: completed, or left after some step.
		var left int64
		for o := 1; o < len(tot.left[0]); o++ {
			left += tot.left[0][o]
		}
		errs := tot.errors[0][0]
		if errs[drivers.ClassAbandoned] != left {
			t.Errorf("abandoned journeys %d; the steps count %d users leaving", errs[drivers.ClassAbandoned], left)
		}
		if completed := started - left; completed != tot.count[0][4] {
			t.Errorf("%d journeys did not leave, but %d reached the goal", completed, tot.count[0][4])
		}
		if lat := tot.lat[0][0].TotalCount(); lat != started-left {
			t.Errorf("journey latencies recorded %d; want the %d completed", lat, started-left)
		}
	})
}

// The same seed gives the same journeys; another seed, others.
func TestJourneyDeterministic(t *testing.T) {
	counts := func(seed uint64) map[[2]int]int64 {
		var out map[[2]int]int64
		synctest.Test(t, func(t *testing.T) {
			chain := mustChain(t,
				workloads.ChainStep{Next: []int{1, 0}, Probs: []float64{0.5, 0.3}},
				workloads.ChainStep{},
			)
			log := newStepLog()
			p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 500, To: 500})
			j := journeyJob(t, log, chain, p)
			j.Seed = seed
			run(t, j)
			out = log.trans
		})
		return out
	}
	a, b, c := counts(7), counts(7), counts(8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("seed 7 gave %v, then %v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("seeds 7 and 8 gave the same transitions %v", a)
	}
}

// A journey's latency is the time the user waited for the system: its
// think times count only when IncludeThink asks for them. Each of its
// three steps takes 10 ms, with 1 s of think time between them.
func TestJourneyThinkTime(t *testing.T) {
	for _, include := range []bool{false, true} {
		t.Run(fmt.Sprint("include=", include), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				target := mustSim(t, sim.Config{Servers: 1000, ServiceTime: 10 * time.Millisecond})
				chain := mustChain(t,
					workloads.ChainStep{Next: []int{1}, Probs: []float64{1}},
					workloads.ChainStep{Next: []int{2}, Probs: []float64{1}},
					workloads.ChainStep{},
				)
				p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 100, To: 100})
				j := journeyJob(t, target, chain, p)
				j.Ops[0].Journey.Think = workloads.FixedDuration(time.Second)
				j.Ops[0].Journey.IncludeThink = include
				tot := run(t, j)
				want := int64(30_000)
				if include {
					want = 2_030_000 // HDR: within 3 significant digits
				}
				lat := tot.lat[0][0]
				if lat.TotalCount() != 100 || !lat.ValuesAreEquivalent(lat.Min(), want) || !lat.ValuesAreEquivalent(lat.Max(), want) {
					t.Errorf("journey latency: %d values from %dµs to %dµs; want 100 of %dµs", lat.TotalCount(), lat.Min(), lat.Max(), want)
				}
				for step := 1; step <= 3; step++ {
					if h := tot.lat[0][step]; !h.ValuesAreEquivalent(h.Min(), 10_000) || !h.ValuesAreEquivalent(h.Max(), 10_000) {
						t.Errorf("step %d latency %d..%dµs; want 10000", step, h.Min(), h.Max())
					}
				}
			})
		})
	}
}

// varTarget sets the session variable in step 1 and expects it in step 2.
type varTarget struct{}

func (varTarget) Do(_ context.Context, op *drivers.Op) error {
	switch op.Index {
	case 1:
		op.Session.SetVar(0, fmt.Sprint("cart-", op.Seq))
		op.Session.SetCookie("shop", []byte("sid"), fmt.Append(nil, op.Seq))
	case 2:
		if !op.Session.Set[0] || len(op.Session.Cookies) != 1 {
			return &drivers.Error{Class: drivers.ClassCheck, Err: errors.New("no cart id from step 1")}
		}
	}
	return nil
}

// Variables and cookies flow from one step of a journey to the next, and
// a new journey starts without them.
func TestJourneySession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chain := mustChain(t,
			workloads.ChainStep{Next: []int{1}, Probs: []float64{1}},
			workloads.ChainStep{},
		)
		p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 1000, To: 1000})
		tot := run(t, journeyJob(t, varTarget{}, chain, p))
		if errs := tot.errors[0][2][drivers.ClassCheck]; errs != 0 {
			t.Errorf("%d second steps missed the first step's variable", errs)
		}
		if tot.count[0][0] != 1000 || tot.count[0][2] != 1000 {
			t.Errorf("journeys %d, second steps %d; want 1000 each", tot.count[0][0], tot.count[0][2])
		}
	})
}

// A failing step ends the journey with the step's class, and no later
// step runs.
func TestJourneyStepFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chain := mustChain(t,
			workloads.ChainStep{Next: []int{1}, Probs: []float64{1}},
			workloads.ChainStep{Next: []int{2}, Probs: []float64{1}},
			workloads.ChainStep{},
		)
		log := newStepLog()
		log.fail[2] = drivers.ErrOverload
		p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 100, To: 100})
		tot := run(t, journeyJob(t, log, chain, p))
		if got := tot.errors[0][0][drivers.ClassOverload]; got != 100 {
			t.Errorf("journeys failed with overload: %d; want 100", got)
		}
		if got := tot.count[0][3]; got != 0 {
			t.Errorf("the step after the failure ran %d times", got)
		}
	})
}

// A journey still thinking when the drain timeout ends is cancelled, and
// its next step counts as never sent.
func TestJourneyCancelledAtDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chain := mustChain(t,
			workloads.ChainStep{Next: []int{1}, Probs: []float64{1}},
			workloads.ChainStep{},
		)
		p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 100, To: 100})
		j := journeyJob(t, newStepLog(), chain, p)
		j.Ops[0].Journey.Think = workloads.FixedDuration(time.Minute)
		j.DrainTimeout = 5 * time.Second
		tot := run(t, j)
		if got := tot.errors[0][0][drivers.ClassCanceled]; got != 100 {
			t.Errorf("cancelled journeys %d; want 100", got)
		}
		if got := tot.errors[0][2][drivers.ClassUnsent]; got != 100 {
			t.Errorf("unsent second steps %d; want 100", got)
		}
	})
}

func TestJourneyBadJob(t *testing.T) {
	chain := mustChain(t, workloads.ChainStep{})
	p := mustProfile(t, workloads.Stage{Name: "s", Duration: time.Second, From: 1, To: 1})
	seq, err := workloads.NewSequential(10)
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*drivers.Job){
		"step outside the job":    func(j *drivers.Job) { j.Ops[0].Journey.Steps[0].Op = 9 },
		"step is the journey":     func(j *drivers.Job) { j.Ops[0].Journey.Steps[0].Op = 0 },
		"chain of another size":   func(j *drivers.Job) { j.Ops[0].Journey.Steps = nil },
		"sequential keyspace":     func(j *drivers.Job) { j.Keyspaces[0] = seq },
		"negative variable count": func(j *drivers.Job) { j.Ops[0].Journey.Vars = -1 },
	} {
		j := journeyJob(t, newStepLog(), chain, p)
		mutate(j)
		if err := drivers.Run(context.Background(), j, newTotals(1, len(j.Ops))); !errors.Is(err, drivers.ErrBadJob) {
			t.Errorf("%s: got %v; want ErrBadJob", name, err)
		}
	}
}

// nullSteps is a journey step target that does nothing.
type nullSteps struct{}

func (nullSteps) Do(context.Context, *drivers.Op) error { return nil }

// BenchmarkJourney runs b.N journeys of 4 steps (a chain that always
// completes) with no think time against a target that does nothing: the
// engine's own cost per journey; each step costs about one op of
// BenchmarkEngine plus the chain draw.
func BenchmarkJourney(b *testing.B) {
	chain := mustChain(b,
		workloads.ChainStep{Next: []int{1, 2}, Probs: []float64{0.5, 0.5}},
		workloads.ChainStep{Next: []int{2}, Probs: []float64{1}},
		workloads.ChainStep{Next: []int{3}, Probs: []float64{1}},
		workloads.ChainStep{},
	)
	p := mustProfile(b, workloads.Stage{Name: "s", Duration: time.Duration(b.N), From: 1e9, To: 1e9})
	j := journeyJob(b, nullSteps{}, chain, p)
	j.Lanes, j.MaxInFlight = 1, 4
	benchRun(b, j, "journeys/s")
}
