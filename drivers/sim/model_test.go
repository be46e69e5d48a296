package sim

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/surgeload/surge/drivers"
)

// poissonArrivals returns n arrival offsets of a Poisson stream of rate
// ops/s, from a seeded generator, rounded to the nanosecond.
func poissonArrivals(n int, rate float64, seed uint64) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 0))
	out := make([]time.Duration, n)
	at := 0.0
	for i := range out {
		at += rng.ExpFloat64() / rate * float64(time.Second)
		out[i] = time.Duration(at)
	}
	return out
}

type served struct {
	done time.Duration
	err  error
}

// serveAll runs op i at arrivals[i] through m, with op index i%2.
func serveAll(m *Model, arrivals []time.Duration) []served {
	out := make([]served, len(arrivals))
	for i, at := range arrivals {
		out[i].done, out[i].err = m.Serve(at, uint64(i), i%2)
	}
	return out
}

// A busy fleet with every feature on: bounded queues, stalls, errors, a
// per-op service time and three replicas.
var busyFleet = Config{Servers: 2, ServiceTime: 4 * time.Millisecond, Dist: Exponential, QueueLimit: 3,
	StallEvery: 200 * time.Millisecond, StallFor: 20 * time.Millisecond, ErrorRate: 0.1, Seed: 42,
	OpServiceTime: []time.Duration{0, 6 * time.Millisecond}, Replicas: 3}

// Target.Do and Model.Serve are one model: the same seed and arrivals give
// the same completions, errors and routing, in virtual time.
func TestModelMatchesTarget(t *testing.T) {
	arrivals := poissonArrivals(3000, 1500, 1) // ρ ≈ 1.25: overloads, queues and idle spells
	m, err := NewModel(busyFleet)
	if err != nil {
		t.Fatal(err)
	}
	want := serveAll(m, arrivals)
	synctest.Test(t, func(t *testing.T) {
		clock := drivers.WallClock()
		tg, err := New(busyFleet, clock)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]served, len(arrivals))
		var wg sync.WaitGroup
		for i, at := range arrivals {
			time.Sleep(at - clock.Now())
			wg.Go(func() {
				got[i].err = tg.Do(context.Background(), &drivers.Op{Seq: uint64(i), Index: i % 2})
				got[i].done = clock.Now()
			})
			synctest.Wait() // op i has arrived before op i+1
		}
		wg.Wait()
		var overloads, failures int
		for i := range got {
			if got[i].done != want[i].done || !errors.Is(got[i].err, want[i].err) || (got[i].err == nil) != (want[i].err == nil) {
				t.Fatalf("op %d at %v: Do = (%v, %v); Serve = (%v, %v)", i, arrivals[i], got[i].done, got[i].err, want[i].done, want[i].err)
			}
			switch {
			case errors.Is(got[i].err, drivers.ErrOverload):
				overloads++
			case errors.Is(got[i].err, drivers.ErrServerError):
				failures++
			}
		}
		if overloads == 0 || failures == 0 {
			t.Errorf("%d overloads and %d failures; want some of each, so the test covers them", overloads, failures)
		}
		if got, want := tg.ReplicaLoad(), m.ReplicaLoad(); !slices.Equal(got, want) {
			t.Errorf("Target.ReplicaLoad() = %v; Model.ReplicaLoad() = %v", got, want)
		}
	})
}

