package queueing_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/surgeload/surge/report/capacity/queueing"
)

// The p99 table of capacity-method.md §4.2: p99 of response time in units
// of the mean service time S = 1/μ, at utilisation ρ = λ/(cμ), to the
// precision it is printed with (half a unit in the last printed digit).
func TestResponseQuantileSpecTable(t *testing.T) {
	cs := []int{1, 2, 4, 8, 16, 32}
	rows := []struct {
		rho  float64
		want []float64
		tol  []float64
	}{
		{0.50, []float64{9.2, 5.7, 4.8, 4.6, 4.6, 4.6}, nil},
		{0.70, []float64{15.4, 8.3, 5.5, 4.8, 4.6, 4.6}, nil},
		{0.80, []float64{23.0, 11.9, 6.9, 5.2, 4.7, 4.6}, nil},
		{0.90, []float64{46.1, 23.3, 12.2, 7.1, 5.3, 4.8}, nil},
		{0.95, []float64{92.1, 46.3, 23.6, 12.4, 7.2, 5.4}, nil},
		{0.98, []float64{230, 115, 58, 29.5, 15.3, 8.5}, []float64{0.5, 0.5, 0.5, 0.05, 0.05, 0.05}},
	}
	const mu = 1 // so seconds are units of S
	for _, row := range rows {
		for i, c := range cs {
			tol := 0.05
			if row.tol != nil {
				tol = row.tol[i]
			}
			got := queueing.ResponseQuantile(c, row.rho*float64(c)*mu, mu, 0.99)
			if math.Abs(got-row.want[i]) > tol+1e-12 {
				t.Errorf("ResponseQuantile(%d, ρ=%v, 1, 0.99) = %.4f S; want %v ± %v", c, row.rho, got, row.want[i], tol)
			}
		}
	}
}

// §4.2: for c = 4, going from ρ = 0.8 to 0.95 multiplies p99 by 3.4.
func TestResponseQuantileCliff(t *testing.T) {
	ratio := queueing.ResponseQuantile(4, 3.8, 1, 0.99) / queueing.ResponseQuantile(4, 3.2, 1, 0.99)
	if math.Abs(ratio-3.4) > 0.05 {
		t.Errorf("p99(c=4, ρ=0.95)/p99(c=4, ρ=0.8) = %.3f; want 3.4", ratio)
	}
}

// The §9.1 end-to-end case: mmc with c = 4, μ = 200/s, p99 ≤ 50 ms.
func TestMSTSpecExample(t *testing.T) {
	got := queueing.MST(4, 200, 0.99, 0.050)
	if math.Abs(got-700.2) > 0.1 {
		t.Errorf("MST(4, 200, 0.99, 0.050) = %.4f; want 700.2 ± 0.1", got)
	}
	if p99 := queueing.ResponseQuantile(4, got, 200, 0.99); !closeRel(p99, 0.050, 1e-9) {
		t.Errorf("ResponseQuantile(4, MST, 200, 0.99) = %v; want 0.050", p99)
	}
}

// V2 (capacity-method.md §9.2): the numeric M/M/1 MST equals the closed form.
func TestMSTMatchesMM1(t *testing.T) {
	tests := []struct {
		name         string
		mu, q, limit float64
	}{
		{"spec V2", 200, 0.99, 0.050},
		{"p50", 200, 0.5, 0.010},
		{"p999 slow server", 10, 0.999, 2},
		{"fast server tight SLO", 1e5, 0.99, 1e-4},
		{"just feasible", 1, 0.99, 4.7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want := queueing.MST(1, tt.mu, tt.q, tt.limit), queueing.MM1MST(tt.mu, tt.q, tt.limit)
			if !closeRel(got, want, 1e-6) {
				t.Errorf("MST(1, %v, %v, %v) = %.10g; want MM1MST = %.10g", tt.mu, tt.q, tt.limit, got, want)
			}
		})
	}
	if got := queueing.MM1MST(200, 0.99, 0.050); math.Abs(got-107.8966) > 1e-4 {
		t.Errorf("MM1MST(200, 0.99, 0.050) = %.6f; want 107.8966", got)
	}
}

