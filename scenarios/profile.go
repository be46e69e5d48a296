package scenarios

import (
	"fmt"
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
		}
		if f["rate"] == nil && f["ramp_to"] == nil {
			d.errorf(item, "%s: expected rate, ramp_to or both", what)
		}
		if n := f["rate"]; n != nil {
			st.From, _ = d.count(n, what+": rate")
		}
		st.To = st.From
		if n := f["ramp_to"]; n != nil {
			st.To, _ = d.count(n, what+": ramp_to")
		}
		d.stageShape(what, f, &st)
		prev = st.To
		p.Stages = append(p.Stages, st)
	}
	if len(d.errs) == 0 {
		if _, err := workloads.NewProfile(p.Stages); err != nil {
			d.errorf(n, "profile: %v", err)
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
	keys := []string{"op", "stage"}
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
			base.Stage, _ = d.refOrAll(n, "slo rule: stage", "stage", stages)
		}
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

func (d *decoder) sloRule(n *yaml.Node, base SLO, m Metric) SLO {
	base.Metric = m
	if m == MetricErrorRate {
		base.ErrorRate, _ = d.fraction(n, "slo rule: error_rate")
	} else {
		base.Latency, _ = d.duration(n, "slo rule: "+string(m))
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

// Duration is the planned length of the run: the sum of its stages.
func (p *Plan) Duration() time.Duration {
	var total time.Duration
	for _, st := range p.Stages {
		total += st.Duration
	}
	return total
}

// Scale multiplies every stage's rates by rate and its duration by
// duration, for --rate-scale and --duration-scale. Both must be positive.
func (p *Plan) Scale(rate, duration float64) error {
	if !(rate > 0) || !(duration > 0) {
		return fmt.Errorf("rate and duration scales must be positive, got %v and %v", rate, duration)
	}
	for i := range p.Stages {
		st := &p.Stages[i]
		st.From *= rate
		st.To *= rate
		st.Duration = time.Duration(float64(st.Duration) * duration)
		if st.Duration <= 0 {
			return fmt.Errorf("duration scale %v makes stage %q last no time", duration, st.Name)
		}
	}
	return nil
}
