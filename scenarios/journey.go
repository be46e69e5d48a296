package scenarios

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/surgeload/surge/workloads"
)

// Journey is a user flow: a Markov chain of steps that starts open-loop at
// its weight's share of the arrivals, like an op of the mix.
type Journey struct {
	Name string
	// Op indexes the journey's own op in Plan.Ops (Kind "journey"): one per
	// journey, measuring the whole journey.
	Op int
	// Steps are in file order; the first is where every journey starts.
	Steps []Step
	// Chain holds the transitions between Steps, by index.
	Chain *workloads.Chain
	// Vars names the journey's variables, set by the steps' extracts.
	Vars []string
	// Think is the think time after a step that sets none; nil = none.
	Think workloads.Durations
	// IncludeThink makes journey latency include think time.
	IncludeThink bool
	// MaxSteps ends a journey after that many steps; 0 = the engine's
	// default.
	MaxSteps int
}

// Step is one step of a journey.
type Step struct {
	Name string
	// Op indexes the step's op in Plan.Ops, named "journey.step".
	Op int
	// Think overrides the journey's think time after this step.
	Think workloads.Durations
}

var (
	journeyKeys = []string{"weight", "steps", "think_time", "include_think_time", "max_steps"}
	stepKeys    = []string{"target", "op", "keyspace", "value_size", "options", "next", "exit", "think_time"}
)

// maxJourneySteps bounds max_steps: a journey is a session, not a crawl.
const maxJourneySteps = 10_000

func (d *decoder) journeys(n *yaml.Node, p *Plan) {
	targets, keyspaces := names(p.Targets, func(t Target) string { return t.Name }), names(p.Keyspaces, func(k Keyspace) string { return k.Name })
	for _, e := range d.named(n, "journeys") {
		what := fmt.Sprintf("journey %q", e.key.Value)
		f, ok := d.fields(e.val, what, journeyKeys, []string{"weight", "steps"})
		if !ok {
			continue
		}
		if slices.ContainsFunc(p.Ops, func(o Op) bool { return o.Name == e.key.Value }) {
			d.errorf(e.key, "%s: the name is taken by an op of the mix; journeys and ops share one namespace", what)
		}
		j := Journey{Name: e.key.Value, Op: len(p.Ops)}
		op := Op{Name: j.Name, Kind: "journey", Target: -1, Keyspace: -1}
		if n := f["weight"]; n != nil {
			op.Weight, _ = d.count(n, what+": weight")
		}
		p.Ops = append(p.Ops, op)
		if n := f["think_time"]; n != nil {
			j.Think = d.thinkTime(n, what+": think_time")
		}
		if n := f["include_think_time"]; n != nil {
			j.IncludeThink, _ = d.boolean(n, what+": include_think_time")
		}
		if n := f["max_steps"]; n != nil {
			if v, ok := d.integer(n, what+": max_steps"); ok && (v < 1 || v > maxJourneySteps) {
				d.errorf(n, "%s: max_steps: expected 1 to %d, got %d", what, maxJourneySteps, v)
			} else {
				j.MaxSteps = v
			}
		}
		if n := f["steps"]; n != nil {
			d.journeySteps(n, what, &j, p, targets, keyspaces)
		}
		p.Journeys = append(p.Journeys, j)
	}
	d.scope = opScope{plan: p}
}

// journeySteps reads the steps of j, appending their ops to p.Ops, and
// builds its chain.
func (d *decoder) journeySteps(n *yaml.Node, what string, j *Journey, p *Plan, targets, keyspaces []string) {
	before := len(d.errs)
	es := d.named(n, what+": steps")
	j.Vars = d.journeyVars(es, what, p)
	d.scope = opScope{plan: p, journey: true, vars: j.Vars}
	stepNames := make([]string, len(es))
	for i, e := range es {
		stepNames[i] = e.key.Value
	}
	fields := make([]map[string]*yaml.Node, len(es))
	for i, e := range es {
		sw := fmt.Sprintf("%s: step %q", what, e.key.Value)
		f, ok := d.fields(e.val, sw, stepKeys, []string{"target"})
		if !ok {
			continue
		}
		fields[i] = f
		op := d.targetOp(j.Name+"."+e.key.Value, sw, e.val, f, p, targets, keyspaces)
		if op.Keyspace >= 0 {
			if _, seq := p.Keyspaces[op.Keyspace].Keys.(*workloads.Sequential); seq {
				d.errorf(f["keyspace"], "%s: keyspace: a journey step cannot draw from a sequential keyspace, which its lane owns", sw)
			}
		}
		st := Step{Name: e.key.Value, Op: len(p.Ops)}
		if n := f["think_time"]; n != nil {
			st.Think = d.thinkTime(n, sw+": think_time")
		}
		p.Ops = append(p.Ops, op)
		j.Steps = append(j.Steps, st)
	}
	if len(j.Steps) != len(es) {
		return
	}
	chain := make([]workloads.ChainStep, len(es))
	for i, e := range es {
		chain[i] = d.transitions(fields[i], fmt.Sprintf("%s: step %q", what, e.key.Value), stepNames)
	}
	if len(d.errs) > before {
		return
	}
	c, err := workloads.NewChain(chain)
	var ce *workloads.ChainError
	switch {
	case errors.As(err, &ce):
		d.errorf(es[ce.Step].key, "%s: step %q: %s", what, stepNames[ce.Step], ce.Msg)
	case err != nil:
		d.errorf(n, "%s: %v", what, err)
	}
	j.Chain = c
}