// The M/M/1 response time is exponential with rate μ − λ.
func TestResponseMM1ClosedForm(t *testing.T) {
	for _, rho := range []float64{0, 0.1, 0.5, 0.9, 0.99} {
		const mu = 200.0
		lambda := rho * mu
		for _, tm := range []float64{1e-4, 0.005, 0.05, 0.5} {
			got, want := queueing.ResponseTail(1, lambda, mu, tm), math.Exp(-(mu-lambda)*tm)
			if !closeRel(got, want, 1e-12) {
				t.Errorf("ResponseTail(1, %v, %v, %v) = %v; want %v", lambda, mu, tm, got, want)
			}
		}
		for _, q := range []float64{0.5, 0.9, 0.99, 0.9999} {
			got, want := queueing.ResponseQuantile(1, lambda, mu, q), math.Log(1/(1-q))/(mu-lambda)
			if !closeRel(got, want, 1e-12) {
				t.Errorf("ResponseQuantile(1, %v, %v, %v) = %v; want %v", lambda, mu, q, got, want)
			}
		}
	}
}

// textbookTail is the §4.2 formula written as printed, safe when θ is far
// from μ.
func textbookTail(c int, lambda, mu, t float64) float64 {
	cw := queueing.ErlangC(c, lambda/mu)
	theta := float64(c)*mu - lambda
	return (1-cw)*math.Exp(-mu*t) + cw*(theta*math.Exp(-mu*t)-mu*math.Exp(-theta*t))/(theta-mu)
}

func TestResponseTailTextbook(t *testing.T) {
	tests := []struct {
		name          string
		c             int
		lambda, mu, t float64
	}{
		{"theta above mu", 4, 2, 1, 1.5},
		{"theta below mu", 4, 3.7, 1, 2},
		{"many servers", 32, 28, 1, 5},
		{"fast servers", 8, 1300, 200, 0.02},
		{"short time", 2, 0.5, 1, 1e-3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want := queueing.ResponseTail(tt.c, tt.lambda, tt.mu, tt.t), textbookTail(tt.c, tt.lambda, tt.mu, tt.t)
			if !closeRel(got, want, 1e-12) {
				t.Errorf("ResponseTail(%d, %v, %v, %v) = %v; want %v", tt.c, tt.lambda, tt.mu, tt.t, got, want)
			}
		})
	}
}

// θ = cμ − λ = μ is the special case C·(1+μt)·e^{−μt}, and values of θ
// within rounding of μ must approach it smoothly (the textbook form is 0/0
// there, and cancels badly close by).
func TestResponseTailThetaEqualsMu(t *testing.T) {
	tests := []struct {
		name string
		c    int
		mu   float64
	}{
		{"two servers", 2, 1},
		{"three servers", 3, 200},
		{"eight servers", 8, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lambda := float64(tt.c-1) * tt.mu // θ = μ exactly
			cw := queueing.ErlangC(tt.c, lambda/tt.mu)
			for _, tm := range []float64{0.1 / tt.mu, 1 / tt.mu, 5 / tt.mu} {
				e := math.Exp(-tt.mu * tm)
				want := (1-cw)*e + cw*(1+tt.mu*tm)*e
				if got := queueing.ResponseTail(tt.c, lambda, tt.mu, tm); !closeRel(got, want, 1e-13) {
					t.Errorf("ResponseTail(%d, %v, %v, %v) = %v; want %v", tt.c, lambda, tt.mu, tm, got, want)
				}
				for _, eps := range []float64{1e-4, 1e-8, 1e-12, 1e-15, -1e-15, -1e-12, -1e-8, -1e-4} {
					l := lambda * (1 + eps)
					got := queueing.ResponseTail(tt.c, l, tt.mu, tm)
					// The tail's derivative in λ is O(t/μ) here, so it may
					// move by about |ε|·λ·t plus rounding.
					if math.Abs(got-want) > 10*math.Abs(eps)*lambda*tm+1e-13 {
						t.Errorf("ResponseTail(%d, %v·(1%+g), %v, %v) = %.17g; want %.17g", tt.c, lambda, eps, tt.mu, tm, got, want)
					}
				}
			}
		})
	}
}

