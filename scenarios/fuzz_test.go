package scenarios

import (
	"errors"
	"slices"
	"testing"

	"github.com/surgeload/surge/workloads"
)

// FuzzParse: no input makes the loader panic or hang; every error it
// returns is positioned in the named file and the list is sorted; every
// scenario it accepts is runnable. Seeds are in testdata/fuzz/FuzzParse
// (the bundled and broken scenarios and a few more); the bundled ones are
// added again from the embedded files, so the seeds follow their edits.
func FuzzParse(f *testing.F) {
	for _, info := range Bundled() {
		data, err := bundled.ReadFile("bundled/" + info.Name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkErrors(t, err)
			if _, again := Parse("fuzz.yaml", data); again == nil || again.Error() != err.Error() {
				t.Fatalf("Parse is not deterministic: %v, then %v", err, again)
			}
			return
		}
		checkPlan(t, p)
	})
}

// checkErrors asserts that err is a non-empty ErrorList of positioned
// errors, sorted.
func checkErrors(t *testing.T, err error) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("Parse error %v is not a non-empty ErrorList", err)
	}
	for i, e := range list {
		if e.File != "fuzz.yaml" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
			t.Fatalf("error %q is not positioned in fuzz.yaml", e)
		}
		if i > 0 && (list[i-1].Line > e.Line || list[i-1].Line == e.Line && list[i-1].Col > e.Col) {
			t.Fatalf("errors out of order: %q before %q", list[i-1], e)
		}
	}
}

// checkPlan asserts that an accepted Plan can run: something to call,
// something to do, every reference in range.
func checkPlan(t *testing.T, p *Plan) {
	t.Helper()
	if len(p.Targets) == 0 || len(p.Ops) == 0 || (len(p.Stages) == 0) == (p.Capacity == nil) || p.Name == "" {
		t.Fatalf("accepted plan %q with %d targets, %d ops, %d stages, capacity %v", p.Name, len(p.Targets), len(p.Ops), len(p.Stages), p.Capacity)
	}
	checkCapacity(t, p)
	checkForecast(t, p)
	for _, tg := range p.Targets {
		if tg.Driver == "sim" && (tg.Sim == nil || tg.Sim.Servers < 1 || tg.Sim.Replicas < 1) {
			t.Fatalf("sim target %q without servers: %+v", tg.Name, tg.Sim)
		}
	}
	total := 0.0
	journeyOps := map[int]bool{}
	for _, j := range p.Journeys {
		journeyOps[j.Op] = true
		if j.Chain == nil || j.Chain.Len() != len(j.Steps) || p.Ops[j.Op].Kind != "journey" {
			t.Fatalf("journey %q: chain %v for %d steps, op %+v", j.Name, j.Chain, len(j.Steps), p.Ops[j.Op])
		}
	}
	for o, op := range p.Ops {
		if journeyOps[o] {
			total += op.Weight
			continue
		}
		keyless := op.Keyspace == -1 && op.Target >= 0 && op.Target < len(p.Targets) && p.Targets[op.Target].Driver == "http"
		if op.Target < 0 || op.Target >= len(p.Targets) || !keyless && (op.Keyspace < 0 || op.Keyspace >= len(p.Keyspaces)) {
			t.Fatalf("op %q refers to target %d, keyspace %d out of range", op.Name, op.Target, op.Keyspace)
		}
		if !keyless && p.Keyspaces[op.Keyspace].Keys == nil {
			t.Fatalf("op %q draws from keyspace %q with no distribution", op.Name, p.Keyspaces[op.Keyspace].Name)
		}
		if !(op.Weight >= 0) {
			t.Fatalf("op %q has weight %v", op.Name, op.Weight)
		}
		total += op.Weight
	}
	if !(total > 0) {
		t.Fatalf("accepted weights summing to %v", total)
	}
	if _, err := workloads.NewProfile(p.Stages); p.Capacity == nil && err != nil {
		t.Fatalf("accepted an invalid profile: %v", err)
	}
	if p.Options.Interval < minInterval || p.Options.MaxInFlight < 1 {
		t.Fatalf("accepted options %+v", p.Options)
	}
	for _, s := range p.SLOs {
		okOp := s.Op == "*" || slices.ContainsFunc(p.Ops, func(o Op) bool { return o.Name == s.Op })
		okStage := s.Stage == "*" || slices.ContainsFunc(p.Stages, func(st workloads.Stage) bool { return st.Name == s.Stage })
		if !okOp || !okStage {
			t.Fatalf("SLO %+v names an unknown op or stage", s)
		}
		if s.For < 0 || s.For > 0 && !s.Abort {
			t.Fatalf("SLO %+v has a for without abort", s)
		}
	}
}

