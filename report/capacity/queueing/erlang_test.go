package queueing_test

import (
	"math"
	"testing"

	"github.com/surgeload/surge/report/capacity/queueing"
)

// closeRel reports whether got is within rel of want, relative to want
// (absolute when want is 0).
func closeRel(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) <= rel
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// erlangBSum is the textbook Erlang B, (a^c/c!)/Σ_{k≤c} a^k/k!, summed
// directly: an independent check for small c.
func erlangBSum(c int, a float64) float64 {
	term, sum := 1.0, 1.0
	for k := 1; k <= c; k++ {
		term *= a / float64(k)
		sum += term
	}
	return term / sum
}

// erlangCSum is the textbook Erlang C of capacity-method.md §4.2,
// (a^c/c!·c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c!·c/(c−a)), summed directly.
func erlangCSum(c int, a float64) float64 {
	term, sum := 1.0, 0.0
	for k := 0; k < c; k++ {
		sum += term
		term *= a / float64(k+1)
	}
	top := term * float64(c) / (float64(c) - a)
	return top / (sum + top)
}

func TestErlangB(t *testing.T) {
	tests := []struct {
		name string
		c    int
		a    float64
		want float64
	}{
		{"no servers block everything", 0, 5, 1},
		{"one server", 1, 1, 0.5},
		{"two servers one erlang", 2, 1, 0.2},
		{"three servers two erlangs", 3, 2, 4.0 / 19},
		{"no load", 4, 0, 0},
		{"infinite load", 4, math.Inf(1), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueing.ErlangB(tt.c, tt.a); !closeRel(got, tt.want, 1e-14) {
				t.Errorf("ErlangB(%d, %v) = %v; want %v", tt.c, tt.a, got, tt.want)
			}
		})
	}
}

// The recurrence agrees with the direct sum wherever the sum is safe.
func TestErlangBMatchesSum(t *testing.T) {
	for c := 1; c <= 30; c++ {
		for _, a := range []float64{0.01, 0.5, 1, 2.5, 7, 15, 29.9, 40} {
			got, want := queueing.ErlangB(c, a), erlangBSum(c, a)
			if !closeRel(got, want, 1e-12) {
				t.Errorf("ErlangB(%d, %v) = %v; want %v", c, a, got, want)
			}
		}
	}
}

// V1 (capacity-method.md §9.2): textbook values.
func TestErlangCTextbook(t *testing.T) {
	tests := []struct {
		name string
		c    int
		a    float64
		want float64
	}{
		{"C(3, 2)", 3, 2, 0.4444},
		{"C(5, 2.5)", 5, 2.5, 0.1304},
		{"C(4, 2.5)", 4, 2.5, 0.3199},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueing.ErlangC(tt.c, tt.a); math.Abs(got-tt.want) > 1e-4 {
				t.Errorf("ErlangC(%d, %v) = %.6f; want %.4f ± 1e-4", tt.c, tt.a, got, tt.want)
			}
		})
	}
}

// The B-based form agrees with the §4.2 sum formula for stable loads.
func TestErlangCMatchesSum(t *testing.T) {
	for c := 1; c <= 30; c++ {
		for _, rho := range []float64{0.01, 0.3, 0.5, 0.8, 0.95, 0.999} {
			a := rho * float64(c)
			got, want := queueing.ErlangC(c, a), erlangCSum(c, a)
			if !closeRel(got, want, 1e-11) {
				t.Errorf("ErlangC(%d, %v) = %v; want %v", c, a, got, want)
			}
		}
	}
}

func TestErlangCEdges(t *testing.T) {
	tests := []struct {
		name string
		c    int
		a    float64
		want float64
	}{
		{"a equals c", 4, 4, 1},
		{"a above c", 4, 10, 1},
		{"one server saturated", 1, 1, 1},
		{"fractional overload", 32, 32.5, 1},
		{"no servers", 0, 0, 1},
		{"no servers with load", 0, 3, 1},
		{"infinite load", 8, math.Inf(1), 1},
		{"no load", 4, 0, 0},
		{"M/M/1 waits with probability rho", 1, 0.7, 0.7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueing.ErlangC(tt.c, tt.a); !closeRel(got, tt.want, 1e-14) {
				t.Errorf("ErlangC(%d, %v) = %v; want %v", tt.c, tt.a, got, tt.want)
			}
		})
	}
}

// ErlangC(c, a) = 1 for every a ≥ c, and below 1 for every stable a > 0.
func TestErlangCOneWhenUnstable(t *testing.T) {
	for c := 1; c <= 64; c *= 2 {
		for _, rho := range []float64{1, 1 + 1e-12, 1.01, 1.5, 10} {
			a := rho * float64(c)
			if got := queueing.ErlangC(c, a); got != 1 {
				t.Errorf("ErlangC(%d, %v) = %v; want 1", c, a, got)
			}
		}
		for _, rho := range []float64{0.1, 0.9, 0.999} {
			a := rho * float64(c)
			if got := queueing.ErlangC(c, a); !(got > 0 && got < 1) {
				t.Errorf("ErlangC(%d, %v) = %v; want in (0, 1)", c, a, got)
			}
		}
	}
}

