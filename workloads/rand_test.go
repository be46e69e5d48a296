package workloads

import (
	"math"
	"testing"
)

func TestNewRandDeterministic(t *testing.T) {
	a, b := NewRand(42, 3), NewRand(42, 3)
	for i := range 100 {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("draw %d: %#x and %#x from the same (seed, stream); want equal", i, x, y)
		}
	}
}

// TestNewRandStreamsIndependent checks that neighbouring streams and
// neighbouring seeds give uncorrelated sequences: the sample correlation of
// n paired uniforms has standard deviation 1/sqrt(n).
func TestNewRandStreamsIndependent(t *testing.T) {
	const n = 100_000
	pairs := []struct{ s1, t1, s2, t2 uint64 }{
		{0, 0, 0, 1},
		{0, 1, 0, 2},
		{1, 0, 0, 1}, // seed+stream sums alike
		{7, 0, 8, 0},
		{0, 0, 1 << 63, 0},
	}
	for _, p := range pairs {
		a, b := NewRand(p.s1, p.t1), NewRand(p.s2, p.t2)
		var sa, sb, sab, saa, sbb float64
		for range n {
			x, y := a.Float64(), b.Float64()
			sa += x
			sb += y
			sab += x * y
			saa += x * x
			sbb += y * y
		}
		cov := sab/n - sa/n*sb/n
		corr := cov / math.Sqrt((saa/n-sa/n*sa/n)*(sbb/n-sb/n*sb/n))
		if math.Abs(corr) > 4/math.Sqrt(n) {
			t.Errorf("NewRand(%d, %d) vs NewRand(%d, %d): correlation %.4f; want |corr| <= %.4f",
				p.s1, p.t1, p.s2, p.t2, corr, 4/math.Sqrt(n))
		}
	}
}

func TestNewRandFirstDrawsDistinct(t *testing.T) {
	seen := map[uint64][2]uint64{}
	for seed := range uint64(64) {
		for stream := range uint64(64) {
			v := NewRand(seed, stream).Uint64()
			if prev, ok := seen[v]; ok {
				t.Fatalf("NewRand(%d, %d) and NewRand(%d, %d) start with the same %#x; want distinct", seed, stream, prev[0], prev[1], v)
			}
			seen[v] = [2]uint64{seed, stream}
		}
	}
}
