package sim

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/surgeload/surge/drivers"
)

func TestAdvanceAndUnstalled(t *testing.T) {
	tg := &Model{cfg: Config{StallEvery: 5 * time.Second, StallFor: 500 * time.Millisecond}}
	ms := time.Millisecond
	tests := []struct {
		name                string
		start, service      time.Duration
		wantStart, wantDone time.Duration
	}{
		{"before the first stall", 1000 * ms, 10 * ms, 1000 * ms, 1010 * ms},
		{"at time zero no stall", 0, 10 * ms, 0, 10 * ms},
		{"arrives during a stall", 4600 * ms, 10 * ms, 5000 * ms, 5010 * ms},
		{"arrives as a stall begins", 4500 * ms, 10 * ms, 5000 * ms, 5010 * ms},
		{"arrives as a stall ends", 5000 * ms, 10 * ms, 5000 * ms, 5010 * ms},
		{"in service when a stall begins", 4495 * ms, 10 * ms, 4495 * ms, 5005 * ms},
		{"spans two stalls", 4400 * ms, 5 * time.Second, 4400 * ms, 10400 * ms},
		{"ends exactly at a stall", 4490 * ms, 10 * ms, 4490 * ms, 4500 * ms},
		{"during the second stall", 9700 * ms, 10 * ms, 10000 * ms, 10010 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := tg.unstalled(tt.start)
			if start != tt.wantStart {
				t.Errorf("unstalled(%v) = %v; want %v", tt.start, start, tt.wantStart)
			}
			if done := tg.advance(start, tt.service); done != tt.wantDone {
				t.Errorf("advance(%v, %v) = %v; want %v", start, tt.service, done, tt.wantDone)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no servers", Config{ServiceTime: time.Millisecond}},
		{"negative service time", Config{Servers: 1, ServiceTime: -1}},
		{"negative queue", Config{Servers: 1, QueueLimit: -1}},
		{"stall longer than period", Config{Servers: 1, StallEvery: time.Second, StallFor: 2 * time.Second}},
		{"error rate above one", Config{Servers: 1, ErrorRate: 1.5}},
		{"error rate NaN", Config{Servers: 1, ErrorRate: math.NaN()}},
		{"p99 ratio below one", Config{Servers: 1, P99Ratio: 0.5}},
		{"negative replicas", Config{Servers: 1, Replicas: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, drivers.WallClock()); !errors.Is(err, ErrBadConfig) {
				t.Errorf("New(%+v) error = %v; want ErrBadConfig", tt.cfg, err)
			}
			if _, err := NewModel(tt.cfg); !errors.Is(err, ErrBadConfig) {
				t.Errorf("NewModel(%+v) error = %v; want ErrBadConfig", tt.cfg, err)
			}
		})
	}
}

// doAll calls Do for ops 0..n-1, all arriving at the same virtual instant in
// Seq order, and returns each one's completion offset and error.
func doAll(t *testing.T, tg *Target, clock drivers.Clock, n int) ([]time.Duration, []error) {
	t.Helper()
	done := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = tg.Do(context.Background(), &drivers.Op{Seq: uint64(i)})
			done[i] = clock.Now()
		})
		synctest.Wait() // op i has arrived before op i+1
	}
	wg.Wait()
	return done, errs
}

func TestFIFOAcrossServers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := drivers.WallClock()
		tg, err := New(Config{Servers: 2, ServiceTime: 10 * time.Millisecond}, clock)
		if err != nil {
			t.Fatal(err)
		}
		done, _ := doAll(t, tg, clock, 5)
		ms := time.Millisecond
		want := []time.Duration{10 * ms, 10 * ms, 20 * ms, 20 * ms, 30 * ms}
		if !slices.Equal(done, want) {
			t.Errorf("completions = %v; want %v", done, want)
		}
	})
}

