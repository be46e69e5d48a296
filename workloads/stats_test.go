package workloads

import (
	"math"
	"sort"
	"testing"
)

// Goodness-of-fit helpers shared by the tests. Every test that uses them
// runs from a fixed seed, so a test either always passes or always fails;
// the significance level only says how unlikely a correct implementation
// was to fail at the seed chosen.

// zCritical is the standard normal quantile for p = 0.001, one-sided.
const zCritical = 3.090232

// chiSquareQuantile returns the quantile of χ² with df degrees of freedom
// at the standard normal quantile z, by the Wilson–Hilferty approximation
// (within 1% of the exact value for df >= 3 at z = ±3.09).
func chiSquareQuantile(df int, z float64) float64 {
	k := float64(df)
	c := 2 / (9 * k)
	return k * math.Pow(1-c+z*math.Sqrt(c), 3)
}

// chiSquare returns Pearson's statistic for counts against probabilities
// and its degrees of freedom. Adjacent bins are pooled until each expects
// at least 5 observations. It fails t when a bin of probability 0 was hit.
func chiSquare(t *testing.T, counts []int, probs []float64) (stat float64, df int) {
	t.Helper()
	total := 0
	for _, c := range counts {
		total += c
	}
	var obs, exp float64
	bins := 0
	for i, c := range counts {
		if probs[i] == 0 && c > 0 {
			t.Fatalf("bin %d has probability 0 but was hit %d times", i, c)
		}
		obs += float64(c)
		exp += probs[i] * float64(total)
		if exp >= 5 || i == len(counts)-1 {
			if exp > 0 {
				stat += (obs - exp) * (obs - exp) / exp
				bins++
			}
			obs, exp = 0, 0
		}
	}
	return stat, bins - 1
}

// checkFit fails t unless counts fit probs at p = 0.001.
func checkFit(t *testing.T, counts []int, probs []float64) {
	t.Helper()
	stat, df := chiSquare(t, counts, probs)
	if crit := chiSquareQuantile(df, zCritical); stat > crit {
		t.Errorf("chi-square = %.1f with %d degrees of freedom; want <= %.1f (p = 0.001)", stat, df, crit)
	}
}

// ksExp returns the Kolmogorov–Smirnov distance between the sample xs and
// the exponential distribution of the given rate. It sorts xs.
func ksExp(xs []float64, rate float64) float64 {
	sort.Float64s(xs)
	n := float64(len(xs))
	var d float64
	for i, x := range xs {
		f := -math.Expm1(-rate * x)
		d = max(d, float64(i+1)/n-f, f-float64(i)/n)
	}
	return d
}

// ksCritical is the asymptotic p = 0.001 critical value of the KS distance
// for n samples: sqrt(ln(2/0.001)/2)/sqrt(n).
func ksCritical(n int) float64 { return 1.9495 / math.Sqrt(float64(n)) }

// normalised returns ws divided by their sum.
func normalised(ws []float64) []float64 {
	var sum float64
	for _, w := range ws {
		sum += w
	}
	out := make([]float64, len(ws))
	for i, w := range ws {
		out[i] = w / sum
	}
	return out
}
