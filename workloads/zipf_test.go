package workloads

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"testing"
)

// zipfPMF returns the exact zipfian probabilities of ranks 0..n-1.
func zipfPMF(n int, theta float64) []float64 {
	ws := make([]float64, n)
	for k := range ws {
		ws[k] = math.Pow(float64(k+1), -theta)
	}
	return normalised(ws)
}

// grayPMF returns the probabilities of ranks 0..n-1 under Gray et al.'s
// method, in closed form: ranks 0 and 1 are exact, and rank k >= 2 is hit
// when n·(1-eta(1-u))^alpha lies in [k, k+1), which has probability
// (((k+1)/n)^(1-theta) - (k/n)^(1-theta)) / eta.
func grayPMF(n int, theta float64) []float64 {
	var zetan float64
	for i := n; i >= 1; i-- {
		zetan += math.Pow(float64(i), -theta)
	}
	p := make([]float64, n)
	p[0] = 1 / zetan
	if n > 1 {
		p[1] = math.Pow(2, -theta) / zetan
	}
	if n <= 2 {
		return p
	}
	nf := float64(n)
	eta := (1 - math.Pow(2/nf, 1-theta)) / (1 - (1+math.Pow(2, -theta))/zetan)
	for k := 2; k < n; k++ {
		kf := float64(k)
		p[k] = (math.Pow((kf+1)/nf, 1-theta) - math.Pow(kf/nf, 1-theta)) / eta
	}
	return p
}

// producedPMF is the rank distribution NewZipf promises: Gray et al.'s for
// theta < 1, the exact zipfian otherwise.
func producedPMF(n int, theta float64) []float64 {
	if theta < 1 {
		return grayPMF(n, theta)
	}
	return zipfPMF(n, theta)
}

func TestZipfFit(t *testing.T) {
	tests := []struct {
		n     int
		theta float64
	}{
		{100, 0.5}, {100, 0.99}, {100, 0.2},
		{100, 1}, {100, 1.5}, {100, 3},
		{1, 0.99}, {2, 0.99}, {3, 0.99}, {1, 1.5}, {2, 1.5},
		{1000, 0.99}, {1000, 1.1},
	}
	for _, tt := range tests {
		z, err := NewZipf(uint64(tt.n), tt.theta, false)
		if err != nil {
			t.Fatal(err)
		}
		counts := drawCounts(t, z, uint64(tt.n), 300_000, 4)
		checkFit(t, counts, producedPMF(tt.n, tt.theta))
	}
}

// TestZipfGrayPMF pins how Gray et al.'s method relates to the exact
// zipfian law: the same for the two hottest ranks, and close overall.
func TestZipfGrayPMF(t *testing.T) {
	for _, theta := range []float64{0.2, 0.5, 0.99} {
		gray, exact := grayPMF(100, theta), zipfPMF(100, theta)
		for k := range 2 {
			if d := math.Abs(gray[k] - exact[k]); d > 1e-15 {
				t.Errorf("theta %v rank %d: Gray probability %v; want the exact %v", theta, k, gray[k], exact[k])
			}
		}
		var sum, tv float64
		for k := range gray {
			sum += gray[k]
			tv += math.Abs(gray[k]-exact[k]) / 2
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("theta %v: Gray probabilities sum to %v; want 1", theta, sum)
		}
		if tv > 0.05 {
			t.Errorf("theta %v: total variation from the exact law %v; want <= 0.05", theta, tv)
		}
	}
}

func TestZipfScrambledFit(t *testing.T) {
	const n = 1000
	for _, theta := range []float64{0.99, 1.3} {
		z, err := NewZipf(n, theta, true)
		if err != nil {
			t.Fatal(err)
		}
		probs := make([]float64, n)
		for k, p := range producedPMF(n, theta) {
			probs[fnv1a64(uint64(k))%n] += p
		}
		counts := drawCounts(t, z, n, 500_000, 5)
		checkFit(t, counts, probs)
		if hottest := fnv1a64(0) % n; counts[hottest] < counts[0] {
			t.Errorf("theta %v: key %d (rank 0 hashed) drawn %d times, fewer than key 0 (%d); want it hottest",
				theta, hottest, counts[hottest], counts[0])
		}
	}
}

