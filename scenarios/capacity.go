package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// CapacitySearch makes a scenario a capacity search (`surge plan`): for
// each target in turn, and each replica count, find the maximum sustainable
// throughput (MST) against the scenario's SLO by an exponential probe, a
// bisection and a confirmation (capacity-method.md §2.3). The search picks
// its own stages, so a Plan with a CapacitySearch has no Stages. Rates are
// ops/s of the whole mix of the searched target.
type CapacitySearch struct {
	// Targets indexes Plan.Targets: the targets searched, one after the
	// other. Each is used by an op of the mix. Default: every target the
	// mix uses, in file order.
	Targets []int
	// StartRate is the first probe's rate, r0, ops/s > 0; default 100.
	StartRate float64
	// Stage is the measured length of a probe, after its warm-up, > 0;
	// default 60s.
	Stage time.Duration
	// Warmup is the excluded start of every probe and confirmation, shorter
	// than both; default 10s.
	Warmup time.Duration
	// Confirm is the length of the confirmation at the found rate, > 0;
	// default 300s.
	Confirm time.Duration
	// Cooldown is the idle time between probes once nothing is in flight;
	// default 10s.
	Cooldown time.Duration
	// Precision ends the bisection once (hi − lo)/lo is at most it, in
	// (0, 0.5]; default 0.02.
	Precision float64
	// Growth multiplies the rate from one probe to the next, > 1; default 2.
	Growth float64
	// MaxRate is where probing stops, ops/s >= StartRate; default 10M.
	MaxRate float64
	// Backoffs is how many confirmations are tried, each after a failed
	// one 3 % lower than the last, >= 1; default 3.
	Backoffs int
	// Replicas are the replica counts to search at, in order, distinct and
	// >= 1. Sim targets are rebuilt with each ([SimTarget.Replicas]); any
	// other target has exactly one, the size deployed, which tags the
	// results. Default [1].
	Replicas []int
}

// Defaults of a capacity search (capacity-method.md §10).
const (
	defaultStartRate = 100
	defaultMaxRate   = 10e6
	defaultBackoffs  = 3
	maxPrecision     = 0.5
	// maxReplicas bounds a replica count: a large fleet, not a typo. Each
	// sim replica is a whole copy of the target's model.
	maxReplicas = 10_000
)

var capacityKeys = []string{"targets", "start_rate", "stage", "warmup", "confirm", "cooldown", "precision",
	"growth", "max_rate", "backoffs", "replicas"}

// capacitySearch reads the capacity block. It runs after the mix and the
// SLO rules, which it checks the searched targets against.
func (d *decoder) capacitySearch(n *yaml.Node, p *Plan) {
	f, ok := d.fields(n, "capacity", capacityKeys, nil)
	if !ok {
		return
	}
	c := &CapacitySearch{StartRate: defaultStartRate, Stage: time.Minute, Warmup: 10 * time.Second,
		Confirm: 5 * time.Minute, Cooldown: 10 * time.Second, Precision: 0.02, Growth: 2,
		MaxRate: defaultMaxRate, Backoffs: defaultBackoffs, Replicas: []int{1}}
	c.Targets = d.capacityTargets(n, f["targets"], p)
	d.capacityRates(f, c)
	d.capacityDurations(f, c)
	if n := f["precision"]; n != nil {
		if v, ok := d.percent(n, "capacity: precision"); ok && (v <= 0 || v > maxPrecision) {
			d.errorf(n, "capacity: precision: expected more than 0 and at most 50%% (the bisection stops when its bracket is this narrow), got %q", n.Value)
		} else if ok {
			c.Precision = v
		}
	}
	if n := f["growth"]; n != nil {
		if v, ok := d.number(n, "capacity: growth"); ok && v <= 1 {
			d.errorf(n, "capacity: growth: expected a multiplier above 1 (each probe's rate is the last one's times growth), got %v", v)
		} else if ok {
			c.Growth = v
		}
	}
	if n := f["backoffs"]; n != nil {
		if v, ok := d.integer(n, "capacity: backoffs"); ok && v < 1 {
			d.errorf(n, "capacity: backoffs: expected at least 1 confirmation, got %d", v)
		} else if ok {
			c.Backoffs = v
		}
	}
	if n := f["replicas"]; n != nil {
		if r, ok := d.replicaCounts(n, p, c.Targets); ok {
			c.Replicas = r
		}
	}
	p.Capacity = c
}

// capacityTargets reads the searched targets, or defaults them to every
// target the mix uses; each needs a latency SLO to judge its probes by.
func (d *decoder) capacityTargets(block, n *yaml.Node, p *Plan) []int {
	used := func(t int) bool { return slices.ContainsFunc(p.Ops, func(o Op) bool { return o.Target == t }) }
	var out []int
	if n == nil {
		for t := range p.Targets {
			if used(t) {
				out = append(out, t)
			}
		}
		for _, t := range out {
			d.needLatencySLO(block, p, t)
		}
		return out
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorf(n, "capacity: targets: expected a list of at least one target name, like [kv]")
		return nil
	}
	targets := names(p.Targets, func(t Target) string { return t.Name })
	for _, item := range n.Content {
		t, ok := d.ref(item, "capacity: targets", "target", targets)
		switch {
		case !ok:
		case slices.Contains(out, t):
			d.errorf(item, "capacity: targets: %q is listed twice", targets[t])
		case !used(t):
			d.errorf(item, "capacity: targets: no op of the mix uses target %q, so there is nothing to send it", targets[t])
		default:
			out = append(out, t)
			d.needLatencySLO(item, p, t)
		}
	}
	return out
}

