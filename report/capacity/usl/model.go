package usl

import "math"

// Point is one measurement: N units (replicas, nodes or closed-loop
// clients; may be fractional when derived by Little's law) sustained a
// throughput of X operations per second.
type Point struct {
	N, X float64
}

// Model is one set of USL coefficients. Sigma (σ, contention) and Kappa
// (κ, coherency) are dimensionless; Lambda (λ) is the throughput of one
// unit, in the units of the points it was fitted to. A Model is a value and
// safe for concurrent use.
type Model struct {
	Sigma, Kappa, Lambda float64
}

// denom is D(n) = 1 + σ(n−1) + κn(n−1), the USL's denominator, summed as
// (1−σ) + σn + κn(n−1): 1−σ is exact for σ near 1, where 1 + σ(n−1) would
// lose every digit of a small D at small n.
func (m Model) denom(n float64) float64 {
	return (1 - m.Sigma) + m.Sigma*n + m.Kappa*n*(n-1)
}

// X returns the throughput the model predicts at n units:
// λn / (1 + σ(n−1) + κn(n−1)).
func (m Model) X(n float64) float64 {
	return m.Lambda * n / m.denom(n)
}

// Efficiency returns X(n)/(λn) = 1/D(n): the share of n units' linear
// throughput that the model keeps at n units (1 when scaling is linear).
func (m Model) Efficiency(n float64) float64 {
	return 1 / m.denom(n)
}

// Peak returns the concurrency N* = sqrt((1−σ)/κ) at which the model's
// throughput peaks and the throughput xMax = X(N*) there, computed as
// λ/(σ − κ + 2·sqrt(κ(1−σ))), which is the same number without the
// rounding of evaluating X at an irrational N*.
//
// When κ = 0 there is no peak: ok is false, nStar is +Inf and xMax is the
// asymptote λ/σ (+Inf as well when σ = 0, i.e. linear scaling). When the
// denominator above is not positive (κ ≥ 1 with σ near 1, where D(n) has a
// root between 0 and 1) the supremum is unbounded and xMax is +Inf.
func (m Model) Peak() (nStar, xMax float64, ok bool) {
	if m.Kappa <= 0 {
		return math.Inf(1), m.Lambda / m.Sigma, false
	}
	nStar = math.Sqrt((1 - m.Sigma) / m.Kappa)
	den := m.Sigma - m.Kappa + 2*math.Sqrt(m.Kappa*(1-m.Sigma))
	if den <= 0 {
		return nStar, math.Inf(1), true
	}
	return nStar, m.Lambda / den, true
}

// N returns the smallest real n ≥ 0 with X(n) = t: the number of units
// (before rounding up) that a target throughput t needs. It is the smaller
// root of tκ·n² + (tσ − tκ − λ)·n + t(1−σ) = 0 (capacity method §3.4):
//
//	B = λ − tσ + tκ
//	n = (B − sqrt(B² − 4t²κ(1−σ))) / (2tκ)    κ > 0
//	n = t(1−σ) / (λ − tσ)                      κ = 0
//
// evaluated in the algebraically equal form 2(1−σ)/(b + sqrt(b² −
// 4κ(1−σ))) with b = B/t, which has no cancellation when κ is small and
// reduces to the κ = 0 formula exactly. ok is false when t is
// unattainable by scaling out: t > X_max when κ > 0, t ≥ λ/σ when κ = 0
// (the asymptote is never reached), or t negative or NaN. N(0) is 0.
func (m Model) N(t float64) (n float64, ok bool) {
	switch {
	case t == 0:
		return 0, true
	case !(t > 0):
		return 0, false
	}
	_, xMax, peak := m.Peak()
	// The same Peak arithmetic decides attainability, so that "no root"
	// holds exactly when t > X_max and never disagrees with Peak by one
	// rounding.
	if peak && t > xMax || !peak && t >= xMax {
		return 0, false
	}
	b := m.Lambda/t - m.Sigma + m.Kappa
	r := 2 * math.Sqrt(m.Kappa*(1-m.Sigma))
	// b² − 4κ(1−σ) factored as (b−r)(b+r): less cancellation near X_max.
	disc := max((b-r)*(b+r), 0)
	n = 2 * (1 - m.Sigma) / (b + math.Sqrt(disc))
	if math.IsNaN(n) || n < 0 {
		return 0, false
	}
	return n, true
}
