package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Zipf picks keys in [0, n) by a zipfian law: rank k (0-based) is picked
// with probability proportional to 1/(k+1)^theta, so rank 0 is the hottest.
//
// For 0 < theta < 1 it uses the method of Gray et al., "Quickly generating
// billion-record synthetic databases" (SIGMOD 1994), exactly as YCSB's
// ZipfianGenerator does, so that a scenario written for YCSB's "zipfian"
// (theta 0.99) gets the same key popularity. That method is exact for ranks
// 0 and 1 and a continuous approximation beyond: at theta 0.99 a middle
// rank's probability can be up to about 20% off the pure zipfian one, while
// the total variation distance between the two laws stays under 2%. The
// tests pin the distribution it does produce. For theta >= 1, including 1,
// it uses Hörmann and Derflinger's rejection-inversion ("Rejection-inversion
// to generate variates from monotone discrete distributions", 1996), which
// is exact.
//
// When scrambled, the rank is hashed (FNV-1a 64 over its 8 little-endian
// bytes) modulo n, as YCSB's ScrambledZipfianGenerator does, so the hot keys
// are spread over the keyspace instead of packed at its start. Distinct
// ranks may then share a key, and some keys are never picked, as in YCSB.
//
// A Zipf is immutable after construction and safe for concurrent use.
type Zipf struct {
	n         uint64
	nf        float64 // float64(n)
	theta     float64
	scrambled bool
	gray      bool // theta < 1

	// Gray et al., theta < 1.
	zetan float64 // zeta(n, theta)
	half  float64 // 1 + 0.5^theta, the mass of ranks 0 and 1 times zetan
	alpha float64 // 1 / (1 - theta)
	eta   float64

	// Rejection-inversion, theta >= 1.
	hX1 float64 // hIntegral(1.5) - 1
	hN  float64 // hIntegral(n + 0.5)
	s   float64 // the squeeze: accept at once when k - x <= s
}

// NewZipf returns zipfian keys over [0, n), n >= 1, with skew theta: any
// finite theta > 0 (YCSB's default is 0.99). Construction costs O(1) time
// for any n, up to 10⁴ power evaluations for theta < 1.
func NewZipf(n uint64, theta float64, scrambled bool) (*Zipf, error) {
	if n == 0 {
		return nil, fmt.Errorf("zipf: key count %d; want n >= 1", n)
	}
	if !(theta > 0) || math.IsInf(theta, 1) {
		return nil, fmt.Errorf("zipf: theta %v; want a finite theta > 0", theta)
	}
	z := &Zipf{n: n, nf: float64(n), theta: theta, scrambled: scrambled, gray: theta < 1}
	if z.gray {
		z.initGray()
	} else {
		z.hX1 = z.hIntegral(1.5) - 1
		z.hN = z.hIntegral(z.nf + 0.5)
		z.s = 2 - z.hIntegralInverse(z.hIntegral(2.5)-z.h(2))
	}
	return z, nil
}

// initGray precomputes the constants of Gray et al.'s method.
func (z *Zipf) initGray() {
	z.zetan = zeta(z.n, z.theta)
	z.half = 1 + math.Pow(0.5, z.theta)
	z.alpha = 1 / (1 - z.theta)
	if z.n > 2 { // with n <= 2 the first two ranks take every draw
		// 1 - (2/n)^(1-theta), through expm1 to stay exact as theta -> 1.
		num := -math.Expm1((1 - z.theta) * math.Log(2/z.nf))
		z.eta = num / (1 - z.half/z.zetan)
	}
}

// Next returns a key in [0, n). It does not allocate.
func (z *Zipf) Next(r *rand.Rand) uint64 {
	var k uint64
	if z.gray {
		k = z.grayRank(r.Float64())
	} else {
		k = z.rejectionRank(r)
	}
	if z.scrambled {
		return fnv1a64(k) % z.n
	}
	return k
}

// Shard returns z: a stateless distribution is the same in every shard.
func (z *Zipf) Shard(int, int) Keys { return z }

// rank draws an unscrambled rank in [0, n).
func (z *Zipf) rank(r *rand.Rand) uint64 {
	if z.gray {
		return z.grayRank(r.Float64())
	}
	return z.rejectionRank(r)
}

// grayRank maps a uniform u in [0, 1) to a rank (YCSB ZipfianGenerator).
func (z *Zipf) grayRank(u float64) uint64 {
	// n · (eta·u - eta + 1)^alpha, with Pow spelled as Exp(Log) because the
	// base is in [0, 1] and math.Pow's general case costs several times as
	// much. The clamp only matters below the cut-offs of ranks 0 and 1.
	x := 1 - z.eta*(1-u)
	if x < 0 {
		x = 0
	}
	k := z.n - 1
	if v := z.nf * fastExp(z.alpha*math.Log(x)); v < z.nf {
		k = uint64(v) // in range even where float64(n) rounds n up
	}
	// Subtleness ahead: the two hottest ranks are selected after computing
	// the general case rather than by returning early. Draws land there at
	// random, and as conditional moves instead of mispredicted branches
	// they measured a little faster, although every draw pays for Log and
	// Exp.
	uz := u * z.zetan
	if uz < z.half {
		k = 1
	}
	if uz < 1 {
		k = 0
	}
	return k
}

