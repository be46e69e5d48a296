package workloads

import (
	"math"
	"math/big"
	"testing"
)

// bigExp returns e^x to about 100 bits: e^x = (e^(x/2⁴⁰))^(2⁴⁰), with the
// small power from its Taylor series.
func bigExp(x float64) float64 {
	const prec = 200
	y := new(big.Float).SetPrec(prec).SetFloat64(x)
	y.SetMantExp(y, -40)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for i := int64(1); i < 12; i++ {
		term.Mul(term, y)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(i))
		sum.Add(sum, term)
	}
	for range 40 {
		sum.Mul(sum, sum)
	}
	f, _ := sum.Float64()
	return f
}

// ulps returns |got - want| in units in the last place of want.
func ulps(got, want float64) float64 {
	return math.Abs(got-want) / (math.Nextafter(want, math.Inf(1)) - want)
}

func TestFastExpAccuracy(t *testing.T) {
	r := NewRand(30, 0)
	var worst, worstMath float64
	xs := []float64{0, -1e-300, 1e-300, -1e-9, -0.5, -math.Ln2, -1, 1, -13.1, -45, 45, -100, -707.9, 708.9}
	for range 3000 {
		xs = append(xs, -708*r.Float64(), -50*r.Float64(), 50*r.Float64(), 2*r.Float64()-1, 709*r.Float64())
	}
	for _, x := range xs {
		want := bigExp(x)
		got := fastExp(x)
		if u := ulps(got, want); u > 1 {
			t.Errorf("fastExp(%v) = %v; want %v (off by %.2f ulp)", x, got, want, u)
		}
		worst = max(worst, ulps(got, want))
		worstMath = max(worstMath, ulps(math.Exp(x), want))
	}
	t.Logf("worst error %.2f ulp (math.Exp: %.2f ulp)", worst, worstMath)
	for _, x := range []float64{-708.5, -1000, math.Inf(-1)} {
		if got := fastExp(x); got != 0 {
			t.Errorf("fastExp(%v) = %v; want 0", x, got)
		}
	}
	for _, x := range []float64{710, math.Inf(1)} {
		if got := fastExp(x); !math.IsInf(got, 1) {
			t.Errorf("fastExp(%v) = %v; want +Inf", x, got)
		}
	}
	if got := fastExp(math.NaN()); !math.IsNaN(got) {
		t.Errorf("fastExp(NaN) = %v; want NaN", got)
	}
}
