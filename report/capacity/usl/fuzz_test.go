package usl

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

// fuzzPoints turns fuzz bytes into points, in one of three modes chosen
// by the first byte modulo 3: raw little-endian float64 pairs (every NaN,
// infinity and sign reaches validation); 4 bytes a point read into values
// that pass validation (N from 0.01 to 256, X from e^−32 to 2e^32), so
// that the solver meets every shape of data; or 4 bytes a point spread
// over the whole accepted range, N from 1e-6 to 1e9 and X from 1e-150 to
// 1e150, log-uniformly.
func fuzzPoints(data []byte) []Point {
	if len(data) == 0 {
		return nil
	}
	mode, data := data[0], data[1:]
	var pts []Point
	switch mode % 3 {
	case 0:
		for ; len(data) >= 16; data = data[16:] {
			pts = append(pts, Point{
				N: math.Float64frombits(binary.LittleEndian.Uint64(data)),
				X: math.Float64frombits(binary.LittleEndian.Uint64(data[8:])),
			})
		}
	case 1:
		for ; len(data) >= 4; data = data[4:] {
			pts = append(pts, Point{
				N: float64(data[0]) + float64(data[1])/256 + 0.01,
				X: math.Exp(float64(int8(data[2]))/4) * (1 + float64(data[3])/256),
			})
		}
	default:
		for ; len(data) >= 4; data = data[4:] {
			n := float64(binary.LittleEndian.Uint16(data)) / math.MaxUint16
			x := float64(binary.LittleEndian.Uint16(data[2:])) / math.MaxUint16
			pts = append(pts, Point{
				N: min(max(math.Pow(10, -6+15*n), minN), maxN),
				X: min(math.Pow(10, -150+300*x), maxX),
			})
		}
	}
	return pts
}

// FuzzFitPoints: FitPoints never panics; it refuses bad input with the
// right sentinel, and on any input it accepts it returns parameters inside
// the bounds, finite diagnostics and a usable inverse.
func FuzzFitPoints(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		pts := fuzzPoints(data)
		fit, err := FitPoints(pts, Options{Bootstrap: 8, Seed: 1})
		if err != nil {
			checkRefusal(t, pts, err)
			return
		}
		checkFit(t, fit, len(pts))
	})
}

// checkRefusal checks that err is the refusal the input deserves.
func checkRefusal(t *testing.T, pts []Point, err error) {
	t.Helper()
	invalid := false
	distinct := map[float64]bool{}
	nMin, nMax := math.Inf(1), 0.0
	for _, p := range pts {
		if !(p.N >= minN && p.N <= maxN && p.X > 0 && p.X <= maxX) {
			invalid = true
		}
		distinct[p.N] = true
		nMin, nMax = min(nMin, p.N), max(nMax, p.N)
	}
	switch {
	case invalid:
		if !errors.Is(err, ErrInvalidPoint) {
			t.Fatalf("invalid point: err = %v; want ErrInvalidPoint", err)
		}
	case len(pts) < MinPoints || len(distinct) < MinDistinct || nMax < MinSpan*nMin:
		if !errors.Is(err, ErrTooFewPoints) {
			t.Fatalf("too few points: err = %v; want ErrTooFewPoints", err)
		}
	default:
		t.Fatalf("FitPoints refused good points %v: %v", pts, err)
	}
}

// checkFit checks the invariants of an accepted fit.
func checkFit(t *testing.T, fit *Fit, n int) {
	t.Helper()
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	validModel := func(m Model) bool {
		return m.Sigma >= 0 && m.Sigma <= 1 && m.Kappa >= 0 && finite(m.Kappa) && m.Lambda > 0 && finite(m.Lambda)
	}
	if !validModel(fit.Model) {
		t.Fatalf("estimate %+v outside σ ∈ [0,1], κ ≥ 0, λ > 0", fit.Model)
	}
	if !finite(fit.SSE) || fit.SSE < 0 || !finite(fit.R2) || fit.R2 > 1 {
		t.Fatalf("SSE = %v, R² = %v", fit.SSE, fit.R2)
	}
	if len(fit.Residuals) != n {
		t.Fatalf("%d residuals for %d points", len(fit.Residuals), n)
	}
	for i, r := range fit.Residuals {
		if !finite(r) {
			t.Fatalf("residual %d = %v", i, r)
		}
	}
	for _, se := range []float64{fit.SE.Sigma, fit.SE.Kappa, fit.SE.Lambda} {
		if se < 0 || math.IsInf(se, 0) {
			t.Fatalf("standard errors %+v", fit.SE)
		}
	}
	for i, m := range fit.Replicates {
		if !validModel(m) {
			t.Fatalf("replicate %d = %+v outside the bounds", i, m)
		}
	}
	for _, w := range fit.Warnings {
		if !strings.HasSuffix(w, ".") {
			t.Fatalf("warning %q is not a sentence", w)
		}
	}
	// The inverse at a throughput the fit predicts inside the data.
	target := fit.X(fit.NMin)
	if got, ok := fit.N(target); ok && relErr(fit.X(got), target) > 1e-6 {
		t.Fatalf("%+v: X(N(%v)) = %v", fit.Model, target, fit.X(got))
	}
}