// rejectionRank draws a rank by rejection-inversion (Apache Commons RNG's
// RejectionInversionZipfSampler). Only a few percent of the candidates
// are rejected (under 2% for theta from 1 to 10), so the loop runs about
// once.
func (z *Zipf) rejectionRank(r *rand.Rand) uint64 {
	for {
		u := z.hN + r.Float64()*(z.hX1-z.hN)
		x := z.hIntegralInverse(u)
		k := math.Floor(x + 0.5)
		k = min(max(k, 1), z.nf)
		if k-x <= z.s || u >= z.hIntegral(k+0.5)-z.h(k) {
			if k == z.nf { // float64(n) may exceed n, and even 2⁶⁴
				return z.n - 1
			}
			return uint64(k) - 1
		}
	}
}

// h is the unnormalised density x^-theta.
func (z *Zipf) h(x float64) float64 { return fastExp(-z.theta * math.Log(x)) }

// hIntegral is an antiderivative of h: (x^(1-theta) - 1)/(1-theta), and
// log(x) at theta == 1, written so that it is continuous in theta.
func (z *Zipf) hIntegral(x float64) float64 {
	logX := math.Log(x)
	return expm1OverX((1-z.theta)*logX) * logX
}

// hIntegralInverse inverts hIntegral.
func (z *Zipf) hIntegralInverse(x float64) float64 {
	// t < -1 only through rounding; clamp it into log1p's domain.
	t := max(x*(1-z.theta), -1)
	return fastExp(log1pOverX(t) * x)
}

// log1pOverX is log(1+x)/x, continuous at 0.
func log1pOverX(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Log1p(x) / x
	}
	return 1 - x*(1.0/2-x*(1.0/3-x/4))
}

// expm1OverX is (e^x - 1)/x, continuous at 0.
func expm1OverX(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Expm1(x) / x
	}
	return 1 + x/2*(1+x/3*(1+x/4))
}

// zetaExactTerms is how many terms of zeta are summed one by one; the rest
// come from the Euler–Maclaurin formula, whose error past 10⁴ terms is far
// below float64 rounding (the first omitted term is about 1e-30 of the sum).
const zetaExactTerms = 10_000

// zeta returns the generalised harmonic number H(n, theta) = sum of
// i^-theta for i = 1..n, in O(1) time for any n.
func zeta(n uint64, theta float64) float64 {
	m := min(n, zetaExactTerms)
	var sum float64
	for i := m; i >= 1; i-- { // smallest terms first, for accuracy
		sum += math.Pow(float64(i), -theta)
	}
	if n > m {
		sum += zetaTail(float64(m+1), float64(n), theta)
	}
	return sum
}

// zetaTail returns the sum of i^-theta for i = a..b by the Euler–Maclaurin
// formula, with the Bernoulli terms up to B6.
func zetaTail(a, b, theta float64) float64 {
	f := func(x, p float64) float64 { return math.Pow(x, -theta-p) }
	// Integral of x^-theta from a to b, stable as theta -> 1.
	l := math.Log(b / a)
	integral := f(a, -1) * l * expm1OverX((1-theta)*l)
	t := theta
	d1 := -t                     // f'(x) = d1·x^(-t-1)
	d3 := -t * (t + 1) * (t + 2) // f'''(x) = d3·x^(-t-3)
	d5 := d3 * (t + 3) * (t + 4) // f⁽⁵⁾(x) = d5·x^(-t-5)
	return integral + (f(a, 0)+f(b, 0))/2 +
		d1*(f(b, 1)-f(a, 1))/12 -
		d3*(f(b, 3)-f(a, 3))/720 +
		d5*(f(b, 5)-f(a, 5))/30240
}

// fnv1a64 is the FNV-1a 64-bit hash of v's 8 bytes, low byte first, as
// YCSB's Utils.fnvhash64 computes it. YCSB then takes the absolute value
// of the hash as a signed number before its modulo; unsigned arithmetic
// needs no such step, so which keys are hot differs from YCSB's, but not
// how they are spread.
func fnv1a64(v uint64) uint64 {
	h := uint64(0xcbf29ce484222325)
	for range 8 {
		h ^= v & 0xff
		h *= 0x100000001b3
		v >>= 8
	}
	return h
}