// The integral of P(T > t) over t ≥ 0 is the mean response time,
// 1/μ + C/(cμ − λ): an independent check of the whole tail formula.
func TestResponseTailMean(t *testing.T) {
	tests := []struct {
		c          int
		lambda, mu float64
	}{
		{1, 0.5, 1}, {2, 1, 1}, {4, 3.2, 1}, {4, 3.9, 1}, {16, 12, 1}, {3, 0.3, 1},
	}
	for _, tt := range tests {
		cw := queueing.ErlangC(tt.c, tt.lambda/tt.mu)
		want := 1/tt.mu + cw/(float64(tt.c)*tt.mu-tt.lambda)
		// Composite Simpson on [0, T], with T far into the tail.
		upper := queueing.ResponseQuantile(tt.c, tt.lambda, tt.mu, 1-1e-15)
		const n = 20000
		h := upper / n
		sum := queueing.ResponseTail(tt.c, tt.lambda, tt.mu, 0) + queueing.ResponseTail(tt.c, tt.lambda, tt.mu, upper)
		for i := 1; i < n; i++ {
			w := 2.0
			if i%2 == 1 {
				w = 4
			}
			sum += w * queueing.ResponseTail(tt.c, tt.lambda, tt.mu, float64(i)*h)
		}
		if got := sum * h / 3; !closeRel(got, want, 1e-9) {
			t.Errorf("∫ResponseTail(%d, %v, %v, t) dt = %v; want mean %v", tt.c, tt.lambda, tt.mu, got, want)
		}
	}
}

// P(T > t) lies in [0, 1], starts at 1 and falls as t grows.
func TestResponseTailDecreasing(t *testing.T) {
	for _, c := range []int{1, 2, 3, 4, 8, 16, 32, 100} {
		for _, rho := range []float64{0, 0.3, 0.5, 0.8, 0.9, 0.99, 0.999} {
			lambda := rho * float64(c)
			prev := queueing.ResponseTail(c, lambda, 1, 0)
			if prev != 1 {
				t.Errorf("ResponseTail(%d, %v, 1, 0) = %v; want 1", c, lambda, prev)
			}
			for tm := 0.01; tm < 1e4; tm *= 1.1 {
				got := queueing.ResponseTail(c, lambda, 1, tm)
				if got > prev || got < 0 {
					t.Errorf("ResponseTail(%d, %v, 1, %v) = %v; want in [0, %v]", c, lambda, tm, got, prev)
				}
				prev = got
			}
		}
	}
}

// The quantile rises with λ (strictly once waiting is likely enough to
// show in float64), and inverts the tail.
func TestResponseQuantileIncreasingInLambda(t *testing.T) {
	for _, c := range []int{1, 2, 4, 8, 32} {
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
			prev := 0.0
			for rho := 0.0; rho < 0.995; rho += 0.01 {
				lambda := rho * float64(c)
				got := queueing.ResponseQuantile(c, lambda, 1, q)
				// At light load on many servers C is below 1e-16 and the
				// quantile is the service time's to every printed digit.
				if got < prev || (rho >= 0.5 && got == prev) {
					t.Errorf("ResponseQuantile(%d, %v, 1, %v) = %v; want above %v (at a lower λ)", c, lambda, q, got, prev)
				}
				if tail := queueing.ResponseTail(c, lambda, 1, got); !closeRel(tail, 1-q, 1e-9) {
					t.Errorf("ResponseTail(%d, %v, 1, quantile %v) = %v; want %v", c, lambda, q, tail, 1-q)
				}
				prev = got
			}
		}
	}
}

