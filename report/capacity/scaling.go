package capacity

import (
	"errors"
	"fmt"
	"math"

	"github.com/surgeload/surge/report/capacity/usl"
)

// scaling is how a tier's capacity grows with replicas: the USL fit, or
// linear from the largest tested size when there is no fit.
type scaling struct {
	fit    *usl.Fit // nil: linear
	per    float64  // linear: MST(N_max)/N_max
	nMax   float64
	maxMST float64 // the largest MST measured
}

// linear reports whether capacity is assumed linear.
func (s *scaling) linear() bool { return s.fit == nil }

// x is the SLO capacity at n replicas.
func (s *scaling) x(n float64) float64 {
	if s.fit == nil {
		return s.per * n
	}
	return s.fit.X(n)
}

// n is the replicas (real) whose capacity is t; false when unattainable.
func (s *scaling) n(t float64) (float64, bool) {
	if s.fit == nil {
		return t / s.per, true
	}
	return s.fit.N(t)
}

// value is v of the scaling at its source: fitted with the bootstrap
// interval of stat for a fit, computed for linear.
func (s *scaling) value(v float64, stat func(usl.Model) float64) Value {
	if s.fit == nil {
		return computed(v)
	}
	return fitted(v, s.fit.Interval(stat))
}

// capacityAt is X(n) as a value.
func (s *scaling) capacityAt(n float64) Value {
	return s.value(s.x(n), func(m usl.Model) float64 { return m.X(n) })
}

// identified reports whether the fit identifies its peak.
func (s *scaling) identified() bool { return s.fit != nil && s.fit.Identified }

// fitScaling fits the USL to the sizes when there are enough of them and
// records the fit on t; otherwise it says why and assumes linear scaling
// from the largest tested size.
func fitScaling(t *Tier, sizes []sizePoint, opts Options, unit string) *scaling {
	last := sizes[len(sizes)-1]
	sc := &scaling{nMax: float64(last.n), per: last.search.MST / float64(last.n)}
	for _, p := range sizes {
		sc.maxMST = max(sc.maxMST, p.search.MST)
	}
	linearWhy := ""
	if len(sizes) < usl.MinPoints {
		linearWhy = fmt.Sprintf("The USL needs at least %d tested sizes and %s has %d", usl.MinPoints, t.Name, len(sizes))
	} else {
		pts := make([]usl.Point, len(sizes))
		for i, p := range sizes {
			pts[i] = usl.Point{N: float64(p.n), X: p.search.MST}
		}
		fit, err := usl.FitPoints(pts, usl.Options{Bootstrap: opts.Bootstrap, Seed: opts.Seed})
		switch {
		case errors.Is(err, usl.ErrTooFewPoints) || errors.Is(err, usl.ErrInvalidPoint):
			linearWhy = fmt.Sprintf("The USL was not fitted to %s (%v)", t.Name, err)
		case err != nil:
			linearWhy = fmt.Sprintf("The USL fit of %s failed (%v)", t.Name, err)
		default:
			sc.fit = fit
		}
	}
	if sc.fit == nil {
		t.Warnings = append(t.Warnings, fmt.Sprintf("%s: capacity is assumed linear from the largest tested size "+
			"(%d %s at %s ops/s, %s per replica) and the plan is capped at %d× that size, %d %s.", linearWhy,
			last.n, unit, fmtRate(last.search.MST), fmtRate(sc.per), refuseBeyond, refuseBeyond*last.n, unit))
		return sc
	}
	t.USL = uslBlock(sc.fit, sizes, sc.maxMST)
	for i := range t.Sizes {
		n := t.Sizes[i].Replicas.Value
		fv := sc.capacityAt(n)
		t.Sizes[i].Fit = &fv
		t.Sizes[i].Residual = ptr(computed(t.Sizes[i].MST.Value - fv.Value))
	}
	for _, w := range sc.fit.Warnings {
		t.Warnings = append(t.Warnings, fmt.Sprintf("USL fit of %s: %s", t.Name, w))
	}
	return sc
}

// uslBlock turns a fit into its report block.
func uslBlock(f *usl.Fit, sizes []sizePoint, maxMST float64) *USL {
	u := &USL{
		Sigma:       Param{Value: fitted(f.Sigma, f.CI95[0]), SE: se(f.SE.Sigma)},
		Kappa:       Param{Value: fitted(f.Kappa, f.CI95[1]), SE: se(f.SE.Kappa)},
		Lambda:      Param{Value: fitted(f.Lambda, f.CI95[2]), SE: se(f.SE.Lambda)},
		R2:          Value{Value: f.R2, Source: Fitted},
		Points:      computed(float64(len(sizes))),
		NRange:      [2]Value{measured(f.NMin), measured(f.NMax)},
		Superlinear: f.Superlinear,
	}
	nStar, xMax, ok := f.Peak()
	if !ok || !finite(nStar) {
		u.NStar = Peak{Status: NoPeak, LowerBound: ptr(measured(f.NMax))}
		u.XMax = Peak{Status: NoPeak, LowerBound: ptr(measured(maxMST))}
		return u
	}
	nFit := fitted(nStar, f.Interval(func(m usl.Model) float64 { n, _, ok := m.Peak(); return orNaN(n, ok) }))
	u.NStar = Peak{Fit: &nFit, Status: NotIdentified, LowerBound: ptr(measured(f.NMax))}
	u.XMax = Peak{Status: NotIdentified, LowerBound: ptr(measured(maxMST))}
	if finite(xMax) {
		xFit := fitted(xMax, f.Interval(func(m usl.Model) float64 { _, x, ok := m.Peak(); return orNaN(x, ok) }))
		u.XMax.Fit = &xFit
	}
	if f.Identified {
		u.NStar.Status, u.NStar.Value, u.NStar.LowerBound = Identified, ptr(nFit), nil
		if u.XMax.Fit != nil { // an unbounded X_max stays a lower bound
			u.XMax.Status, u.XMax.Value, u.XMax.LowerBound = Identified, ptr(*u.XMax.Fit), nil
		}
	}
	return u
}

// orNaN is v when ok and finite, NaN otherwise (skipped by intervals).
func orNaN(v float64, ok bool) float64 {
	if !ok || !finite(v) {
		return math.NaN()
	}
	return v
}

// se is a standard error, nil when NaN or infinite (JSON has neither).
func se(v float64) *float64 {
	if !finite(v) {
		return nil
	}
	return &v
}
