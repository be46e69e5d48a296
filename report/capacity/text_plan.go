package capacity

import (
	"fmt"
	"strings"
	"time"
)

// autoscaling writes the reaction, simulations, pre-scale and HPA rows.
func (t *textOut) autoscaling(r *Report, tr *Tier, a *Autoscaling) {
	rc := a.Reaction
	label := fmt.Sprintf("reaction to %s in %s s", rampWords(a.Ramp), fmtNum(a.Ramp.Seconds.Value))
	t.row(label, fmt.Sprintf("lag %s s (%s) + sync %s s (%s) + pod ready %s s (%s) = %s s",
		fmtNum(rc.MetricLagS.Value), rc.MetricLagS.Source, fmtNum(rc.SyncS.Value), rc.SyncS.Source,
		fmtNum(rc.PodReadyS.Value), rc.PodReadyS.Source, fmtNum(rc.TotalS.Value)))
	for _, s := range a.Simulations {
		t.sub(s.Label, simText(&s))
	}
	ps := a.Prescale
	how := "KEDA cron"
	if !r.Policy.KEDA {
		how = "event HPA with minReplicas " + fmtCount(ps.Replicas.Value) + ", then the BAU HPA"
	}
	fmt.Fprintf(&t.b, "  → PRE-SCALE to %s pods %s (%s); HPA on request rate above that\n",
		fmtCount(ps.Replicas.Value), window(ps), how)
	h := a.HPA
	v := fmt.Sprintf("min %s (BAU) · max %s · %s req/s per pod", fmtCount(h.Min.Value), fmtCount(h.Max.Value),
		fmtCount(h.RPSPerPod.Value))
	if h.CPUUtilisation != nil {
		v += " · CPU " + fmtCount(h.CPUUtilisation.Value) + " % backstop"
	}
	t.row("HPA", v)
	t.cont(behaviourText(h.Behavior) + " (" + string(h.Behavior.Source) + ")")
	p := tr.Plan
	t.row("cluster", fmt.Sprintf("%s nodes of %s pods must be schedulable by %s (pre-provision or",
		fmtCount(a.Nodes.Value), fmtCount(p.PodsPerNode.Value), ps.From.Format("2006-01-02 15:04 MST")))
	t.cont("over-provision with pause pods)")
}

// rampWords is "10×" or "the event peak" without a BAU.
func rampWords(r Ramp) string {
	if r.Ratio == nil {
		return "the event peak"
	}
	return fmtNum(r.Ratio.Value) + "×"
}

// simText is one simulation's outcome.
func simText(s *Simulation) string {
	verdict := "FAILS"
	if s.OK {
		verdict = "OK"
	}
	switch {
	case s.OK:
		return fmt.Sprintf("%-6scapacity at or above the load throughout, from %s pods", verdict, fmtCount(s.Start.Value))
	case s.CapacityAfterS == nil:
		return fmt.Sprintf("%-6scapacity not reached in %s s, %s s short, %s requests timed out (model)", verdict,
			fmtNum(s.Seconds.Value), fmtNum(s.SecondsOver.Value), fmtNum(s.TimedOut.Value))
	}
	return fmt.Sprintf("%-6scapacity after %s s, %s s short, %s requests timed out (model)", verdict,
		fmtNum(s.CapacityAfterS.Value), fmtNum(s.SecondsOver.Value), fmtNum(s.TimedOut.Value))
}

// window formats the pre-scale window in its zone.
func window(ps Prescale) string {
	from := ps.From.Format("2006-01-02 15:04")
	to := ps.To.Format("15:04 MST")
	if ps.To.Format(time.DateOnly) != ps.From.Format(time.DateOnly) {
		to = ps.To.Format("2006-01-02 15:04 MST")
	}
	return from + " – " + to
}

// behaviourText summarises an HPA behaviour.
func behaviourText(b Behavior) string {
	var up []string
	for _, p := range b.ScaleUp.Policies {
		up = append(up, policyText(p, "+"))
	}
	var down []string
	for _, p := range b.ScaleDown.Policies {
		down = append(down, policyText(p, ""))
	}
	pick := "the larger"
	if b.ScaleUp.SelectPolicy == "Min" {
		pick = "the smaller"
	}
	upWait := "at once"
	if w := b.ScaleUp.StabilizationWindowSeconds; w > 0 {
		upWait = fmt.Sprintf("after %d s stable", w)
	}
	return fmt.Sprintf("up %s (%s), %s; down %s after %d s stable", strings.Join(up, " or "), pick, upWait,
		strings.Join(down, " or "), b.ScaleDown.StabilizationWindowSeconds)
}

// policyText is one scaling policy: "+900 %/15 s" or "+92 pods/15 s".
func policyText(p RulePolicy, sign string) string {
	if p.Type == "Percent" {
		return fmt.Sprintf("%s%d %%/%d s", sign, p.Value, p.PeriodSeconds)
	}
	return fmt.Sprintf("%s%d pods/%d s", sign, p.Value, p.PeriodSeconds)
}