func TestServeOverloadAndFailure(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		cfg  Config
		at   []time.Duration
		want []served
	}{
		{"queue full: refused at arrival",
			Config{Servers: 1, ServiceTime: 10 * ms, QueueLimit: 1},
			[]time.Duration{0, 1 * ms, 2 * ms, 10 * ms},
			[]served{{10 * ms, nil}, {20 * ms, nil}, {2 * ms, drivers.ErrOverload}, {30 * ms, nil}}},
		{"failures take their service time",
			Config{Servers: 1, ServiceTime: 10 * ms, ErrorRate: 1},
			[]time.Duration{0, 5 * ms},
			[]served{{10 * ms, drivers.ErrServerError}, {20 * ms, drivers.ErrServerError}}},
		{"a stall delays the start",
			Config{Servers: 1, ServiceTime: ms, StallEvery: 100 * ms, StallFor: 10 * ms},
			[]time.Duration{95 * ms, 101 * ms},
			[]served{{101 * ms, nil}, {102 * ms, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewModel(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, at := range tt.at {
				done, err := m.Serve(at, uint64(i), 0)
				if w := tt.want[i]; done != w.done || err != w.err {
					t.Errorf("Serve(%v, %d) = (%v, %v); want (%v, %v)", at, i, done, err, w.done, w.err)
				}
			}
		})
	}
}

// Random routing spreads ops evenly: a chi-square test of the replica
// counts, with a fixed seed.
func TestReplicaRoutingUniform(t *testing.T) {
	tests := []struct {
		replicas int
		chi2Max  float64 // the 0.999 quantile of chi-square with replicas−1 degrees of freedom
	}{
		{2, 10.83},
		{3, 13.82},
		{8, 24.32},
		{50, 85.35},
	}
	const perReplica = 10000
	for _, tt := range tests {
		m, err := NewModel(Config{Servers: 1, Replicas: tt.replicas, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		n := perReplica * tt.replicas
		for i := range n {
			if _, err := m.Serve(0, uint64(i), 0); err != nil {
				t.Fatal(err)
			}
		}
		load := m.ReplicaLoad()
		var chi2 float64
		var total int64
		for _, c := range load {
			chi2 += math.Pow(float64(c)-perReplica, 2) / perReplica
			total += c
		}
		if total != int64(n) || chi2 > tt.chi2Max {
			t.Errorf("%d replicas: load %v (total %d, chi-square %.2f); want %d in all, chi-square under %.2f",
				tt.replicas, load, total, chi2, n, tt.chi2Max)
		}
	}
}

// A fleet is independent copies: the ops routed to one replica complete
// exactly as they would on a lone copy fed only those ops.
func TestReplicasAreIndependent(t *testing.T) {
	arrivals := poissonArrivals(6000, 1500, 2)
	fleet, err := NewModel(busyFleet)
	if err != nil {
		t.Fatal(err)
	}
	got := serveAll(fleet, arrivals)
	one := busyFleet
	one.Replicas = 1
	lone := make([]*Model, busyFleet.Replicas)
	for r := range lone {
		if lone[r], err = NewModel(one); err != nil {
			t.Fatal(err)
		}
	}
	for i, at := range arrivals {
		r := fleet.route(uint64(i))
		done, err := lone[r].Serve(at, uint64(i), i%2)
		if done != got[i].done || err != got[i].err {
			t.Fatalf("op %d on replica %d: fleet (%v, %v); lone copy (%v, %v)", i, r, got[i].done, got[i].err, done, err)
		}
	}
}

// The replica an op goes to says nothing about its service time or its
// failure: every replica sees the same mix.
func TestRoutingIndependentOfDraws(t *testing.T) {
	const k, n = 4, 400000
	m, err := NewModel(Config{Servers: 1, ServiceTime: time.Millisecond, Dist: Exponential, ErrorRate: 0.1, Replicas: k, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var sum [k]float64
	var count, fails [k]int
	for i := range n {
		s, fail := m.draw(uint64(i), 0)
		r := m.route(uint64(i))
		sum[r] += float64(s)
		count[r]++
		if fail {
			fails[r]++
		}
	}
	for r := range k {
		// Means of 100k exponential draws: sd 0.32 %; failures: Binomial(100k, 0.1), sd 0.95 %.
		mean := time.Duration(sum[r] / float64(count[r]))
		within(t, "mean service time of a replica", mean, time.Millisecond, 0.02)
		if rate := float64(fails[r]) / float64(count[r]); math.Abs(rate-0.1) > 0.005 {
			t.Errorf("replica %d: failure rate %.4f; want 0.1", r, rate)
		}
	}
}

// erlangC is the probability that an arrival waits in M/M/c at offered
// load a = λ/μ (a < c), by the Erlang B recurrence.
func erlangC(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}

// The model is a correct M/M/c queue: the mean response time of a long
// seeded Poisson run matches queueing theory, alone and as a fleet.
func TestMeanResponseMatchesTheory(t *testing.T) {
	const mu = 1000.0 // per server, ops/s
	tests := []struct {
		name             string
		servers, fleet   int
		rate             float64 // offered to the whole fleet, ops/s
		wantMeanResponse float64 // seconds
	}{
		{"M/M/1: 1/(μ−λ)", 1, 1, 700, 1 / (mu - 700)},
		{"M/M/4: Erlang C", 4, 1, 3200, 1/mu + erlangC(4, 3.2)/(4*mu-3200)},
		{"fleet of 4 M/M/1: each sees λ/4", 1, 4, 2800, 1 / (mu - 700)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewModel(Config{Servers: tt.servers, ServiceTime: time.Second / mu, Dist: Exponential,
				Replicas: tt.fleet, Seed: 11})
			if err != nil {
				t.Fatal(err)
			}
			arrivals := poissonArrivals(500000, tt.rate, 3)
			var sum float64
			for i, at := range arrivals {
				done, err := m.Serve(at, uint64(i), 0)
				if err != nil {
					t.Fatal(err)
				}
				sum += (done - at).Seconds()
			}
			mean := sum / float64(len(arrivals))
			if math.Abs(mean-tt.wantMeanResponse) > 0.03*tt.wantMeanResponse {
				t.Errorf("mean response %.4f ms; want %.4f ms ± 3%%", mean*1e3, tt.wantMeanResponse*1e3)
			}
		})
	}
}

func BenchmarkServe(b *testing.B) {
	for _, replicas := range []int{1, 8} {
		b.Run(map[int]string{1: "one", 8: "fleet-of-8"}[replicas], func(b *testing.B) {
			m, err := NewModel(Config{Servers: 64, ServiceTime: time.Millisecond, Dist: Lognormal, Replicas: replicas})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				// 32k ops/s of 1 ms ops on 64 servers per replica: busy, never overloaded.
				at := time.Duration(i) * 30 * time.Microsecond / time.Duration(replicas)
				if _, err := m.Serve(at, uint64(i), 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