// Seeded random queues: the quantile inverts the tail; MST's quantile is
// the limit; and MST recovers the λ that gave that quantile wherever the
// quantile responds to λ at all. (At light load on many servers it is the
// service time's quantile to many digits, so λ is not identifiable from it
// and any λ in the flat stretch is as right as another.)
func TestQuantileAndMSTRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 42))
	for range 500 {
		c := 1 + rng.IntN(64)
		mu := math.Exp(rng.Float64()*12 - 4) // about 0.02/s to 3000/s
		q := []float64{0.5, 0.9, 0.95, 0.99, 0.999}[rng.IntN(5)]
		lambda := rng.Float64() * float64(c) * mu
		p := queueing.ResponseQuantile(c, lambda, mu, q)
		if tail := queueing.ResponseTail(c, lambda, mu, p); !closeRel(tail, 1-q, 1e-9) {
			t.Errorf("ResponseTail(%d, %v, %v, ResponseQuantile(…, %v) = %v) = %v; want %v", c, lambda, mu, q, p, tail, 1-q)
		}
		// Elasticity of the quantile in λ: how many relative units it moves
		// per relative unit of λ. MST stops at 1e-12 relative in λ, so its
		// quantile may sit that much times the elasticity below the limit.
		const h = 1e-6
		elasticity := (queueing.ResponseQuantile(c, lambda*(1+h), mu, q)/p - 1) / h
		m := queueing.MST(c, mu, q, p)
		if got := queueing.ResponseQuantile(c, m, mu, q); !closeRel(got, p, 1e-9+2e-12*elasticity) || got > p*(1+1e-12) {
			t.Errorf("ResponseQuantile(%d, MST(%d, %v, %v, %v) = %v, …) = %v; want %v", c, c, mu, q, p, m, got, p)
		}
		if elasticity > 1e-3 && !closeRel(m, lambda, 1e-12/elasticity+1e-11) {
			t.Errorf("MST(%d, %v, %v, %v) = %v; want %v (the λ that gave that quantile; elasticity %.3g)", c, mu, q, p, m, lambda, elasticity)
		}
	}
}

func TestUnstable(t *testing.T) {
	tests := []struct {
		name       string
		c          int
		lambda, mu float64
	}{
		{"saturated", 4, 800, 200},
		{"overloaded", 4, 1000, 200},
		{"one server saturated", 1, 1, 1},
		{"infinite arrivals", 2, math.Inf(1), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueing.ResponseQuantile(tt.c, tt.lambda, tt.mu, 0.99); !math.IsInf(got, 1) {
				t.Errorf("ResponseQuantile(%d, %v, %v, 0.99) = %v; want +Inf", tt.c, tt.lambda, tt.mu, got)
			}
			if got := queueing.ResponseTail(tt.c, tt.lambda, tt.mu, 1e6); got != 1 {
				t.Errorf("ResponseTail(%d, %v, %v, 1e6) = %v; want 1", tt.c, tt.lambda, tt.mu, got)
			}
		})
	}
}

func TestResponseQuantileEdges(t *testing.T) {
	tests := []struct {
		name          string
		c             int
		lambda, mu, q float64
		want          float64
	}{
		{"q = 0", 4, 2, 1, 0, 0},
		{"q = 1", 4, 2, 1, 1, math.Inf(1)},
		{"no arrivals is the service time", 4, 0, 200, 0.99, math.Log(100) / 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueing.ResponseQuantile(tt.c, tt.lambda, tt.mu, tt.q); !(got == tt.want || closeRel(got, tt.want, 1e-14)) {
				t.Errorf("ResponseQuantile(%d, %v, %v, %v) = %v; want %v", tt.c, tt.lambda, tt.mu, tt.q, got, tt.want)
			}
		})
	}
}

// A looser SLO (a larger limit) never lowers MST, nor do more servers.
func TestMSTIncreasing(t *testing.T) {
	const mu, q = 200.0, 0.99
	limits := []float64{0.025, 0.03, 0.04, 0.05, 0.1, 0.5, 5}
	for c := 1; c <= 64; c++ {
		prev := 0.0
		for _, l := range limits {
			got := queueing.MST(c, mu, q, l)
			if !(got > prev) || got >= float64(c)*mu {
				t.Errorf("MST(%d, %v, %v, %v) = %v; want in (%v, %v)", c, mu, q, l, got, prev, float64(c)*mu)
			}
			prev = got
		}
	}
	for _, l := range limits {
		prev := 0.0
		for c := 1; c <= 64; c++ {
			got := queueing.MST(c, mu, q, l)
			if !(got > prev) {
				t.Errorf("MST(%d, %v, %v, %v) = %v; want above %v (at c−1)", c, mu, q, l, got, prev)
			}
			prev = got
		}
	}
}

// MST never exceeds the truth: its quantile is at most the limit.
func TestMSTConservative(t *testing.T) {
	for _, c := range []int{1, 2, 4, 16, 32} {
		for _, l := range []float64{0.024, 0.03, 0.05, 0.2} {
			m := queueing.MST(c, 200, 0.99, l)
			if p := queueing.ResponseQuantile(c, m, 200, 0.99); p > l*(1+1e-12) {
				t.Errorf("ResponseQuantile(%d, MST = %v, 200, 0.99) = %v; want ≤ %v", c, m, p, l)
			}
		}
	}
}