// needLatencySLO reports at n a searched target that no latency rule
// covers: the MST is defined against a latency limit.
func (d *decoder) needLatencySLO(n *yaml.Node, p *Plan, t int) {
	for _, s := range p.SLOs {
		if s.Metric == MetricErrorRate {
			continue
		}
		if s.Op == "*" || slices.ContainsFunc(p.Ops, func(o Op) bool { return o.Name == s.Op && o.Target == t }) {
			return
		}
	}
	d.errorf(n, "capacity: target %q has no latency SLO to judge the search's probes by; add a rule like {op: NAME, p99: 25ms} to slo", p.Targets[t].Name)
}

func (d *decoder) capacityRates(f map[string]*yaml.Node, c *CapacitySearch) {
	if n := f["start_rate"]; n != nil {
		if v, ok := d.rate(n, "capacity: start_rate"); ok && v <= 0 {
			d.errorf(n, "capacity: start_rate: expected a rate above 0, got %q", n.Value)
		} else if ok {
			c.StartRate = v
		}
	}
	if n := f["max_rate"]; n != nil {
		if v, ok := d.rate(n, "capacity: max_rate"); ok && v < c.StartRate {
			d.errorf(n, "capacity: max_rate (%g ops/s) must not be below start_rate (%g ops/s)", v, c.StartRate)
		} else if ok {
			c.MaxRate = v
		}
	}
}

func (d *decoder) capacityDurations(f map[string]*yaml.Node, c *CapacitySearch) {
	positive := func(key string, v *time.Duration) {
		if n := f[key]; n != nil {
			if x, ok := d.duration(n, "capacity: "+key); ok && x <= 0 {
				d.errorf(n, "capacity: %s: expected more than 0s", key)
			} else if ok {
				*v = x
			}
		}
	}
	positive("stage", &c.Stage)
	positive("confirm", &c.Confirm)
	if n := f["cooldown"]; n != nil {
		c.Cooldown, _ = d.duration(n, "capacity: cooldown")
	}
	at := f["warmup"]
	if at != nil {
		var ok bool
		if c.Warmup, ok = d.duration(at, "capacity: warmup"); !ok {
			return
		}
	}
	for _, o := range []struct {
		key string
		v   time.Duration
	}{{"stage", c.Stage}, {"confirm", c.Confirm}} {
		if c.Warmup >= o.v {
			where := at
			if where == nil {
				where = f[o.key]
			}
			d.errorf(where, "capacity: warmup (%v) must be shorter than %s (%v): it is excluded from every probe", c.Warmup, o.key, o.v)
			return
		}
	}
}

// replicaCounts reads the replica counts to search at. Only sim targets
// can be resized by surge; any other target is searched at the one size
// it has.
func (d *decoder) replicaCounts(n *yaml.Node, p *Plan, targets []int) ([]int, bool) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorf(n, "capacity: replicas: expected a list of at least one replica count, like [1, 2, 4]")
		return nil, false
	}
	var out []int
	ok := true
	for _, item := range n.Content {
		v, vok := d.integer(item, "capacity: replicas")
		switch {
		case !vok:
			ok = false
		case v < 1 || v > maxReplicas:
			d.errorf(item, "capacity: replicas: expected 1 to %d, got %d", maxReplicas, v)
			ok = false
		case slices.Contains(out, v):
			d.errorf(item, "capacity: replicas: %d is listed twice", v)
			ok = false
		default:
			out = append(out, v)
		}
	}
	if len(n.Content) > 1 {
		if msg := unresizable(p, targets); msg != "" {
			d.errorf(n, "capacity: replicas: %s", msg)
			return nil, false
		}
	}
	return out, ok
}

// unresizable names the first of targets that surge cannot resize (any
// but a sim target), in a sentence; "" when there is none.
func unresizable(p *Plan, targets []int) string {
	for _, t := range targets {
		if tg := p.Targets[t]; tg.Driver != "sim" {
			return fmt.Sprintf("target %q uses the %s driver, which surge cannot resize; give one value, the size it runs at", tg.Name, tg.Driver)
		}
	}
	return ""
}

// ErrNoSearch reports a capacity option given for a scenario without a
// capacity: block.
var ErrNoSearch = errors.New("the scenario has no capacity: block")

// SearchReplicas replaces the replica counts the capacity search runs at
// (surge run --capacity-replicas), under the rules of the scenario's own
// replicas key: distinct, 1 to 10,000, and one value unless every
// searched target is a sim target.
func (p *Plan) SearchReplicas(counts []int) error {
	if p.Capacity == nil {
		return fmt.Errorf("scenario %s: %w", p.Name, ErrNoSearch)
	}
	if len(counts) == 0 {
		return fmt.Errorf("scenario %s: capacity replicas: expected at least one replica count", p.Name)
	}
	for i, v := range counts {
		if v < 1 || v > maxReplicas {
			return fmt.Errorf("scenario %s: capacity replicas: expected 1 to %d, got %d", p.Name, maxReplicas, v)
		}
		if slices.Contains(counts[:i], v) {
			return fmt.Errorf("scenario %s: capacity replicas: %d is listed twice", p.Name, v)
		}
	}
	if len(counts) > 1 {
		if msg := unresizable(p, p.Capacity.Targets); msg != "" {
			return fmt.Errorf("scenario %s: capacity replicas: %s", p.Name, msg)
		}
	}
	c := *p.Capacity
	c.Replicas = slices.Clone(counts)
	p.Capacity = &c
	return nil
}
