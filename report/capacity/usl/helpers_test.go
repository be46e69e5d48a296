package usl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// geometric is the sweep design of §3.2: doubling sizes with points in
// between, 1 to 128.
var geometric = []float64{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128}

// exactPoints samples m at ns without noise.
func exactPoints(m Model, ns []float64) []Point {
	pts := make([]Point, len(ns))
	for i, n := range ns {
		pts[i] = Point{N: n, X: m.X(n)}
	}
	return pts
}

// noisyPoints samples m at ns with multiplicative Gaussian noise of the
// given relative standard deviation, from a seeded PCG.
func noisyPoints(m Model, ns []float64, noise float64, seed uint64) []Point {
	rng := rand.New(rand.NewPCG(seed, 1))
	pts := make([]Point, len(ns))
	for i, n := range ns {
		pts[i] = Point{N: n, X: m.X(n) * (1 + noise*rng.NormFloat64())}
	}
	return pts
}

// nStar is the Model's N*, for Interval.
func nStar(m Model) float64 {
	n, _, _ := m.Peak()
	return n
}

// relErr is |got − want| / |want|, or |got| when want is 0.
func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// mustFit fits or fails the test.
func mustFit(t testing.TB, pts []Point, opts Options) *Fit {
	t.Helper()
	f, err := FitPoints(pts, opts)
	if err != nil {
		t.Fatalf("FitPoints: %v", err)
	}
	return f
}
