package capacity

import (
	"fmt"
	"math"
	"strings"

	"github.com/surgeload/surge/report/capacity/usl"
)

// newPlan starts a plan for forecast peak f: the factors and the required
// capacity C_req = F(1+ε)k_skew/u_max, or F × headroom when overridden.
func newPlan(sc *scaling, f float64, skew Value, pol Policy) *Plan {
	p := &Plan{Model: "usl", FailureDomain: pol.FailureDomain,
		ForecastPeak: assumed(f), ForecastError: assumed(pol.ForecastError),
		ForecastFactor: computed(1 + pol.ForecastError), Skew: skew, MaxUtilisation: assumed(pol.MaxUtilisation)}
	if sc.linear() {
		p.Model = "linear"
	}
	if pol.Headroom > 0 {
		p.Headroom = ptr(assumed(pol.Headroom))
		p.RequiredCapacity = computed(f * pol.Headroom)
		return p
	}
	p.RequiredCapacity = computed(f * (1 + pol.ForecastError) * skew.Value / pol.MaxUtilisation)
	return p
}

// skewValue is k_skew: the policy's, else the largest skew measured in a
// confirmation at more than one replica, else the default 1.10.
func skewValue(t *Tier, sizes []sizePoint, pol Policy, unit string) Value {
	if pol.Skew > 0 {
		return assumed(pol.Skew)
	}
	top := 0.0
	for _, p := range sizes {
		if p.n > 1 && p.search.Skew > 0 {
			top = max(top, p.search.Skew)
		}
	}
	if top > 0 {
		return measured(top)
	}
	t.Assumptions = append(t.Assumptions, fmt.Sprintf("Load skew across %s %s (default: no confirmation "+
		"measured the load per replica).", fmtFactor(defaultSkew), unit))
	return assumed(defaultSkew)
}

// replicasFor sets ReplicasForCapacity = ceil(N(C_req)) on p and returns
// it; when no size reaches C_req it refuses, with a sentence on t, and
// returns false.
func replicasFor(t *Tier, p *Plan, sc *scaling, unit string) (int, bool) {
	c := p.RequiredCapacity.Value
	n, ok := sc.n(c)
	if !ok {
		p.Label = LabelRefused
		t.Refusals = append(t.Refusals, unattainable(t, p, sc, unit))
		return 0, false
	}
	ncap := max(ceilN(n), 1)
	p.ReplicasForCapacity = sc.value(float64(ncap), func(m usl.Model) float64 {
		n, ok := m.N(c)
		return orNaN(math.Ceil(n-1e-9), ok)
	})
	if !sc.linear() {
		p.LinearWouldBe = ptr(computed(float64(ceilN(c / sc.fit.Lambda))))
	}
	return ncap, true
}

// unattainable is the refusal when the fit cannot reach C_req: a claim
// only when the fit's peak is identified.
func unattainable(t *Tier, p *Plan, sc *scaling, unit string) string {
	c := p.RequiredCapacity.Value
	nStar, xMax, peak := sc.fit.Peak()
	if sc.identified() && peak {
		p.Unattainable = true
		return fmt.Sprintf("%s is unattainable by scale-out: the required capacity is %s ops/s, but the fitted "+
			"peak is X_max ≈ %s ops/s at N* ≈ %s %s. Options: reduce the cost per request, shard the tier, or "+
			"cache in front of it.", t.Name, fmtRate(c), fmtRate(xMax), fmtCount(nStar), unit)
	}
	limit := "its asymptote λ/σ ≈ " + fmtRate(xMax) + " ops/s"
	if peak {
		limit = fmt.Sprintf("its peak X_max ≈ %s ops/s at N* ≈ %s %s", fmtRate(xMax), fmtCount(nStar), unit)
	}
	return fmt.Sprintf("No plan for %s: the fit cannot reach the required %s ops/s, but %s is not identified by "+
		"data that end at %s %s; search at larger sizes before concluding that scale-out cannot reach it.",
		t.Name, fmtRate(c), limit, fmtCount(sc.nMax), unit)
}

// labelPlan labels a plan of n replicas against the tested range and
// refuses, with a sentence that suggests the sweep, beyond twice the
// largest tested size. breakdown says how n was reached.
func labelPlan(t *Tier, p *Plan, sc *scaling, n int, unit, breakdown string) bool {
	ratio := float64(n) / sc.nMax
	p.TestedMultiple = computed(ratio)
	switch {
	case ratio > refuseBeyond+1e-9:
		p.Label = LabelRefused
		t.Refusals = append(t.Refusals, fmt.Sprintf("No plan for %s: it needs about %d %s (%s), %s× the largest "+
			"tested size of %s, and no replica count beyond %d× the tested range is recommended. Search at %s %s "+
			"so that the plan is within %s× the largest tested size.", t.Name, n, unit, breakdown, fmtFactor(ratio),
			fmtCount(sc.nMax), refuseBeyond, sweepSuggestion(sc.nMax, n), unit, fmtFactor(inRange)))
		return false
	case sc.linear():
		p.Label = LabelAssumedLinear
	case ratio <= inRange+1e-9:
		p.Label = LabelInRange
	default:
		p.Label = LabelExtrapolated
		t.Warnings = append(t.Warnings, fmt.Sprintf("The plan for %s, %d %s, is %s× the largest tested size: the "+
			"capacity there is extrapolated; run a confirmation at %d %s before the event.", t.Name, n, unit,
			fmtFactor(ratio), n, unit))
	}
	return true
}

