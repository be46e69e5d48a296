package scenarios

import (
	"fmt"
	"math"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/surgeload/surge/workloads"
)

var stageKeys = []string{"name", "duration", "rate", "ramp_to", "steps", "arrival"}

// profile reads the stages. A stage's rate moves from `rate` (default: the
// previous stage's end rate, 0 for the first) to `ramp_to` (default: its
// start rate).
func (d *decoder) profile(n *yaml.Node, p *Plan) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorf(n, "profile: expected a list of at least one stage, each with name, duration and rate or ramp_to")
		return
	}
	prev := 0.0
	var seen []string
	var total time.Duration // of the stages so far; -1 once too long
	for i, item := range n.Content {
		what := fmt.Sprintf("stage %d", i+1)
		f, ok := d.fields(item, what, stageKeys, []string{"name", "duration"})
		if !ok {
			continue
		}
		st := workloads.Stage{From: prev}
		if n := f["name"]; n != nil {
			if st.Name, ok = d.name(n, what+": name"); ok {
				if slices.Contains(seen, st.Name) {
					d.errorf(n, "%s: duplicate stage name %q", what, st.Name)
				}
				seen = append(seen, st.Name)
				what = fmt.Sprintf("stage %q", st.Name)
			}
		}
		if n := f["duration"]; n != nil {
			if st.Duration, ok = d.duration(n, what+": duration"); ok && st.Duration <= 0 {
				d.errorf(n, "%s: duration: expected more than 0s", what)
			}
			if ok && total >= 0 && st.Duration > math.MaxInt64-total {
				d.errorf(n, "%s: duration: the profile would last more than %v", what, time.Duration(math.MaxInt64))
				total = -1 // report it once
			} else if ok && total >= 0 {
				total += st.Duration
			}
		}
		if f["rate"] == nil && f["ramp_to"] == nil {
			d.errorf(item, "%s: expected rate, ramp_to or both", what)
		}
		if n := f["rate"]; n != nil {
			st.From, _ = d.rate(n, what+": rate")
		}
		st.To = st.From
		if n := f["ramp_to"]; n != nil {
			st.To, _ = d.rate(n, what+": ramp_to")
		}
		d.stageShape(what, f, &st)
		prev = st.To
		p.Stages = append(p.Stages, st)
	}
	if len(d.errs) == 0 {
		// A safety net: the checks above should leave nothing for it.
		if _, err := workloads.NewProfile(p.Stages); err != nil {
			d.errorf(n, "%v", err)
		}
	}
}

func (d *decoder) stageShape(what string, f map[string]*yaml.Node, st *workloads.Stage) {
	if n := f["steps"]; n != nil {
		if v, ok := d.integer(n, what+": steps"); ok {
			if f["ramp_to"] == nil && v > 0 {
				d.errorf(n, "%s: steps needs ramp_to: the staircase climbs from rate to ramp_to", what)
			}
			st.Steps = v
		}
	}
	if n := f["arrival"]; n != nil {
		if a, ok := d.oneOf(n, what+": arrival", []string{"uniform", "poisson"}); ok && a == "poisson" {
			st.Arrival = workloads.Poisson
		}
	}
}

var sloMetrics = []Metric{MetricP50, MetricP90, MetricP99, MetricP999, MetricMax, MetricErrorRate}

func (d *decoder) slos(n *yaml.Node, p *Plan) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "slo: expected a list of rules like {op: pdp-read, p99: 25ms}")
		return
	}
	keys := []string{"op", "stage", "abort", "for"}
	for _, m := range sloMetrics {
		keys = append(keys, string(m))
	}
	ops := names(p.Ops, func(o Op) string { return o.Name })
	stages := names(p.Stages, func(s workloads.Stage) string { return s.Name })
	for _, item := range n.Content {
		f, ok := d.fields(item, "slo rule", keys, nil)
		if !ok {
			continue
		}
		base := SLO{Op: "*", Stage: "*"}
		if n := f["op"]; n != nil {
			base.Op, _ = d.refOrAll(n, "slo rule: op", "op", ops)
		}
		if n := f["stage"]; n != nil {
			base.Stage, _ = d.sloStage(n, stages)
		}
		d.sloAbort(f, &base)
		before := len(p.SLOs)
		for _, m := range sloMetrics {
			if n := f[string(m)]; n != nil {
				p.SLOs = append(p.SLOs, d.sloRule(n, base, m))
			}
		}
		if len(p.SLOs) == before {
			d.errorf(item, "slo rule: expected at least one limit of p50, p90, p99, p999, max or error_rate")
		}
	}
}

// sloStage reads a rule's stage. In a capacity search every rule applies
// to every probe: there are no stages to name.
func (d *decoder) sloStage(n *yaml.Node, stages []string) (string, bool) {
	if !d.capacity {
		return d.refOrAll(n, "slo rule: stage", "stage", stages)
	}
	s, ok := d.str(n, "slo rule: stage")
	if ok && s != "*" {
		d.errorf(n, "slo rule: stage: not allowed with capacity: every rule applies to every stage of the search")
		return "*", false
	}
	return s, ok
}

