package queueing

import "math"

// mstTolerance is the relative width at which MST stops bisecting. The
// capacity tests need 1e-9; the extra digits cost about ten more tail
// evaluations and keep MST well inside any test's tolerance.
const mstTolerance = 1e-12

// ResponseTail returns P(T > t), the chance that the response time T
// (queueing wait plus service) of an M/M/c queue exceeds t seconds, for c
// servers each of rate mu per second and Poisson arrivals at lambda per
// second (capacity-method.md §4.2):
//
//	P(T > t) = (1−C)·e^{−μt} + C·(θ·e^{−μt} − μ·e^{−θt})/(θ − μ),  θ = cμ − λ
//
// where C is [ErlangC]. The second term is the tail of the sum of two
// exponentials; it is evaluated in a form that stays exact when θ = μ,
// where it becomes C·(1+μt)·e^{−μt}, and accurate when θ is within rounding
// of μ. An unstable queue (lambda ≥ c·mu) returns 1, and so does t ≤ 0.
// It returns NaN when an argument is NaN, c < 1, mu ≤ 0 or lambda < 0.
func ResponseTail(c int, lambda, mu, t float64) float64 {
	if !validQueue(c, lambda, mu) || math.IsNaN(t) {
		return math.NaN()
	}
	theta := float64(c)*mu - lambda
	if theta <= 0 || t <= 0 {
		return 1
	}
	return tail(ErlangC(c, lambda/mu), mu, theta, t)
}

// ResponseQuantile returns the q-quantile of the response time of an M/M/c
// queue in seconds: the smallest t with P(T > t) ≤ 1 − q, for c servers of
// rate mu per second and Poisson arrivals at lambda per second. It brackets
// the root from the service-time quantile ln(1/(1−q))/μ, a lower bound
// since T ≥ the service time, and bisects [ResponseTail] to full float64
// precision. It returns +Inf when lambda ≥ c·mu (the queue grows without
// bound) or q = 1, 0 when q = 0, and NaN when an argument is NaN, q lies
// outside [0, 1], c < 1, mu ≤ 0 or lambda < 0.
func ResponseQuantile(c int, lambda, mu, q float64) float64 {
	if !validQueue(c, lambda, mu) || math.IsNaN(q) || q < 0 || q > 1 {
		return math.NaN()
	}
	theta := float64(c)*mu - lambda
	switch {
	case q == 0:
		return 0
	case q == 1 || theta <= 0:
		return math.Inf(1)
	}
	cw := ErlangC(c, lambda/mu)
	p := 1 - q
	lo := -math.Log1p(-q) / mu
	if cw == 0 {
		return lo // no arrival waits: T is the service time
	}
	hi := 2 * lo
	for tail(cw, mu, theta, hi) > p {
		if math.IsInf(hi, 1) {
			return hi
		}
		lo, hi = hi, 2*hi
	}
	// Invariant: tail(lo) > p ≥ tail(hi). Stop when no float64 lies
	// strictly between them.
	for {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			return hi
		}
		if tail(cw, mu, theta, mid) > p {
			lo = mid
		} else {
			hi = mid
		}
	}
}

// MST returns the maximum sustainable throughput, in arrivals per second,
// of an M/M/c queue with c servers of rate mu per second against the SLO
// "q-quantile of response time ≤ limit seconds": the largest λ whose
// [ResponseQuantile] is at most limit (§4.2, the truth of the drivers/sim
// mmc target in §9.1). It bisects λ on [0, c·mu) to 1e-12 relative and
// returns the passing end of the final bracket, so, up to rounding in the
// tail, the result never exceeds the true MST. Because P(T > t) rises with λ at every t, each
// step tests ResponseTail(c, λ, mu, limit) ≤ 1 − q, one tail evaluation
// instead of a nested quantile search.
//
// It returns 0 when even λ → 0 fails (limit below the service-time
// quantile ln(1/(1−q))/μ, or limit ≤ 0), and NaN when an argument is NaN,
// c < 1, mu ≤ 0, or q lies outside (0, 1).
func MST(c int, mu, q, limit float64) float64 {
	if !validQueue(c, 0, mu) || math.IsNaN(q) || q <= 0 || q >= 1 || math.IsNaN(limit) {
		return math.NaN()
	}
	if limit <= 0 {
		return 0
	}
	p := 1 - q
	pass := func(lambda float64) bool {
		theta := float64(c)*mu - lambda
		return tail(ErlangC(c, lambda/mu), mu, theta, limit) <= p
	}
	if !pass(0) {
		return 0
	}
	lo, hi := 0.0, float64(c)*mu // pass(lo) holds; hi is unstable, so fails
	for hi-lo > mstTolerance*hi {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if pass(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// MM1MST returns the maximum sustainable throughput of an M/M/1 queue in
// closed form, μ − ln(1/(1−q))/limit, arrivals per second for a server of
// rate mu per second and the SLO "q-quantile ≤ limit seconds". An M/M/1
// response time is exponential with rate μ − λ, so its q-quantile is
// ln(1/(1−q))/(μ−λ). For μ = 200/s, q = 0.99 and limit = 50 ms it is
// 107.90 ops/s. MM1MST returns 0 where that expression is negative (no
// rate meets the SLO), and NaN when an argument is NaN, mu ≤ 0, or q lies
// outside (0, 1).
func MM1MST(mu, q, limit float64) float64 {
	if math.IsNaN(mu) || math.IsNaN(q) || math.IsNaN(limit) || mu <= 0 || q <= 0 || q >= 1 {
		return math.NaN()
	}
	if limit <= 0 {
		return 0
	}
	return math.Max(0, mu+math.Log1p(-q)/limit)
}

// validQueue reports whether c, lambda and mu describe a queue at all
// (stability aside).
func validQueue(c int, lambda, mu float64) bool {
	return c >= 1 && !math.IsNaN(lambda) && !math.IsNaN(mu) && lambda >= 0 && mu > 0 && !math.IsInf(mu, 1)
}

// tail is P(T > t) for t > 0 given the Erlang C probability cw, the service
// rate mu and the wait rate theta = cμ − λ > 0.
//
// Subtleness ahead: the textbook term (θe^{−μt} − μe^{−θt})/(θ − μ) is
// 0/0 at θ = μ and cancels catastrophically near it. It is symmetric in θ
// and μ, so with m = min(θ, μ) and d = |θ − μ| ≥ 0 it equals
// e^{−mt}·(1 + m·t·h(d·t)) with h(x) = (1 − e^{−x})/x = −expm1(−x)/x,
// where h(0) = 1, h falls smoothly to 0, and no exponential grows.
func tail(cw, mu, theta, t float64) float64 {
	if math.IsInf(t, 1) {
		return 0
	}
	m, d := mu, theta-mu
	if theta < mu {
		m, d = theta, mu-theta
	}
	h := 1.0
	if x := d * t; x > 0 {
		h = -math.Expm1(-x) / x
	}
	both := math.Exp(-m*t) * (1 + m*t*h)
	return math.Min(1, (1-cw)*math.Exp(-mu*t)+cw*both)
}
