package usl

import (
	"math"
	"math/rand/v2"
	"slices"
)

// pcgStream is the second word of the bootstrap's PCG state; Options.Seed
// is the first. Any fixed constant does; this one is 2⁶⁴/φ.
const pcgStream = 0x9e3779b97f4a7c15

// bootstrap refits the model to reps resampled data sets: the fitted
// values plus residuals drawn with replacement (a residual bootstrap).
// The residuals are centred and inflated by sqrt(n/(n−3)) first, because
// least-squares residuals are smaller than the errors they estimate by
// about that factor with three fitted parameters; without it the
// intervals come out too narrow on the 6–15 points a sweep has. Each
// replicate starts from the estimate, which is close to its optimum.
func (f *Fit) bootstrap(ns, xs []float64, p params, box bounds, scale float64, reps int, seed uint64) {
	nan := [2]float64{math.NaN(), math.NaN()}
	f.CI95 = [3][2]float64{nan, nan, nan}
	if reps <= 0 {
		return
	}
	n := len(ns)
	m := p.model()
	// One allocation for the fitted values, the residuals and the
	// replicate's data.
	buf := make([]float64, 3*n)
	fitted, res, data := buf[:n], buf[n:2*n], buf[2*n:]
	mean := 0.0
	for i, v := range ns {
		fitted[i] = m.X(v)
		res[i] = xs[i] - fitted[i]
		mean += res[i] / float64(n)
	}
	inflate := math.Sqrt(float64(n) / float64(n-3))
	for i := range res {
		res[i] = (res[i] - mean) * inflate
	}
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	f.Replicates = make([]Model, reps)
	for r := range f.Replicates {
		for i := range data {
			data[i] = fitted[i] + res[rng.IntN(n)]
		}
		q, _ := fitLM(ns, data, p, box)
		f.Replicates[r] = unscale(q, scale)
	}
	f.CI95 = [3][2]float64{
		f.Interval(func(m Model) float64 { return m.Sigma }),
		f.Interval(func(m Model) float64 { return m.Kappa }),
		f.Interval(func(m Model) float64 { return m.Lambda }),
	}
}

// Interval returns the 2.5 % and 97.5 % percentiles of stat over the
// bootstrap replicates (linear interpolation between order statistics,
// R's type 7), skipping replicates where stat is NaN. Infinite values
// count: the N* of a replicate with κ = 0 is +Inf, and an upper bound of
// +Inf says the data allow no peak. Both ends are NaN when no replicate
// gives a number.
func (f *Fit) Interval(stat func(Model) float64) [2]float64 {
	vals := make([]float64, 0, len(f.Replicates))
	for _, m := range f.Replicates {
		if v := stat(m); !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return [2]float64{math.NaN(), math.NaN()}
	}
	slices.Sort(vals)
	return [2]float64{quantile(vals, 0.025), quantile(vals, 0.975)}
}

// quantile is R's type-7 quantile of sorted, NaN-free vals. It never
// multiplies a zero weight by an infinity, so an infinite neighbour does
// not turn a finite quantile into NaN.
func quantile(vals []float64, q float64) float64 {
	h := float64(len(vals)-1) * q
	lo := int(math.Floor(h))
	frac := h - float64(lo)
	if lo+1 >= len(vals) || frac == 0 || vals[lo] == vals[lo+1] {
		return vals[lo]
	}
	return vals[lo] + frac*(vals[lo+1]-vals[lo])
}