// sloAbort reads a rule's abort and for keys into base, which every
// metric of the rule then shares.
func (d *decoder) sloAbort(f map[string]*yaml.Node, base *SLO) {
	abortOK := true // a bad abort is reported once, not again at for
	if n := f["abort"]; n != nil {
		base.Abort, abortOK = d.boolean(n, "slo rule: abort")
		if base.Abort && d.capacity {
			d.errorf(n, "slo rule: abort: not allowed with capacity: a search drives probes past the SLO on purpose, and a breach must not stop it")
			base.Abort, abortOK = false, false
		}
	}
	n := f["for"]
	if n == nil {
		return
	}
	v, ok := d.duration(n, "slo rule: for")
	switch {
	case ok && abortOK && !base.Abort:
		d.errorf(n, "slo rule: for needs abort: true: it is how long a breach lasts before the run stops")
	case ok && base.Abort:
		base.For = v
	}
}

func (d *decoder) sloRule(n *yaml.Node, base SLO, m Metric) SLO {
	base.Metric = m
	if m == MetricErrorRate {
		base.ErrorRate, _ = d.fraction(n, "slo rule: error_rate")
	} else if v, ok := d.duration(n, "slo rule: "+string(m)); ok && v == 0 {
		d.errorf(n, "slo rule: %s: expected a limit above 0s: every op takes some time", m)
	} else {
		base.Latency = v
	}
	return base
}

// refOrAll reads "*" or one of names.
func (d *decoder) refOrAll(n *yaml.Node, what, kind string, names []string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok || s == "*" {
		return s, ok
	}
	if _, ok := d.ref(n, what, kind, names); !ok {
		return s, false
	}
	return s, true
}

// Duration is the planned length of the run: the sum of its stages; 0 for
// a capacity search, whose length depends on what it finds.
func (p *Plan) Duration() time.Duration {
	var total time.Duration
	for _, st := range p.Stages {
		total += st.Duration
	}
	return total
}

// Scale multiplies every stage's rates by rate and its duration by
// duration (rounded to the nanosecond), for --rate-scale and
// --duration-scale. Both must be finite and positive, and the scaled
// profile valid (rates up to 1000G ops/s, as in a file); on error p is
// unchanged. A capacity search has no stages: Scale multiplies its start
// and maximum rates, and the lengths of its probes, warm-ups,
// confirmations and cool-downs, instead. Scale is not safe for concurrent
// use with readers of p.
func (p *Plan) Scale(rate, duration float64) error {
	if !(rate > 0) || !(duration > 0) || math.IsInf(rate, 0) || math.IsInf(duration, 0) {
		return fmt.Errorf("scale scenario %s: rate and duration scales must be finite and positive, got %v and %v", p.Name, rate, duration)
	}
	if p.Capacity != nil {
		return p.scaleCapacity(rate, duration)
	}
	stages := slices.Clone(p.Stages)
	for i := range stages {
		st := &stages[i]
		st.From *= rate
		st.To *= rate
		if max(st.From, st.To) > maxRate {
			return fmt.Errorf("scale scenario %s: rate scale %v takes stage %q above %g ops/s", p.Name, rate, st.Name, float64(maxRate))
		}
		d := math.Round(float64(st.Duration) * duration)
		if d < 1 || d >= math.MaxInt64 {
			return fmt.Errorf("scale scenario %s: duration scale %v makes stage %q last %v", p.Name, duration, st.Name, time.Duration(d))
		}
		st.Duration = time.Duration(d)
	}
	if _, err := workloads.NewProfile(stages); err != nil {
		return fmt.Errorf("scale scenario %s: %w", p.Name, err)
	}
	p.Stages = stages
	return nil
}

// scaleCapacity is Scale of a capacity search.
func (p *Plan) scaleCapacity(rate, duration float64) error {
	c := *p.Capacity
	c.StartRate *= rate
	c.MaxRate *= rate
	if c.MaxRate > maxRate {
		return fmt.Errorf("scale scenario %s: rate scale %v takes the search's max_rate above %g ops/s", p.Name, rate, float64(maxRate))
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
	}{{"stage", &c.Stage}, {"warmup", &c.Warmup}, {"confirm", &c.Confirm}, {"cooldown", &c.Cooldown}} {
		x := math.Round(float64(*d.v) * duration)
		if x >= math.MaxInt64 || *d.v > 0 && x < 1 {
			return fmt.Errorf("scale scenario %s: duration scale %v makes the search's %s last %v", p.Name, duration, d.name, time.Duration(x))
		}
		*d.v = time.Duration(x)
	}
	if c.Warmup >= c.Stage || c.Warmup >= c.Confirm {
		return fmt.Errorf("scale scenario %s: duration scale %v leaves the search's warmup (%v) no shorter than its stage (%v) or confirm (%v)",
			p.Name, duration, c.Warmup, c.Stage, c.Confirm)
	}
	p.Capacity = &c
	return nil
}

// Profile returns the load profile of p's stages, for scheduling. It fails
// for a capacity search, which has no stages, and if p.Stages was changed
// into something invalid after Parse.
func (p *Plan) Profile() (*workloads.Profile, error) {
	prof, err := workloads.NewProfile(p.Stages)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", p.Name, err)
	}
	return prof, nil
}
