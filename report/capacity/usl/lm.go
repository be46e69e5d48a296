package usl

import "math"

// Levenberg–Marquardt settings (capacity method §3.3 step 3 and §10).
const (
	lmMu0      = 1e-3  // initial damping
	lmMuMax    = 1e20  // give up once a step this damped still fails
	lmMuMin    = 1e-15 // keep the damping from underflowing after many accepted steps
	lmRelTol   = 1e-12 // stop when an accepted step lowers the SSE by less than this fraction
	lmMaxIters = 500
)

// Parameter indices in a params vector.
const (
	iSigma = iota
	iKappa
	iLambda
)

// params is (σ, κ, λ) as one vector for the solver.
type params [3]float64

func (p params) model() Model { return Model{Sigma: p[iSigma], Kappa: p[iKappa], Lambda: p[iLambda]} }

// bounds is the box the solver projects onto. The fit uses σ ∈ [0,1],
// κ ≥ 0, λ > 0; the superlinearity refit lowers σ's floor.
type bounds struct {
	lo, hi params
}

// project clamps p into the box.
func (b bounds) project(p params) params {
	for j := range p {
		p[j] = min(max(p[j], b.lo[j]), b.hi[j])
	}
	return p
}

// sse returns Σ (x_i − X(n_i))² at p, or +Inf when the model is not valid
// at some point (D ≤ 0, where the USL has a pole) or the sum is not finite.
// Rejecting such steps keeps every accepted estimate usable for N in the
// data's range, including fractional N below 1.
func sse(ns, xs []float64, p params) float64 {
	m := p.model()
	s := 0.0
	for i, n := range ns {
		d := m.denom(n)
		if !(d > 0) {
			return math.Inf(1)
		}
		r := xs[i] - m.Lambda*n/d
		s += r * r
	}
	if math.IsNaN(s) {
		return math.Inf(1)
	}
	return s
}

// normal accumulates the Gauss–Newton normal equations at p: a = JᵀJ and
// g = Jᵀr with the analytic Jacobian
//
//	∂X/∂σ = −λn(n−1)/D²   ∂X/∂κ = −λn²(n−1)/D²   ∂X/∂λ = n/D
//
// and r = x − X(n). It allocates nothing: rows are used as they are made.
func normal(ns, xs []float64, p params) (a [3][3]float64, g params) {
	m := p.model()
	for i, n := range ns {
		d := m.denom(n)
		f := n / d
		r := xs[i] - m.Lambda*f
		js := -m.Lambda * f * (n - 1) / d
		row := params{js, js * n, f}
		for j := range row {
			g[j] += row[j] * r
			for k := range row {
				a[j][k] += row[j] * row[k]
			}
		}
	}
	return a, g
}

// fitLM minimises the SSE from p inside b by Levenberg–Marquardt with
// Marquardt scaling μ·diag(JᵀJ), μ0 = 1e-3, ×10 on a rejected step and
// ÷10 on an accepted one, projection onto the box after each step, and a
// stop when the relative SSE change falls below 1e-12 or after 500
// iterations. p must be valid (finite SSE); the result is then valid too,
// because only steps that lower the SSE are taken.
func fitLM(ns, xs []float64, p params, b bounds) (params, float64) {
	p = b.project(p)
	s := sse(ns, xs, p)
	if math.IsInf(s, 1) {
		return p, s
	}
	a, g := normal(ns, xs, p)
	mu := lmMu0
	for range lmMaxIters {
		if s == 0 {
			break
		}
		q := b.project(addStep(p, boundedStep(a, g, mu, p, b)))
		sq := sse(ns, xs, q)
		if !(sq < s) {
			mu *= 10
			if mu > lmMuMax {
				break
			}
			continue
		}
		rel := (s - sq) / s
		p, s = q, sq
		mu = max(mu/10, lmMuMin)
		if rel < lmRelTol {
			break
		}
		a, g = normal(ns, xs, p)
	}
	return p, s
}

func addStep(p, d params) params {
	for j := range p {
		p[j] += d[j]
	}
	return p
}