// checkCapacity asserts that an accepted capacity search can run: targets
// the mix uses, sane rates and durations, replica counts a target can
// have, and SLO rules for every stage, none of them aborting.
func checkCapacity(t *testing.T, p *Plan) {
	t.Helper()
	c := p.Capacity
	if c == nil {
		return
	}
	if len(c.Targets) == 0 || len(c.Replicas) == 0 || len(p.Journeys) > 0 {
		t.Fatalf("accepted search %+v with %d journeys", c, len(p.Journeys))
	}
	for i, tg := range c.Targets {
		used := slices.ContainsFunc(p.Ops, func(o Op) bool { return o.Target == tg })
		if tg < 0 || tg >= len(p.Targets) || !used || slices.Contains(c.Targets[:i], tg) {
			t.Fatalf("search target %d of %v is out of range, unused or repeated", tg, c.Targets)
		}
		if p.Targets[tg].Driver != "sim" && len(c.Replicas) != 1 {
			t.Fatalf("search resizes %s target %q to %v", p.Targets[tg].Driver, p.Targets[tg].Name, c.Replicas)
		}
	}
	for i, r := range c.Replicas {
		if r < 1 || r > maxReplicas || slices.Contains(c.Replicas[:i], r) {
			t.Fatalf("search replicas %v", c.Replicas)
		}
	}
	if !(c.StartRate > 0 && c.StartRate <= c.MaxRate && c.MaxRate <= maxRate) || !(c.Growth > 1) ||
		!(c.Precision > 0 && c.Precision <= maxPrecision) || c.Backoffs < 0 ||
		c.Stage <= 0 || c.Confirm <= 0 || c.Warmup < 0 || c.Warmup >= c.Stage || c.Warmup >= c.Confirm || c.Cooldown < 0 {
		t.Fatalf("accepted search %+v", c)
	}
	for _, s := range p.SLOs {
		if s.Stage != "*" || s.Abort {
			t.Fatalf("search with SLO %+v", s)
		}
	}
}

// checkForecast asserts that an accepted forecast is complete: a zone,
// tiers naming distinct targets, and the policy in its ranges.
func checkForecast(t *testing.T, p *Plan) {
	t.Helper()
	fc := p.Forecast
	if fc == nil {
		return
	}
	if fc.Location == nil || fc.Event.Location() != fc.Location || fc.Hold <= 0 || fc.Lead < 0 || len(fc.Tiers) == 0 {
		t.Fatalf("accepted forecast %+v", fc)
	}
	seen := map[int]bool{}
	for _, tr := range fc.Tiers {
		if tr.Target < 0 || tr.Target >= len(p.Targets) || seen[tr.Target] || p.Targets[tr.Target].Name != tr.Name {
			t.Fatalf("forecast tier %+v names no target, or one twice", tr)
		}
		seen[tr.Target] = true
		deployment := tr.Kind == TierDeployment && tr.Zones >= 1 && tr.PodsPerNode >= 1 && tr.Racks == 0
		aerospike := tr.Kind == TierAerospike && tr.ReplicationFactor >= 1 && tr.Racks >= 1 && tr.Zones == 0
		if !(tr.EventPeak > 0) || tr.BAUPeak > tr.EventPeak || !deployment && !aerospike || tr.Namespace == "" || tr.Object == "" {
			t.Fatalf("accepted forecast tier %+v", tr)
		}
	}
	pol := fc.Policy
	if !(pol.ForecastError >= 0 && pol.ForecastError <= maxForecastError) || !(pol.MaxUtilisation > 0 && pol.MaxUtilisation <= 1) ||
		pol.Skew != 0 && !(pol.Skew >= 1) || pol.Headroom != 0 && !(pol.Headroom >= 1) ||
		!slices.Contains([]string{"node", "zone", "none"}, pol.FailureDomain) {
		t.Fatalf("accepted policy %+v", pol)
	}
}
