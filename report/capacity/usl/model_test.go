package usl

import (
	"fmt"
	"math"
	"testing"
)

func TestModelPeak(t *testing.T) {
	for _, tc := range []struct {
		name            string
		m               Model
		nStar, xMax     float64
		ok              bool
		checkAgainstMax bool // X(N*) must equal xMax
	}{
		{"codahale", Model{Sigma: 0.02671591, Kappa: 7.690945e-4, Lambda: 995.6486}, 35.5738, 12342.85, true, true},
		{"V7 sim", Model{Sigma: 0.05, Kappa: 0.002, Lambda: 100}, math.Sqrt(0.95 / 0.002), 0, true, true},
		{"contention only", Model{Sigma: 0.1, Lambda: 100}, math.Inf(1), 1000, false, false},
		{"linear", Model{Lambda: 100}, math.Inf(1), math.Inf(1), false, false},
		{"σ = 1: peak at the origin", Model{Sigma: 1, Kappa: 0.5, Lambda: 100}, 0, 200, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, x, ok := tc.m.Peak()
			if ok != tc.ok || relErr(n, tc.nStar) > 1e-5 && !(math.IsInf(n, 1) && math.IsInf(tc.nStar, 1)) {
				t.Errorf("Peak() N* = %v, ok = %v; want %v, %v", n, ok, tc.nStar, tc.ok)
			}
			if tc.checkAgainstMax {
				if relErr(x, tc.m.X(n)) > 1e-12 {
					t.Errorf("Peak() X_max = %.15g; X(N*) = %.15g", x, tc.m.X(n))
				}
				// N* is the maximum: nearby N give less.
				if tc.m.X(n*0.99) >= x || tc.m.X(n*1.01) >= x {
					t.Errorf("X around N* = %v is not below X_max = %v", n, x)
				}
			} else if relErr(x, tc.xMax) > 1e-12 && !(math.IsInf(x, 1) && math.IsInf(tc.xMax, 1)) {
				t.Errorf("Peak() X_max = %v; want %v", x, tc.xMax)
			}
		})
	}
}

// V9: the inverse N(T) is exact, and says "unattainable" exactly when
// T > X_max.
func TestModelN(t *testing.T) {
	models := []Model{
		{Sigma: 0.02671591, Kappa: 7.690945e-4, Lambda: 995.6486},
		{Sigma: 0.05, Kappa: 0.002, Lambda: 100},
		{Sigma: 0.0015, Kappa: 1.2e-6, Lambda: 1150},
		{Sigma: 0, Kappa: 1e-3, Lambda: 1e4},
		{Sigma: 0.06, Kappa: 0.06, Lambda: 40},
	}
	for _, m := range models {
		t.Run(fmt.Sprintf("%+v", m), func(t *testing.T) {
			nStar, xMax, ok := m.Peak()
			if !ok {
				t.Fatalf("Peak() ok = false")
			}
			for _, share := range []float64{1e-6, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999999, 1} {
				target := share * xMax
				n, ok := m.N(target)
				if !ok {
					t.Errorf("N(%v) not attainable; want a root (X_max = %v)", target, xMax)
					continue
				}
				// At X_max itself the root is N*, and X is flat there, so
				// only X(N(T)) = T is asked to 1e-9.
				if got := m.X(n); relErr(got, target) > 1e-9 {
					t.Errorf("X(N(%v)) = %.15g; want %.15g (1e-9)", target, got, target)
				}
				if n > nStar*(1+1e-6) {
					t.Errorf("N(%v) = %v is past N* = %v; want the smaller root", target, n, nStar)
				}
			}
			for _, over := range []float64{1 + 1e-12, 1 + 1e-9, 1.01, 2} {
				if n, ok := m.N(over * xMax); ok {
					t.Errorf("N(%v·X_max) = %v, ok; want unattainable", over, n)
				}
			}
		})
	}
}

func TestModelNNoPeak(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m      Model
		target float64
		want   float64 // the closed form; NaN = unattainable
	}{
		{"linear", Model{Lambda: 100}, 2500, 25},
		{"Amdahl", Model{Sigma: 0.1, Lambda: 100}, 500, 500 * 0.9 / (100 - 50)},
		{"Amdahl near the asymptote", Model{Sigma: 0.1, Lambda: 100}, 999.999, 999.999 * 0.9 / (100 - 99.9999)},
		{"Amdahl at the asymptote", Model{Sigma: 0.1, Lambda: 100}, 1000, math.NaN()},
		{"Amdahl past the asymptote", Model{Sigma: 0.1, Lambda: 100}, 1001, math.NaN()},
		{"zero target", Model{Sigma: 0.1, Kappa: 1e-3, Lambda: 100}, 0, 0},
		{"negative target", Model{Sigma: 0.1, Lambda: 100}, -1, math.NaN()},
		{"NaN target", Model{Sigma: 0.1, Lambda: 100}, math.NaN(), math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := tc.m.N(tc.target)
			if math.IsNaN(tc.want) {
				if ok {
					t.Errorf("N(%v) = %v, ok; want unattainable", tc.target, n)
				}
				return
			}
			if !ok || relErr(n, tc.want) > 1e-9 {
				t.Errorf("N(%v) = %v, %v; want %v", tc.target, n, ok, tc.want)
			}
			if tc.target > 0 && relErr(tc.m.X(n), tc.target) > 1e-9 {
				t.Errorf("X(N(%v)) = %v", tc.target, tc.m.X(n))
			}
		})
	}
}

// codahale/usl's LatencyAtThroughput, (σ−1)/(σX − λ), answers 0.05875 s
// at X = 400 for σ = κ = 0.06, λ = 40, whose X_max is 84.2. The inverse
// here refuses: 400 is unattainable.
func TestModelNCodahaleCounterexample(t *testing.T) {
	m := Model{Sigma: 0.06, Kappa: 0.06, Lambda: 40}
	_, xMax, _ := m.Peak()
	if math.Abs(xMax-84.2) > 0.05 {
		t.Errorf("X_max = %v; want 84.2", xMax)
	}
	for _, x := range []float64{400, 500, 600} {
		if n, ok := m.N(x); ok {
			t.Errorf("N(%v) = %v, ok; want unattainable", x, n)
		}
	}
}

func TestModelEfficiency(t *testing.T) {
	m := Model{Sigma: 0.05, Kappa: 0.002, Lambda: 100}
	for _, n := range []float64{1, 2, 10, 21.8, 48} {
		if got, want := m.Efficiency(n), m.X(n)/(m.Lambda*n); relErr(got, want) > 1e-12 {
			t.Errorf("Efficiency(%v) = %v; want X(n)/(λn) = %v", n, got, want)
		}
	}
	if got := m.Efficiency(1); got != 1 {
		t.Errorf("Efficiency(1) = %v; want 1", got)
	}
}

func TestFitLabel(t *testing.T) {
	f := &Fit{NMin: 1, NMax: 16}
	for _, tc := range []struct {
		n    float64
		want Label
	}{
		{1, InRange},
		{16, InRange},
		{20, InRange},             // 1.25·N_max exactly
		{20.000001, Extrapolated}, // just past it
		{32, Extrapolated},        // 2·N_max exactly
		{32.000001, Refused},
		{1000, Refused},
		{math.NaN(), Refused},
	} {
		if got := f.Label(tc.n); got != tc.want {
			t.Errorf("Label(%v) = %q; want %q", tc.n, got, tc.want)
		}
	}
}