// sweepSuggestion lists sizes from above nMax up to the size that puts n
// in range, spaced geometrically.
func sweepSuggestion(nMax float64, n int) string {
	top := int(math.Ceil(float64(n) / inRange))
	r := math.Cbrt(float64(top) / nMax)
	var sizes []string
	last := int(nMax)
	for i := 1; i <= 3; i++ {
		s := int(math.Round(nMax * math.Pow(r, float64(i))))
		if i == 3 {
			s = top
		}
		if s > last {
			sizes = append(sizes, fmt.Sprint(s))
			last = s
		}
	}
	switch len(sizes) {
	case 0:
		return fmt.Sprint(top)
	case 1:
		return sizes[0]
	}
	return strings.Join(sizes[:len(sizes)-1], ", ") + " and " + sizes[len(sizes)-1]
}

// finishPlan records the planned size n and its capacity against the
// forecast.
func finishPlan(p *Plan, sc *scaling, n int) {
	nf := float64(n)
	f := p.ForecastPeak.Value
	p.Replicas = ptr(computed(nf))
	c := sc.capacityAt(nf)
	p.CapacityAtPlan = &c
	p.CapacityPerReplica = ptr(sc.value(c.Value/nf, func(m usl.Model) float64 { return m.X(nf) / nf }))
	p.ForecastShare = ptr(sc.value(f/c.Value, func(m usl.Model) float64 { return f / m.X(nf) }))
	p.HeadroomAtForecast = ptr(sc.value(1-f/c.Value, func(m usl.Model) float64 { return 1 - f/m.X(nf) }))
}

// planDeployment plans a stateless deployment (capacity-method.md §5.1).
func planDeployment(t *Tier, sc *scaling, tf *TierForecast, sizes []sizePoint, env *planEnv) {
	pol := env.policy
	p := newPlan(sc, tf.EventPeak, skewValue(t, sizes, pol, "pods"), pol)
	t.Plan = p
	zones := intOr(t, tf.Zones, defaultZones, "%d zones (default: the forecast gives none).")
	ppn := intOr(t, tf.PodsPerNode, defaultPodsPerNode, "%d pods per node (default: the forecast gives none).")
	p.Zones = assumed(float64(zones))
	p.PodsPerNode = ptr(assumed(float64(ppn)))
	ncap, ok := replicasFor(t, p, sc, "pods")
	if !ok {
		return
	}
	spare, why := deploymentSpare(t, pol.FailureDomain, ncap, zones, ppn)
	p.Spare = computed(float64(spare))
	n := roundUp(ncap+spare, zones)
	breakdown := fmt.Sprintf("%d for capacity, %s, rounded up to a multiple of %d zones", ncap, why, zones)
	if !labelPlan(t, p, sc, n, "pods", breakdown) {
		return
	}
	finishPlan(p, sc, n)
	if sc.identified() {
		if nStar, _, ok := sc.fit.Peak(); ok && float64(n) > nStar {
			t.Warnings = append(t.Warnings, fmt.Sprintf("The plan for %s, %d pods, is beyond the fitted peak N* ≈ %s: "+
				"pods past N* lower throughput; reduce the cost per request or shard.", t.Name, n, fmtCount(nStar)))
		}
	}
	autoscale(t, sc, tf, n, ppn, zones, env)
	pools(t, p.ForecastPeak.Value, t.Autoscaling.HPA.RPSPerPod, env)
}

// intOr is v, or def with an assumption sentence (format has one %d).
func intOr(t *Tier, v, def int, format string) int {
	if v > 0 {
		return v
	}
	t.Assumptions = append(t.Assumptions, fmt.Sprintf(format, def))
	return def
}

// deploymentSpare is the failure domain's spare for ncap pods, and how it
// was reached in words.
func deploymentSpare(t *Tier, domain string, ncap, zones, ppn int) (int, string) {
	switch domain {
	case DomainNone:
		return 0, "no failure-domain spare"
	case DomainZone:
		if zones < 2 {
			t.Warnings = append(t.Warnings, fmt.Sprintf("The failure domain of %s is a zone, but it runs in %d zone: "+
				"no zone spare is possible.", t.Name, zones))
			return 0, "no zone spare (one zone)"
		}
		s := ceilN(float64(ncap)*float64(zones)/float64(zones-1)) - ncap
		return s, fmt.Sprintf("+%d to survive the loss of one of %d zones", s, zones)
	}
	return ppn, fmt.Sprintf("+%d for the loss of one node", ppn)
}
