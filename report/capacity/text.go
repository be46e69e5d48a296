package capacity

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// TextOptions tunes [WriteText].
type TextOptions struct {
	// Results names the results directory the report was made from, for
	// the header; empty leaves it out.
	Results string
}

// Layout of the text plan: rows are indented 2, labels padded to 27, and
// sentences wrapped at 110 columns.
const (
	labelWidth = 27
	valueCol   = 2 + labelWidth
	wrapAt     = 110
)

// WriteText writes r to w as the plan for people (capacity-method.md
// §8.3): a header with the event and the policy, then per tier its SLO,
// measured capacity, scale-out fit, required capacity as a product of
// named factors, the plan and its label, and (deployment) the reaction
// to the forecast ramp, pre-scaling and HPA settings, or (Aerospike) the
// node count by throughput, memory and disk and when to resize; then
// pools, assumptions, warnings and refusals as sentences. Every number
// says where it comes from; fitted ones carry ± a standard error or a
// 95 % interval (CI95). The output depends only on r and opts.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	t := &textOut{}
	t.header(r, opts)
	for i := range r.Tiers {
		t.tier(r, &r.Tiers[i])
	}
	t.sentences("", "assumptions", r.Assumptions)
	t.sentences("", "warnings", r.Warnings)
	if _, err := w.Write(t.b.Bytes()); err != nil {
		return fmt.Errorf("write capacity plan: %w", err)
	}
	return nil
}

// textOut accumulates the text plan.
type textOut struct{ b bytes.Buffer }

// row writes a labelled row at indent 2.
func (t *textOut) row(label, value string) {
	fmt.Fprintf(&t.b, "  %-*s%s\n", labelWidth, label, value)
}

// sub writes a labelled row at indent 4.
func (t *textOut) sub(label, value string) {
	fmt.Fprintf(&t.b, "    %-*s%s\n", labelWidth-2, label, value)
}

// cont writes a continuation line at the value column.
func (t *textOut) cont(value string) {
	fmt.Fprintf(&t.b, "%s%s\n", strings.Repeat(" ", valueCol), value)
}

// sentences writes a label and its sentences, each wrapped at the value
// column; indent "" puts the label at column 0 (report level).
func (t *textOut) sentences(indent, label string, list []string) {
	if len(list) == 0 {
		return
	}
	if indent == "" {
		t.b.WriteString("\n")
	}
	first := true
	for _, s := range list {
		for _, line := range wrap(s, wrapAt-valueCol) {
			if first {
				fmt.Fprintf(&t.b, "%s%-*s%s\n", indent, valueCol-len(indent), label, line)
				first = false
				continue
			}
			t.cont(line)
		}
	}
}

// wrap breaks s into lines of at most width runes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		wl := len([]rune(word))
		if n > 0 && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// header writes the scenario, the event and the policy.
func (t *textOut) header(r *Report, opts TextOptions) {
	h := "surge plan"
	if r.Scenario != "" {
		h += "  " + r.Scenario
	}
	if opts.Results != "" {
		h += "  (results: " + opts.Results + ")"
	}
	t.b.WriteString(h + "\n")
	if f := r.Forecast; f != nil {
		p := r.Policy
		factors := fmt.Sprintf("forecast error +%s, ≤ %s of SLO capacity", fmtPercent(p.ForecastError),
			fmtPercent(p.MaxUtilisation))
		if p.Headroom > 0 {
			factors = "headroom × " + fmtFactor(p.Headroom) + " (factors not used)"
		}
		fmt.Fprintf(&t.b, "event %s %s · policy: %s, %s\n", f.Event.In(eventLoc(f)).Format("2006-01-02 15:04"),
			f.Timezone, factors, domainWords(p.FailureDomain))
	} else {
		t.b.WriteString("no forecast: measured capacity and scale-out only\n")
	}
	t.b.WriteString("sources: measured · fitted (± standard error, CI95 bootstrap interval) · assumed (an input or a " +
		"default) · computed (unmarked)\n")
}

// eventLoc is the forecast's zone for display, or the event's own.
func eventLoc(f *Forecast) *time.Location {
	if loc, err := time.LoadLocation(f.Timezone); err == nil && f.Timezone != "" {
		return loc
	}
	return f.Event.Location()
}

// domainWords says a failure domain's spare in words.
func domainWords(d string) string {
	switch d {
	case DomainZone:
		return "one zone spare"
	case DomainNone:
		return "no failure-domain spare"
	}
	return "one node spare"
}