// boundedStep solves the damped normal equations for the step, holding at
// zero every parameter that sits on a bound the step would cross (an
// active set). Without that, clipping the coupled step of a parameter
// whose optimum is on its bound (κ = 0 for a contention-only system)
// leaves the other two with a step meant for a different κ, and the
// convergence slows from quadratic to crawling.
func boundedStep(a [3][3]float64, g params, mu float64, p params, b bounds) params {
	var fixed [3]bool
	var d params
	// Each pass fixes at least one more parameter, so len(p)+1 passes end it.
	for range len(p) + 1 {
		var ok bool
		d, ok = dampedSolve(a, g, mu, fixed)
		if !ok {
			return params{}
		}
		again := false
		for j := range d {
			if fixed[j] {
				continue
			}
			if p[j] <= b.lo[j] && d[j] < 0 || p[j] >= b.hi[j] && d[j] > 0 {
				fixed[j], again = true, true
			}
		}
		if !again {
			break
		}
	}
	return d
}

// dampedSolve solves (JᵀJ + μ·diag(JᵀJ)) d = Jᵀr for the free parameters.
// It equilibrates first (variables scaled by sqrt(diag(JᵀJ))): the κ column
// of the Jacobian is about N² times the λ column, and the unscaled system
// would lose most of its digits to that, not to the problem.
func dampedSolve(a [3][3]float64, g params, mu float64, fixed [3]bool) (params, bool) {
	var c [3][3]float64
	var h, s params
	for j := range s {
		if a[j][j] > 0 && !fixed[j] {
			s[j] = math.Sqrt(a[j][j])
		}
	}
	for j := range c {
		if s[j] == 0 {
			// Fixed, or a column of zeros: the parameter does not move.
			c[j][j] = 1
			continue
		}
		h[j] = g[j] / s[j]
		for k := range c {
			if s[k] != 0 {
				c[j][k] = a[j][k] / (s[j] * s[k])
			}
		}
		c[j][j] += mu * c[j][j]
	}
	y, ok := solve3(c, h)
	if !ok {
		return params{}, false
	}
	for j := range y {
		if s[j] != 0 {
			y[j] /= s[j]
		}
	}
	return y, true
}

// solve3 solves c·y = h by Gaussian elimination with partial pivoting; ok
// is false when c is singular or the answer is not finite.
func solve3(c [3][3]float64, h params) (params, bool) {
	for col := range 3 {
		piv := col
		for r := col + 1; r < 3; r++ {
			if math.Abs(c[r][col]) > math.Abs(c[piv][col]) {
				piv = r
			}
		}
		if c[piv][col] == 0 || math.IsNaN(c[piv][col]) {
			return params{}, false
		}
		c[col], c[piv] = c[piv], c[col]
		h[col], h[piv] = h[piv], h[col]
		for r := col + 1; r < 3; r++ {
			f := c[r][col] / c[col][col]
			for k := col; k < 3; k++ {
				c[r][k] -= f * c[col][k]
			}
			h[r] -= f * h[col]
		}
	}
	var y params
	for r := 2; r >= 0; r-- {
		v := h[r]
		for k := r + 1; k < 3; k++ {
			v -= c[r][k] * y[k]
		}
		y[r] = v / c[r][r]
		if math.IsNaN(y[r]) || math.IsInf(y[r], 0) {
			return params{}, false
		}
	}
	return y, true
}

// inverse3 returns the inverse of the symmetric positive semi-definite a,
// equilibrated like dampedSolve; ok is false when a is singular.
func inverse3(a [3][3]float64) ([3][3]float64, bool) {
	var inv [3][3]float64
	var s params
	for j := range s {
		if !(a[j][j] > 0) {
			return inv, false
		}
		s[j] = math.Sqrt(a[j][j])
	}
	var c [3][3]float64
	for j := range c {
		for k := range c {
			c[j][k] = a[j][k] / (s[j] * s[k])
		}
	}
	for k := range 3 {
		var e params
		e[k] = 1
		y, ok := solve3(c, e)
		if !ok {
			return inv, false
		}
		for j := range y {
			inv[j][k] = y[j] / (s[j] * s[k])
		}
	}
	return inv, true
}
