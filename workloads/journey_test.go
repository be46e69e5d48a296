package workloads_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/surgeload/surge/workloads"
)

func TestNewChainErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []workloads.ChainStep
		want  string
	}{
		{"none", nil, "no steps"},
		{"mismatch", []workloads.ChainStep{{Next: []int{0}}}, "step 0: 1 successors and 0 probabilities"},
		{"outside", []workloads.ChainStep{{Next: []int{3}, Probs: []float64{0.5}}}, "outside 0..0"},
		{"negative", []workloads.ChainStep{{Next: []int{0}, Probs: []float64{-0.1}}}, "want 0 to 1"},
		{"over one", []workloads.ChainStep{{Next: []int{1, 1}, Probs: []float64{0.6, 0.5}}, {}}, "sum to 1.1"},
		{"unreachable", []workloads.ChainStep{{}, {}}, "step 1: cannot be reached"},
		{"loop forever", []workloads.ChainStep{{Next: []int{1}, Probs: []float64{1}}, {Next: []int{0}, Probs: []float64{1}}}, "neither leave nor reach a goal"},
	} {
		_, err := workloads.NewChain(tc.steps)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// The chain's draws follow its probabilities, and a goal always ends.
func TestChainNext(t *testing.T) {
	c, err := workloads.NewChain([]workloads.ChainStep{
		{Next: []int{1, 0}, Probs: []float64{0.7, 0.1}},
		{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Prob(0, -1); math.Abs(got-0.2) > 1e-12 {
		t.Errorf("exit probability %v; want 0.2", got)
	}
	r := workloads.NewRand(1, 0)
	const n = 200000
	var counts [3]int // exit, 0, 1
	for range n {
		j, ok := c.Next(0, r)
		if !ok {
			counts[0]++
		} else {
			counts[j+1]++
		}
	}
	for i, want := range []float64{0.2, 0.1, 0.7} {
		if got := float64(counts[i]) / n; math.Abs(got-want) > 0.005 {
			t.Errorf("outcome %d: share %.4f; want %.2f", i-1, got, want)
		}
	}
	if _, ok := c.Next(1, r); ok || !c.Goal(1) {
		t.Error("a goal step moved on")
	}
}

func TestDurations(t *testing.T) {
	r := workloads.NewRand(1, 0)
	uni, err := workloads.NewUniformDuration(time.Second, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workloads.NewExponentialDuration(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	logn, err := workloads.NewLognormalDuration(time.Second, 4*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100000
	mean := func(d workloads.Durations) (m float64, lo, hi time.Duration) {
		lo = time.Duration(math.MaxInt64)
		for range n {
			v := d.Next(r)
			m += v.Seconds() / n
			lo, hi = min(lo, v), max(hi, v)
		}
		return m, lo, hi
	}
	if m, lo, hi := mean(uni); math.Abs(m-2) > 0.02 || lo < time.Second || hi > 3*time.Second {
		t.Errorf("uniform 1s..3s: mean %.3fs, range %v..%v", m, lo, hi)
	}
	if m, lo, _ := mean(exp); math.Abs(m-2) > 0.04 || lo < 0 {
		t.Errorf("exponential mean 2s: mean %.3fs, min %v", m, lo)
	}
	// Lognormal with median 1s and p99 4s: mean = exp(sigma²/2).
	sigma := math.Log(4) / 2.3263478740408408
	if m, _, _ := mean(logn); math.Abs(m-math.Exp(sigma*sigma/2)) > 0.02 {
		t.Errorf("lognormal: mean %.3fs; want %.3fs", m, math.Exp(sigma*sigma/2))
	}
	if d := workloads.FixedDuration(time.Second); d.Next(r) != time.Second {
		t.Error("a fixed duration varied")
	}
	for _, bad := range []func() error{
		func() error { _, err := workloads.NewUniformDuration(2, 1); return err },
		func() error { _, err := workloads.NewExponentialDuration(0); return err },
		func() error { _, err := workloads.NewLognormalDuration(time.Second, time.Millisecond); return err },
	} {
		if bad() == nil {
			t.Error("a bad duration distribution was accepted")
		}
	}
}

func BenchmarkChainNext(b *testing.B) {
	c, err := workloads.NewChain([]workloads.ChainStep{
		{Next: []int{1, 2, 0}, Probs: []float64{0.5, 0.3, 0.1}},
		{}, {},
	})
	if err != nil {
		b.Fatal(err)
	}
	r := workloads.NewRand(1, 0)
	b.ReportAllocs()
	for b.Loop() {
		c.Next(0, r)
	}
}