// tier writes one tier.
func (t *textOut) tier(r *Report, tr *Tier) {
	unit, per, rate := "replicas", "replica", "ops/s"
	switch tr.Kind {
	case KindDeployment:
		unit, per, rate = "pods", "pod", "req/s"
	case KindAerospike:
		unit, per = "nodes", "node"
	}
	t.b.WriteString("\n" + tr.Name + "  (" + tierDescription(r, tr) + ")\n")
	t.row("SLO", sloText(tr))
	t.measured(tr, per, rate)
	t.scaleOut(tr, unit, rate)
	if p := tr.Plan; p != nil {
		t.plan(tr, p, unit, per, rate)
	}
	if a := tr.Autoscaling; a != nil {
		t.autoscaling(r, tr, a)
	}
	if kv := tr.KV; kv != nil {
		t.kv(tr, kv)
	}
	if tr.Pools != nil {
		t.pools(tr, per, rate)
	}
	t.sentences("  ", "REFUSED", tr.Refusals)
	if tr.Autoscaling != nil {
		t.sentences("  ", "notes", tr.Autoscaling.Notes)
	}
	t.sentences("  ", "assumptions", tr.Assumptions)
	t.sentences("  ", "warnings", tr.Warnings)
}

// tierDescription is the parenthesis after a tier's name.
func tierDescription(r *Report, tr *Tier) string {
	var parts []string
	if tr.TargetRef != "" {
		kind, rest, _ := strings.Cut(tr.TargetRef, "/")
		parts = append(parts, kind+" "+rest)
	}
	parts = append(parts, tr.Driver)
	if kv := tr.KV; kv != nil {
		parts = append(parts, "RF "+fmtCount(kv.ReplicationFactor.Value), fmtCount(kv.Racks.Value)+" racks")
		if kv.CurrentSize != nil {
			parts = append(parts, "now "+fmtCount(kv.CurrentSize.Value)+" nodes")
		}
	}
	return strings.Join(parts, ", ")
}

// sloText is the SLO row: the SLO lines, or the SLO's numbers.
func sloText(tr *Tier) string {
	if len(tr.SLO.Lines) > 0 {
		return strings.Join(tr.SLO.Lines, ", ")
	}
	s := tr.SLO
	return fmt.Sprintf("p%s ≤ %s ms (from intended start), errors ≤ %s", fmtNum(100*s.Percentile.Value),
		fmtNum(s.LimitMs.Value), fmtPercent(s.MaxErrorRate.Value))
}

// measured writes the MST and saturation per replica.
func (t *textOut) measured(tr *Tier, per, rate string) {
	m := tr.MSTPerReplica
	if m == nil {
		return
	}
	v := fmt.Sprintf("%s %s   %s", fmtNum(m.Value.Value), rate, m.Source)
	br := "bracket " + fmtNum(m.Bracket[0].Value) + "–"
	if m.Bracket[1].Value > 0 {
		br += fmtNum(m.Bracket[1].Value)
	} else {
		br += "no failing rate found"
	}
	if c := m.Confirm; c != nil {
		br += fmt.Sprintf("; %s s confirm: p%s %s ms", fmtNum(c.DurationS.Value),
			fmtNum(100*tr.SLO.Percentile.Value), fmtNum(c.LatencyMs.Value))
	}
	t.row("capacity per "+per, v+"  ["+br+"]")
	if m.Replicas > 1 {
		t.cont(fmt.Sprintf("from %s %s at %d %ss (measured)", fmtNum(tr.Sizes[0].MST.Value), rate, m.Replicas, per))
	}
	if s := tr.SaturationPerReplica; s != nil {
		v := fmt.Sprintf("%s %s   %s", fmtNum(s.Value), rate, s.Source)
		if u := tr.UsableFraction; u != nil {
			v += fmt.Sprintf("  (SLO leaves %s of raw capacity usable)", fmtPercent(u.Value))
		}
		t.row("saturation per "+per, v)
	}
}

// scaleOut writes the USL fit and its peak.
func (t *textOut) scaleOut(tr *Tier, unit, rate string) {
	u := tr.USL
	if u == nil {
		if tr.Plan != nil && tr.Plan.Model == "linear" {
			t.row("scale-out", fmt.Sprintf("assumed linear from %s %s (%d sizes tested; no USL fit)",
				fmtCount(tr.Sizes[len(tr.Sizes)-1].Replicas.Value), unit, len(tr.Sizes)))
		}
		return
	}
	t.row(fmt.Sprintf("scale-out (USL, %s points, %s–%s %s)", fmtCount(u.Points.Value), fmtCount(u.NRange[0].Value),
		fmtCount(u.NRange[1].Value), unit), "")
	t.cont(fmt.Sprintf("σ %s   κ %s   λ %s %s/%s   R² %s   fitted", withSE(u.Sigma, 2), withSE(u.Kappa, 2),
		withSE(u.Lambda, 4), rate, strings.TrimSuffix(unit, "s"), fmtSig(u.R2.Value, 5)))
	if bad := residualRows(tr); len(bad) > 0 {
		for _, line := range bad {
			t.cont(line)
		}
	}
	var xMax string
	if v := u.XMax.Value; v != nil {
		xMax = fmt.Sprintf("X_max %s %s (%s)", fmtNum(v.Value), rate, ci(v))
	} else {
		xMax = fmt.Sprintf("X_max ≥ %s %s (largest measured)", fmtNum(u.XMax.LowerBound.Value), rate)
	}
	switch u.NStar.Status {
	case Identified:
		t.cont(fmt.Sprintf("peak N* %s %s (%s) · %s", fmtCount(u.NStar.Value.Value), unit, ci(u.NStar.Value), xMax))
	case NotIdentified:
		t.cont(fmt.Sprintf("peak N* NOT IDENTIFIED: the fit says %s (%s), but the data end at %s,", fmtCount(u.NStar.Fit.Value),
			ci(u.NStar.Fit), fmtCount(u.NStar.LowerBound.Value)))
		t.cont("less than half of it; " + xMax)
	default:
		t.cont("no peak (κ = 0): " + xMax)
	}
}