// kv writes the node sizing of an Aerospike tier.
func (t *textOut) kv(tr *Tier, kv *KV) {
	p := tr.Plan
	parts := []string{fmt.Sprintf("throughput %s (%s)", fmtCount(kv.ThroughputNodes.Value), ci(&kv.ThroughputNodes))}
	if p.Spare.Value > 0 {
		parts = append(parts, fmt.Sprintf("+%s node loss = %s", fmtCount(p.Spare.Value), fmtCount(kv.AfterLoss.Value)))
	}
	if kv.MemoryNodes != nil {
		parts = append(parts, "memory "+fmtCount(kv.MemoryNodes.Value))
	}
	if kv.DiskNodes != nil {
		parts = append(parts, "disk "+fmtCount(kv.DiskNodes.Value))
	}
	parts = append(parts, "RF "+fmtCount(kv.ReplicationFactor.Value))
	t.row("nodes", strings.Join(parts, " · "))
	t.cont(fmt.Sprintf("→ %s (%s racks × %s; RF and racks assumed)", fmtCount(kv.Size.Value),
		fmtCount(kv.Racks.Value), fmtCount(kv.PerRack.Value)))
	t.planRow(p, "nodes", "ops/s")
	pf := kv.PostFailure
	t.cont(fmt.Sprintf("one node down: %s ops/s (%s), forecast uses %s", fmtNum(pf.Capacity.Value), ci(&pf.Capacity),
		fmtPercent(pf.ForecastShare.Value)))
	t.cont(fmt.Sprintf("confirm at %s nodes after resizing", fmtCount(kv.Size.Value)))
	if m := kv.Memory; m != nil {
		t.row("memory", fmt.Sprintf("primary index %s total, %s/node; limit %s of %s = %s (assumed)",
			fmtBytes(m.IndexBytes.Value, "GiB"), fmtBytes(m.PerNodeBytes.Value, "GiB"), fmtPercent(m.Fraction.Value),
			fmtBytes(m.NodeBytes.Value, "GiB"), fmtBytes(m.LimitBytes.Value, "GiB")))
	}
	if d := kv.Disk; d != nil {
		t.row("disk", fmt.Sprintf("%s incl. replicas = %s/node of %s devices: %s, limit %s (assumed)",
			fmtBytes(d.Bytes.Value, "TiB"), fmtBytes(d.PerNodeBytes.Value, "TiB"), fmtBytes(d.NodeBytes.Value, "TiB"),
			fmtPercent(d.Share.Value), fmtPercent(d.Fraction.Value)))
	}
	t.row("when", fmt.Sprintf("resize by %s (≥ %s h before, assumed), wait for migrations to finish,", kv.ResizeByDate,
		fmtNum(kv.LeadH.Value)))
	t.cont(fmt.Sprintf("then confirm at %s ops/s", fmtNum(kv.ConfirmRate.Value)))
	t.row("NOT AUTOSCALED", "node changes trigger migrations that cost client throughput")
}

// pools writes the Little's-law and Erlang-C rows.
func (t *textOut) pools(tr *Tier, per, rate string) {
	p := tr.Pools
	unit := "requests"
	if tr.Kind == KindAerospike {
		unit = "ops"
	}
	t.row("per "+per, fmt.Sprintf("≈ %s %s in flight at %s %s × %s ms mean at MST (measured; Little)", fmtNum(p.InFlight.Value), unit,
		fmtNum(p.PerReplicaRate.Value), rate, fmtNum(p.MeanLatencyMs.Value)))
	label := "pool per " + per
	if p.ClientQueue != nil {
		label = "connections per node"
	}
	t.row(label, fmt.Sprintf("%s for %s busy at %s× forecast: P(wait) %s ≤ %s (Erlang C; %s× and %s assumed)", fmtNum(p.Size.Value),
		fmtNum(p.Busy.Value), fmtNum(p.LoadFactor.Value), fmtPercent(p.Wait.Value), fmtPercent(p.MaxWait.Value),
		fmtNum(p.LoadFactor.Value), fmtPercent(p.MaxWait.Value)))
	if p.ClientQueue != nil {
		t.cont(fmt.Sprintf("across all clients; the Go client keeps up to %s per node each (assumed default)",
			fmtNum(p.ClientQueue.Value)))
	}
	if g := p.Generator; g != nil {
		drivers := "drivers"
		if g.Drivers.Value == 1 {
			drivers = "driver"
		}
		t.row("load generator", fmt.Sprintf("confirmation at %s ops/s: %s %s of %s ops/s (measured), %s ops/s each,",
			fmtNum(g.TestRate.Value), fmtNum(g.Drivers.Value), drivers, fmtNum(g.OpsPerDriver.Value), fmtNum(g.RatePerDriver.Value)))
		t.cont(fmt.Sprintf("in-flight cap ≥ %s per driver (%s s timeout, %s)", fmtNum(g.InFlightCap.Value),
			fmtNum(g.TimeoutS.Value), g.TimeoutS.Source))
	}
}