func TestFNV1a64MatchesStdlib(t *testing.T) {
	for _, v := range []uint64{0, 1, 255, 256, 1 << 40, math.MaxUint64} {
		h := fnv.New64a()
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
		if got, want := fnv1a64(v), h.Sum64(); got != want {
			t.Errorf("fnv1a64(%d) = %#x; want %#x", v, got, want)
		}
	}
}

func TestZeta(t *testing.T) {
	brute := func(n int, theta float64) float64 {
		var s float64
		for i := n; i >= 1; i-- {
			s += math.Pow(float64(i), -theta)
		}
		return s
	}
	for _, theta := range []float64{0.01, 0.5, 0.99, 0.999999, 1, 1.5} {
		for _, n := range []int{1, 2, zetaExactTerms, zetaExactTerms + 1, zetaExactTerms + 7, 123_457, 2_000_000} {
			got, want := zeta(uint64(n), theta), brute(n, theta)
			if rel := math.Abs(got-want) / want; rel > 1e-12 {
				t.Errorf("zeta(%d, %v) = %.17g; want %.17g (relative error %.2g)", n, theta, got, want, rel)
			}
		}
	}
}

// TestZipfHugeN checks the head of the law for a keyspace far too large to
// sum: P(rank 0) = 1/zeta(n, theta), with zeta from the Euler–Maclaurin
// tail, and for theta 0.99 and n = 10¹⁰ the value YCSB hard-codes for its
// scrambled generator (ZETAN = 26.46902820178302).
func TestZipfHugeN(t *testing.T) {
	const n = 10_000_000_000
	if got, want := zeta(n, 0.99), 26.46902820178302; math.Abs(got-want) > 1e-9 {
		t.Errorf("zeta(1e10, 0.99) = %.15g; want YCSB's %.15g", got, want)
	}
	for _, theta := range []float64{0.99, 1.2} {
		z, err := NewZipf(n, theta, false)
		if err != nil {
			t.Fatal(err)
		}
		p0 := 1 / zeta(n, theta)
		r := NewRand(6, 0)
		const draws = 200_000
		hits := 0
		for range draws {
			k := z.Next(r)
			if k >= n {
				t.Fatalf("theta %v: Next() = %d; want < %d", theta, k, uint64(n))
			}
			if k == 0 {
				hits++
			}
		}
		mean, sd := draws*p0, math.Sqrt(draws*p0*(1-p0))
		if math.Abs(float64(hits)-mean) > 4*sd {
			t.Errorf("theta %v: rank 0 drawn %d times in %d; want %.0f ± %.0f", theta, hits, draws, mean, 4*sd)
		}
	}
}

// TestZipfLargeTheta checks that extreme skews stay in range and put
// nearly every draw on rank 0.
func TestZipfLargeTheta(t *testing.T) {
	for _, theta := range []float64{10, 50, 300} {
		z, err := NewZipf(1_000_000, theta, false)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRand(7, 0)
		for range 10_000 {
			if k := z.Next(r); k > 1 {
				t.Fatalf("theta %v: Next() = %d; want rank 0 or 1 (P(rank >= 2) < 1e-3)", theta, k)
			}
		}
	}
}

// TestZipfHugestN checks that ranks stay in range when float64(n) rounds
// n up to 2⁶⁴.
func TestZipfHugestN(t *testing.T) {
	for _, theta := range []float64{0.01, 0.99, 1, 1.01} {
		for _, scrambled := range []bool{false, true} {
			z, err := NewZipf(math.MaxUint64, theta, scrambled)
			if err != nil {
				t.Fatal(err)
			}
			r := NewRand(8, 0)
			for range 10_000 {
				if k := z.Next(r); k == math.MaxUint64 {
					t.Fatalf("theta %v: Next() = %d; want < %d", theta, k, uint64(math.MaxUint64))
				}
			}
		}
	}
}