// journeyVars collects the variables the steps extract, in file order,
// and checks that their names leave the template names unambiguous.
func (d *decoder) journeyVars(steps []entry, what string, p *Plan) []string {
	var vars []string
	for _, e := range steps {
		opts := mappingValue(e.val, "options")
		ex := mappingValue(opts, "extract")
		if ex == nil || ex.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(ex.Content); i += 2 {
			k := ex.Content[i]
			switch name := k.Value; {
			case slices.Contains([]string{"seq", "key", "value"}, name),
				slices.ContainsFunc(p.Keyspaces, func(ks Keyspace) bool { return ks.Name == name }):
				d.errorf(k, "%s: variable %q: the name is taken by a template name (seq, key, value or a keyspace)", what, name)
			case !slices.Contains(vars, name):
				vars = append(vars, name)
			}
		}
	}
	return vars
}

// mappingValue returns the value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n = resolve(n); n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return resolve(n.Content[i+1])
		}
	}
	return nil
}

// transitions reads a step's next and exit.
func (d *decoder) transitions(f map[string]*yaml.Node, what string, steps []string) workloads.ChainStep {
	var cs workloads.ChainStep
	var sum float64
	if n := f["next"]; n != nil {
		es, _ := d.entries(n, what+": next")
		for _, e := range es {
			to, ok := d.ref(e.key, what+": next", "step", steps)
			pr, okP := d.fraction(e.val, what+": next: "+e.key.Value)
			if ok && okP {
				cs.Next, cs.Probs = append(cs.Next, to), append(cs.Probs, pr)
				sum += pr
			}
		}
		if sum > 1+1e-9 {
			d.errorf(n, "%s: next: the probabilities sum to %.4g; want at most 1 (what is left is the exit)", what, sum)
		}
	}
	if n := f["exit"]; n != nil {
		if f["next"] == nil {
			d.errorf(n, "%s: exit needs next: a step with no next is a goal, where every journey ends", what)
		} else if v, ok := d.fraction(n, what+": exit"); ok && math.Abs(v+sum-1) > 1e-9 {
			d.errorf(n, "%s: exit %.4g and next %.4g sum to %.4g; want 1 (leave exit out to take what is left)", what, v, sum, v+sum)
		}
	}
	return cs
}

// thinkTime reads a think time: a duration (fixed), {min, max} (uniform),
// {mean} (exponential) or {median, p99} (lognormal).
func (d *decoder) thinkTime(n *yaml.Node, what string) workloads.Durations {
	if n = resolve(n); n.Kind == yaml.ScalarNode {
		if v, ok := d.duration(n, what); ok {
			if v < 0 {
				d.errorf(n, "%s: expected 0s or more, got %v", what, v)
			}
			return workloads.FixedDuration(v)
		}
		return nil
	}
	f, ok := d.fields(n, what, []string{"min", "max", "mean", "median", "p99"}, nil)
	if !ok {
		return nil
	}
	get := func(key string) (time.Duration, bool) {
		if f[key] == nil {
			return 0, false
		}
		return d.duration(f[key], what+": "+key)
	}
	var out workloads.Durations
	var err error
	switch {
	case f["min"] != nil && f["max"] != nil && len(f) == 2:
		lo, ok1 := get("min")
		hi, ok2 := get("max")
		if !ok1 || !ok2 {
			return nil
		}
		out, err = workloads.NewUniformDuration(lo, hi)
	case f["mean"] != nil && len(f) == 1:
		mean, ok := get("mean")
		if !ok {
			return nil
		}
		out, err = workloads.NewExponentialDuration(mean)
	case f["median"] != nil && f["p99"] != nil && len(f) == 2:
		med, ok1 := get("median")
		p99, ok2 := get("p99")
		if !ok1 || !ok2 {
			return nil
		}
		out, err = workloads.NewLognormalDuration(med, p99)
	default:
		d.errorf(n, "%s: expected a duration (2s), {min, max} (uniform), {mean} (exponential) or {median, p99} (lognormal)", what)
		return nil
	}
	if err != nil {
		d.errorf(n, "%s: %v", what, err)
	}
	return out
}