// Below the service-time quantile ln(1/(1−q))/μ no rate meets the SLO.
func TestMSTInfeasible(t *testing.T) {
	floor := math.Log(100) / 200 // p99 of the service time alone, 23.03 ms
	tests := []struct {
		name  string
		c     int
		limit float64
	}{
		{"below service p99", 4, floor * 0.999},
		{"one server below service p99", 1, floor * 0.5},
		{"zero limit", 4, 0},
		{"negative limit", 4, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueing.MST(tt.c, 200, 0.99, tt.limit); got != 0 {
				t.Errorf("MST(%d, 200, 0.99, %v) = %v; want 0", tt.c, tt.limit, got)
			}
			if tt.c == 1 {
				if got := queueing.MM1MST(200, 0.99, tt.limit); got != 0 {
					t.Errorf("MM1MST(200, 0.99, %v) = %v; want 0", tt.limit, got)
				}
			}
		})
	}
	if got := queueing.MST(4, 200, 0.99, floor*1.001); !(got > 0) {
		t.Errorf("MST(4, 200, 0.99, just above service p99) = %v; want > 0", got)
	}
}

func TestInvalidArguments(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		got  float64
	}{
		{"ResponseTail no servers", queueing.ResponseTail(0, 1, 1, 1)},
		{"ResponseTail zero mu", queueing.ResponseTail(1, 0.5, 0, 1)},
		{"ResponseTail negative lambda", queueing.ResponseTail(1, -1, 1, 1)},
		{"ResponseTail NaN t", queueing.ResponseTail(1, 0.5, 1, nan)},
		{"ResponseTail NaN lambda", queueing.ResponseTail(1, nan, 1, 1)},
		{"ResponseQuantile q above 1", queueing.ResponseQuantile(1, 0.5, 1, 1.5)},
		{"ResponseQuantile negative q", queueing.ResponseQuantile(1, 0.5, 1, -0.1)},
		{"ResponseQuantile NaN q", queueing.ResponseQuantile(1, 0.5, 1, nan)},
		{"ResponseQuantile infinite mu", queueing.ResponseQuantile(1, 0.5, math.Inf(1), 0.9)},
		{"MST no servers", queueing.MST(0, 200, 0.99, 0.05)},
		{"MST negative mu", queueing.MST(1, -200, 0.99, 0.05)},
		{"MST q = 1", queueing.MST(1, 200, 1, 0.05)},
		{"MST q = 0", queueing.MST(1, 200, 0, 0.05)},
		{"MST NaN limit", queueing.MST(1, 200, 0.99, nan)},
		{"MM1MST zero mu", queueing.MM1MST(0, 0.99, 0.05)},
		{"MM1MST q = 1", queueing.MM1MST(200, 1, 0.05)},
		{"MM1MST NaN limit", queueing.MM1MST(200, 0.99, nan)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !math.IsNaN(tt.got) {
				t.Errorf("%s = %v; want NaN", tt.name, tt.got)
			}
		})
	}
}

// An unbounded limit admits every stable rate.
func TestMSTUnboundedLimit(t *testing.T) {
	if got := queueing.MST(4, 200, 0.99, math.Inf(1)); !closeRel(got, 800, 1e-11) {
		t.Errorf("MST(4, 200, 0.99, +Inf) = %v; want 800 (c·μ)", got)
	}
	if got := queueing.MM1MST(200, 0.99, math.Inf(1)); got != 200 {
		t.Errorf("MM1MST(200, 0.99, +Inf) = %v; want 200", got)
	}
}

var sink float64

func BenchmarkMST(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    int
	}{{"c=1", 1}, {"c=4", 4}, {"c=32", 32}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = queueing.MST(bc.c, 200, 0.99, 0.050)
			}
		})
	}
}

func BenchmarkResponseQuantile(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    int
	}{{"c=1", 1}, {"c=4", 4}, {"c=32", 32}} {
		b.Run(bc.name, func(b *testing.B) {
			lambda := 0.9 * float64(bc.c) * 200
			b.ReportAllocs()
			for b.Loop() {
				sink = queueing.ResponseQuantile(bc.c, lambda, 200, 0.99)
			}
		})
	}
}

func BenchmarkPoolSize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, sink = queueing.PoolSize(100, 0.01)
	}
}
