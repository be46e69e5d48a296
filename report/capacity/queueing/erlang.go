package queueing

import "math"

// ErlangB returns the Erlang B blocking probability of c servers offered a
// load of a erlangs (a = λ/μ): the chance that an arrival finds every server
// busy in a loss system (M/M/c/c). It uses the stable recurrence
// B_0 = 1, B_k = a·B_{k−1}/(k + a·B_{k−1}), which neither overflows nor
// loses precision for large c or a; the cost is O(c). It returns NaN when
// c < 0, a < 0 or a is NaN, and 1 when a is +Inf.
func ErlangB(c int, a float64) float64 {
	switch {
	case c < 0 || a < 0 || math.IsNaN(a):
		return math.NaN()
	case math.IsInf(a, 1):
		return 1
	}
	b := 1.0
	for k := 1; k <= c; k++ {
		ab := a * b
		b = ab / (float64(k) + ab)
	}
	return b
}

// ErlangC returns the Erlang C probability that an arrival waits in an
// M/M/c queue with c servers offered a load of a erlangs (a = λ/μ, so the
// utilisation is ρ = a/c). It is computed from Erlang B as
// C = B/(1 − ρ + ρ·B), which is stable where the textbook sum of a^k/k!
// terms overflows. When a ≥ c the queue is unstable and every arrival
// waits, so ErlangC returns 1. It returns NaN when c < 0, a < 0 or a is NaN.
func ErlangC(c int, a float64) float64 {
	switch {
	case c < 0 || a < 0 || math.IsNaN(a):
		return math.NaN()
	case a >= float64(c):
		return 1
	}
	return erlangCFromB(ErlangB(c, a), a/float64(c))
}

// erlangCFromB turns Erlang B at utilisation rho < 1 into Erlang C.
func erlangCFromB(b, rho float64) float64 {
	return b / (1 - rho + rho*b)
}

// PoolSize returns the smallest number of servers c (connections, workers)
// with c > a whose Erlang C probability of waiting at an offered load of
// a erlangs is at most maxWait, together with that probability. For a
// client connection pool, a = X·S: the request rate times the mean time a
// request holds a connection (capacity-method.md §4.1). For example at an
// offered load of 0.82, 4 connections give P(wait) = 1.04 % and 5 give
// 0.16 %: a 1 % bound needs 5.
//
// The cost is O(c). PoolSize returns (0, NaN) when a or maxWait is NaN,
// when a is negative or infinite, or when maxWait ≤ 0 while a > 0 (the
// chance of waiting is then positive for every c).
func PoolSize(a, maxWait float64) (c int, pWait float64) {
	switch {
	case math.IsNaN(a) || math.IsNaN(maxWait) || a < 0 || math.IsInf(a, 1):
		return 0, math.NaN()
	case a == 0:
		return 1, 0
	case maxWait <= 0:
		return 0, math.NaN()
	}
	// Walk the Erlang B recurrence up to the first stable c, then on one
	// server at a time, so the whole search costs O(c) rather than O(c²).
	b := 1.0
	for k := 1; ; k++ {
		ab := a * b
		b = ab / (float64(k) + ab)
		if float64(k) <= a {
			continue
		}
		if p := erlangCFromB(b, a/float64(k)); p <= maxWait {
			return k, p
		}
	}
}