// residualRows lists the residuals when the fit is poor (R² < 0.95).
func residualRows(tr *Tier) []string {
	if tr.USL.R2.Value >= 0.95 {
		return nil
	}
	rows := []string{"residuals (measured − fitted):"}
	for _, s := range tr.Sizes {
		if s.Fit != nil && s.Residual != nil {
			rows = append(rows, fmt.Sprintf("  N %s: %s − %s = %s", fmtCount(s.Replicas.Value), fmtNum(s.MST.Value),
				fmtNum(s.Fit.Value), fmtNum(s.Residual.Value)))
		}
	}
	return rows
}

// withSE formats a fitted coefficient with ± its standard error.
func withSE(p Param, digits int) string {
	s := fmtSig(p.Value.Value, digits)
	if p.SE != nil {
		s += " ±" + fmtSig(*p.SE, 2)
	}
	return s
}

// ci formats a value's source and interval: "fitted, CI95 171–175".
func ci(v *Value) string {
	s := string(v.Source)
	if v.CI95 != nil {
		s += ", CI95 " + fmtNum(v.CI95[0]) + "–" + fmtNum(v.CI95[1])
	}
	return s
}

// plan writes the required capacity and the plan.
func (t *textOut) plan(tr *Tier, p *Plan, unit, per, rate string) {
	req := fmt.Sprintf("%s forecast × %s forecast error × %s %s skew ÷ %s max utilisation", fmtNum(p.ForecastPeak.Value),
		fmtFactor(p.ForecastFactor.Value), fmtFactor(p.Skew.Value), per, fmtFactor(p.MaxUtilisation.Value))
	why := fmt.Sprintf("(forecast, error and utilisation %s; skew %s)", Assumed, p.Skew.Source)
	if h := p.Headroom; h != nil {
		req = fmt.Sprintf("%s forecast × %s headroom", fmtNum(p.ForecastPeak.Value), fmtFactor(h.Value))
		why = "(both assumed; the factors forecast error, skew and utilisation were not used)"
	}
	t.row("required capacity", fmtNum(p.RequiredCapacity.Value)+" "+rate+" = "+req)
	t.cont(why)
	if p.Label == LabelRefused && p.Replicas == nil && p.ReplicasForCapacity.Source == "" {
		return
	}
	if tr.Kind == KindAerospike && tr.KV != nil {
		return // the node rows of kv say it
	}
	v := fmt.Sprintf("%s (%s", fmtCount(p.ReplicasForCapacity.Value), ci(&p.ReplicasForCapacity))
	if p.LinearWouldBe != nil {
		v += "; linear scaling would say " + fmtCount(p.LinearWouldBe.Value)
	}
	t.row(unit+" for that", v+")")
	if p.Replicas == nil {
		return
	}
	spare := "no spare"
	switch p.FailureDomain {
	case DomainNode:
		spare = fmt.Sprintf("+%s (one node of %s %s, assumed)", fmtCount(p.Spare.Value), fmtCount(p.PodsPerNode.Value), unit)
	case DomainZone:
		spare = fmt.Sprintf("+%s (one zone of %s)", fmtCount(p.Spare.Value), fmtCount(p.Zones.Value))
	}
	t.row("+ failure domain", fmt.Sprintf("%s, rounded up to a multiple of %s zones (assumed) → %s", spare,
		fmtCount(p.Zones.Value), fmtCount(p.Replicas.Value)))
	t.planRow(p, unit, rate)
	t.row(fmt.Sprintf("capacity per %s at %s", per, fmtCount(p.Replicas.Value)),
		fmt.Sprintf("%s %s (%s), not %s: size per-%s targets on this", fmtNum(p.CapacityPerReplica.Value), rate,
			ci(p.CapacityPerReplica), fmtNum(tr.MSTPerReplica.Value.Value), per))
}

// planRow writes the PLAN row and its label.
func (t *textOut) planRow(p *Plan, unit, rate string) {
	t.row("PLAN", fmt.Sprintf("%s %s · SLO capacity %s %s (%s)", fmtCount(p.Replicas.Value), unit,
		fmtNum(p.CapacityAtPlan.Value), rate, ci(p.CapacityAtPlan)))
	label := map[string]string{LabelInRange: "in tested range", LabelExtrapolated: "EXTRAPOLATED",
		LabelAssumedLinear: "ASSUMED LINEAR"}[p.Label]
	t.cont(fmt.Sprintf("forecast uses %s (headroom %s) · %s (%s× the largest tested size)",
		fmtPercent(p.ForecastShare.Value), fmtPercent(p.HeadroomAtForecast.Value), label, fmtFactor(p.TestedMultiple.Value)))
}
