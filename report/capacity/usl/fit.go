package usl

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Minimum data for a fit (capacity method §3.2 and §10; codahale/usl,
// usl4j and the R package usl all refuse or warn below 6 points).
const (
	MinPoints   = 6 // points, repeats of an N included
	MinDistinct = 4 // distinct values of N
	MinSpan     = 4 // N_max / N_min
)

// DefaultBootstrap is the number of residual-bootstrap replicates that
// [Options] asks for when Bootstrap is 0.
const DefaultBootstrap = 200

// The range of N and X that FitPoints accepts. No pod count or
// concurrency comes near 1e9, nor a throughput near 1e150 ops/s; the
// limits keep N⁴ (the κ column of JᵀJ) and sums of X² finite in float64.
const (
	minN = 1e-6
	maxN = 1e9
	maxX = 1e150
)

// ErrTooFewPoints is returned, wrapped with a sentence that says what is
// missing, when the points do not meet the minimum data: fewer than
// [MinPoints] points, fewer than [MinDistinct] distinct N, or
// N_max < [MinSpan]·N_min.
var ErrTooFewPoints = errors.New("too few points to fit the USL")

// ErrInvalidPoint is returned, wrapped with the point's index and value,
// when a point's N is not in [1e-6, 1e9] or its X is not in (0, 1e150]
// (NaN and infinities included).
var ErrInvalidPoint = errors.New("invalid point")

// Options tunes [FitPoints]. The zero value is the default.
type Options struct {
	// Bootstrap is the number of residual-bootstrap replicates: 0 means
	// DefaultBootstrap (200), a negative number means none (CI95 is then
	// NaN and Replicates empty).
	Bootstrap int
	// Seed seeds the bootstrap's PCG generator; the same points and seed
	// give the same Fit, bit for bit.
	Seed uint64
}

// Fit is the result of [FitPoints]: the bounded least-squares estimate,
// its uncertainty and its diagnostics. Throughputs (Lambda, SE.Lambda,
// SSE, Residuals) are in the units of the points. Nothing changes a Fit
// after FitPoints returns, so it is safe for concurrent reads.
type Fit struct {
	// Model is the bounded Levenberg–Marquardt estimate of σ, κ and λ.
	Model
	// SE holds the standard errors of σ, κ and λ,
	// sqrt(diag((JᵀJ)⁻¹)·SSE/(n−3)); NaN when JᵀJ is singular.
	SE Model
	// CI95 holds the bootstrap 95 % intervals of σ, κ and λ, in that order;
	// NaN when the bootstrap was turned off.
	CI95 [3][2]float64
	// R2 is 1 − SSE/SST; SSE is the sum of squared residuals.
	R2, SSE float64
	// Residuals are X_i − X(N_i), in input order.
	Residuals []float64
	// Points is a copy of the input.
	Points []Point
	// NMin and NMax are the smallest and largest N measured.
	NMin, NMax float64
	// Replicates are the bootstrap fits, for intervals on derived numbers
	// with [Fit.Interval].
	Replicates []Model
	// Identified says whether N* is identified by the data (§3.6): the
	// fit has a peak (κ > 0) and either the measured throughput stops
	// rising inside the data (the highest mean X is at N ≤ 0.8·N_max) or
	// N_max ≥ 0.5·N*. When false, N* is only known to exceed N_max and
	// X_max to exceed the highest X measured.
	Identified bool
	// Superlinear says whether the data look superlinear (§3.3 step 6).
	Superlinear bool
	// Warnings are full sentences about anything above that limits what
	// the fit can be used for.
	Warnings []string
}

// FitPoints fits the USL to pts by bounded non-linear least squares on the
// original scale (capacity method §3.3). Repeats of an N are kept as
// separate samples. It returns an error wrapping [ErrInvalidPoint] or
// [ErrTooFewPoints] when the points cannot support a fit; otherwise the
// Fit carries its own warnings. The result depends only on pts and
// opts, never on the clock or a global generator.
func FitPoints(pts []Point, opts Options) (*Fit, error) {
	if err := validate(pts); err != nil {
		return nil, err
	}
	f := &Fit{Points: slices.Clone(pts)}
	ns := make([]float64, len(pts))
	xs := make([]float64, len(pts))
	// Fit X/scale: every X becomes ≤ 1, so the solver sees the same
	// numbers whatever the units (σ and κ do not change; λ scales).
	scale := 0.0
	f.NMin, f.NMax = math.Inf(1), 0
	for _, p := range pts {
		scale = max(scale, p.X)
		f.NMin, f.NMax = min(f.NMin, p.N), max(f.NMax, p.N)
	}
	for i, p := range pts {
		ns[i], xs[i] = p.N, p.X/scale
	}
	box := fitBounds(ns, xs)
	p, _ := fitLM(ns, xs, start(ns, xs, box), box)
	f.Model = unscale(p, scale)
	f.summarise(ns, xs, p, scale)
	reps := opts.Bootstrap
	if reps == 0 {
		reps = DefaultBootstrap
	}
	f.bootstrap(ns, xs, p, box, scale, reps, opts.Seed)
	f.diagnose(ns, xs, p, box)
	return f, nil
}

// validate checks the points one by one, then the minimum-data rules.
func validate(pts []Point) error {
	for i, p := range pts {
		if !(p.N >= minN && p.N <= maxN) {
			return fmt.Errorf("point %d has N = %g, outside [%g, %g]: %w", i, p.N, minN, maxN, ErrInvalidPoint)
		}
		if !(p.X > 0 && p.X <= maxX) {
			return fmt.Errorf("point %d has X = %g, outside (0, %g]: %w", i, p.X, maxX, ErrInvalidPoint)
		}
	}
	if len(pts) < MinPoints {
		return fmt.Errorf("need at least %d points, got %d: %w", MinPoints, len(pts), ErrTooFewPoints)
	}
	distinct := make(map[float64]struct{}, len(pts))
	nMin, nMax := math.Inf(1), 0.0
	for _, p := range pts {
		distinct[p.N] = struct{}{}
		nMin, nMax = min(nMin, p.N), max(nMax, p.N)
	}
	if len(distinct) < MinDistinct {
		return fmt.Errorf("need at least %d distinct N, got %d: %w", MinDistinct, len(distinct), ErrTooFewPoints)
	}
	if nMax < MinSpan*nMin {
		return fmt.Errorf("need N_max ≥ %d·N_min, got N_max = %g and N_min = %g: %w", MinSpan, nMax, nMin, ErrTooFewPoints)
	}
	return nil
}

// fitBounds is the box of the fit: σ ∈ [0,1], κ ≥ 0, λ > 0. λ's floor and
// ceiling (1e-12 and 1e15 times the start λ0 = max X/N) stand for "> 0"
// and "finite": no data that pass validate put the optimum near them, and
// they keep a degenerate fit from running λ off to an overflow.
func fitBounds(ns, xs []float64) bounds {
	l0 := lambda0(ns, xs)
	return bounds{
		lo: params{0, 0, 1e-12 * l0},
		hi: params{1, math.Inf(1), 1e15 * l0},
	}
}

// lambda0 is max X/N, the start for λ used by codahale/usl, usl4j and R usl.
func lambda0(ns, xs []float64) float64 {
	l := 0.0
	for i, n := range ns {
		l = max(l, xs[i]/n)
	}
	return l
}

// start is the starting point of §3.3 step 2: λ0 = max X/N, then
// Gunther's linearisation C = X/λ0, x = N−1, y = N/C − 1, which the USL
// turns into y = κx² + (σ+κ)x, fitted through the origin by its 2×2
// normal equations: κ0 = max(a, 0), σ0 = clamp(b − a, 0, 1). When that
// start puts a pole of the model inside the data (possible for N < 1),
// the fit starts from σ = κ = 0 instead, where D = 1 everywhere.
func start(ns, xs []float64, box bounds) params {
	l0 := lambda0(ns, xs)
	var s4, s3, s2, sxy, sx2y float64
	for i, n := range ns {
		x := n - 1
		y := n*l0/xs[i] - 1
		s2 += x * x
		s3 += x * x * x
		s4 += x * x * x * x
		sxy += x * y
		sx2y += x * x * y
	}
	p := params{0, 0, l0}
	if det := s4*s2 - s3*s3; det != 0 {
		a := (sx2y*s2 - s3*sxy) / det
		b := (s4*sxy - s3*sx2y) / det
		p[iKappa] = max(a, 0)
		p[iSigma] = min(max(b-a, 0), 1)
	}
	p = box.project(p)
	if math.IsInf(sse(ns, xs, p), 1) {
		p = params{0, 0, l0}
	}
	return p
}

// unscale turns scaled parameters back into the points' units.
func unscale(p params, scale float64) Model {
	m := p.model()
	m.Lambda *= scale
	return m
}

// summarise fills the residuals, SSE, R² and standard errors.
func (f *Fit) summarise(ns, xs []float64, p params, scale float64) {
	f.Residuals = make([]float64, len(f.Points))
	mean := 0.0
	for _, pt := range f.Points {
		mean += pt.X / float64(len(f.Points))
	}
	sst := 0.0
	for i, pt := range f.Points {
		f.Residuals[i] = pt.X - f.X(pt.N)
		f.SSE += f.Residuals[i] * f.Residuals[i]
		sst += (pt.X - mean) * (pt.X - mean)
	}
	switch {
	case sst > 0:
		f.R2 = 1 - f.SSE/sst
	case f.SSE <= 1e-20*mean*mean*float64(len(f.Points)):
		// Every X equal and fitted to rounding (σ = 1, κ = 0).
		f.R2 = 1
	}
	se := standardErrors(ns, xs, p)
	f.SE = Model{Sigma: se[iSigma], Kappa: se[iKappa], Lambda: se[iLambda] * scale}
}

// standardErrors returns sqrt(diag((JᵀJ)⁻¹)·SSE/(n−3)) at p, as R usl
// computes them from the gradient; NaN when JᵀJ is singular.
func standardErrors(ns, xs []float64, p params) params {
	a, _ := normal(ns, xs, p)
	inv, ok := inverse3(a)
	if !ok {
		return params{math.NaN(), math.NaN(), math.NaN()}
	}
	s2 := sse(ns, xs, p) / float64(len(ns)-3)
	var se params
	for j := range se {
		se[j] = math.Sqrt(inv[j][j] * s2)
	}
	return se
}