// The recurrence neither overflows nor underflows where a^c/c! would.
func TestErlangLargePools(t *testing.T) {
	tests := []struct {
		name string
		c    int
		a    float64
	}{
		{"thousand servers", 1000, 990},
		{"ten thousand servers", 10000, 9500},
		{"light load on many servers", 500, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c := queueing.ErlangB(tt.c, tt.a), queueing.ErlangC(tt.c, tt.a)
			if !(b >= 0 && b < 1) || !(c >= b && c < 1) {
				t.Errorf("ErlangB, ErlangC(%d, %v) = %v, %v; want 0 ≤ B ≤ C < 1", tt.c, tt.a, b, c)
			}
		})
	}
}

func TestErlangInvalid(t *testing.T) {
	tests := []struct {
		name string
		c    int
		a    float64
	}{
		{"negative servers", -1, 1},
		{"negative load", 3, -0.5},
		{"NaN load", 3, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueing.ErlangB(tt.c, tt.a); !math.IsNaN(got) {
				t.Errorf("ErlangB(%d, %v) = %v; want NaN", tt.c, tt.a, got)
			}
			if got := queueing.ErlangC(tt.c, tt.a); !math.IsNaN(got) {
				t.Errorf("ErlangC(%d, %v) = %v; want NaN", tt.c, tt.a, got)
			}
		})
	}
}

// The connection-pool example of capacity-method.md §4.2: an offered load
// of 0.82 needs c = 4 for P(wait) ≈ 1.0 % and c = 5 for ≈ 0.16 %.
func TestPoolSize(t *testing.T) {
	tests := []struct {
		name      string
		a, max    float64
		wantC     int
		wantPWait float64 // to ±0.0005 (the printed precision)
	}{
		{"spec example 1.0 %", 0.82, 0.011, 4, 0.0104},
		{"spec example 0.16 %", 0.82, 0.005, 5, 0.0016},
		// 1.04 % is above a strict 1 % bound, so the §10 default needs 5.
		{"strict 1 % bound", 0.82, 0.01, 5, 0.0016},
		{"no load", 0, 0.01, 1, 0},
		{"any c above a will do", 0.5, 1, 1, 0.5},
		{"integer load needs c above it", 2, 1, 3, 0.4444},
		// The §4.2 square-root staffing check: c = ⌈a + 2.33√a⌉ gives
		// 2.4 % at a = 4 and 1.3 % at a = 100, so exact Erlang C needs more.
		{"square-root staffing is short at a = 4", 4, 0.01, 10, 0.0088},
		{"square-root staffing is short at a = 100", 100, 0.01, 125, 0.0099},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, p := queueing.PoolSize(tt.a, tt.max)
			if c != tt.wantC || math.Abs(p-tt.wantPWait) > 5e-4 {
				t.Errorf("PoolSize(%v, %v) = %d, %.5f; want %d, %.4f", tt.a, tt.max, c, p, tt.wantC, tt.wantPWait)
			}
		})
	}
}

// PoolSize returns the smallest c > a meeting the bound, and its P(wait).
func TestPoolSizeMinimal(t *testing.T) {
	for _, a := range []float64{0.01, 0.82, 1, 3.3, 8, 20, 64.5, 250} {
		for _, maxWait := range []float64{0.5, 0.1, 0.01, 0.001, 1e-6} {
			c, p := queueing.PoolSize(a, maxWait)
			if float64(c) <= a || p > maxWait || p != queueing.ErlangC(c, a) {
				t.Errorf("PoolSize(%v, %v) = %d, %v; want c > a with ErlangC(c, a) = P(wait) ≤ %v", a, maxWait, c, p, maxWait)
			}
			if float64(c-1) > a && queueing.ErlangC(c-1, a) <= maxWait {
				t.Errorf("PoolSize(%v, %v) = %d; %d servers already meet the bound", a, maxWait, c, c-1)
			}
		}
	}
}

func TestPoolSizeInvalid(t *testing.T) {
	tests := []struct {
		name   string
		a, max float64
	}{
		{"NaN load", math.NaN(), 0.01},
		{"NaN bound", 1, math.NaN()},
		{"negative load", -1, 0.01},
		{"infinite load", math.Inf(1), 0.01},
		{"zero bound", 1, 0},
		{"negative bound", 1, -0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, p := queueing.PoolSize(tt.a, tt.max); c != 0 || !math.IsNaN(p) {
				t.Errorf("PoolSize(%v, %v) = %d, %v; want 0, NaN", tt.a, tt.max, c, p)
			}
		})
	}
}