func TestQueueLimitSheds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := drivers.WallClock()
		tg, err := New(Config{Servers: 1, ServiceTime: 10 * time.Millisecond, QueueLimit: 2}, clock)
		if err != nil {
			t.Fatal(err)
		}
		done, errs := doAll(t, tg, clock, 5)
		for i, err := range errs {
			wantOverload := i >= 3 // one in service, two waiting
			if got := errors.Is(err, drivers.ErrOverload); got != wantOverload {
				t.Errorf("op %d: error %v; want overload %v", i, err, wantOverload)
			}
		}
		if done[3] != 0 {
			t.Errorf("overloaded op returned at %v; want at once", done[3])
		}
	})
}

func TestStallPausesEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := drivers.WallClock()
		tg, err := New(Config{Servers: 4, ServiceTime: time.Millisecond,
			StallEvery: time.Second, StallFor: 300 * time.Millisecond}, clock)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(800 * time.Millisecond) // 100ms into the first stall, [700ms, 1s)
		start := clock.Now()
		if err := tg.Do(context.Background(), &drivers.Op{}); err != nil {
			t.Fatal(err)
		}
		if got, want := clock.Now()-start, 201*time.Millisecond; got != want {
			t.Errorf("op arriving 100ms into a 300ms stall took %v; want %v", got, want)
		}
	})
}

func TestDoReturnsContextError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tg, err := New(Config{Servers: 1, ServiceTime: time.Second}, drivers.WallClock())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := tg.Do(ctx, &drivers.Op{}); drivers.ClassOf(err) != drivers.ClassTimeout {
			t.Errorf("Do past its deadline = %v; want a timeout", err)
		}
	})
}

func TestDrawsFollowTheModel(t *testing.T) {
	const n = 200000
	tests := []struct {
		name       string
		cfg        Config
		wantMedian time.Duration
		wantP99    time.Duration
		wantMean   time.Duration
	}{
		{"constant", Config{Servers: 1, ServiceTime: time.Millisecond}, time.Millisecond, time.Millisecond, time.Millisecond},
		{"exponential mean", Config{Servers: 1, ServiceTime: time.Millisecond, Dist: Exponential},
			693147 * time.Nanosecond, 4605170 * time.Nanosecond, time.Millisecond},
		{"lognormal median and p99 ratio", Config{Servers: 1, ServiceTime: time.Millisecond, Dist: Lognormal, P99Ratio: 4},
			time.Millisecond, 4 * time.Millisecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewModel(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			draws := make([]time.Duration, n)
			var sum float64
			for i := range draws {
				draws[i], _ = m.draw(uint64(i), 0)
				sum += float64(draws[i])
			}
			slices.Sort(draws)
			within(t, "median", draws[n/2], tt.wantMedian, 0.03)
			within(t, "p99", draws[n*99/100], tt.wantP99, 0.03)
			if tt.wantMean > 0 {
				within(t, "mean", time.Duration(sum/n), tt.wantMean, 0.03)
			}
		})
	}
}

func TestErrorRate(t *testing.T) {
	m, err := NewModel(Config{Servers: 1, ErrorRate: 0.01, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	fails := 0
	for i := range 100000 {
		if _, fail := m.draw(uint64(i), 0); fail {
			fails++
		}
	}
	// Binomial(100000, 0.01): sd ≈ 31.5; 5 sd either side.
	if fails < 1000-160 || fails > 1000+160 {
		t.Errorf("%d of 100000 ops failed; want about 1000", fails)
	}
}

func within(t *testing.T, what string, got, want time.Duration, tol float64) {
	t.Helper()
	if math.Abs(float64(got-want)) > tol*float64(want) {
		t.Errorf("%s = %v; want %v ± %.0f%%", what, got, want, tol*100)
	}
}

func BenchmarkDo(b *testing.B) {
	tg, err := New(Config{Servers: 64, Dist: Lognormal}, drivers.WallClock())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	op := &drivers.Op{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		op.Seq = uint64(i)
		if err := tg.Do(ctx, op); err != nil {
			b.Fatal(err)
		}
	}
}
