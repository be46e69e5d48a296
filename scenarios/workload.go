package scenarios

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/surgeload/surge/workloads"
)

// keyspaceKeys lists, per distribution, the keys a keyspace may have.
var keyspaceKeys = map[string][]string{
	"uniform":    {"count", "distribution", "prefix"},
	"zipfian":    {"count", "distribution", "prefix", "theta", "scrambled"},
	"hotspot":    {"count", "distribution", "prefix", "hot_set", "hot_ops"},
	"latest":     {"count", "distribution", "prefix", "theta"},
	"sequential": {"count", "distribution", "prefix"},
}

var distributions = []string{"uniform", "zipfian", "hotspot", "latest", "sequential"}

func (d *decoder) keyspaces(n *yaml.Node, p *Plan) {
	all := []string{"count", "distribution", "prefix", "theta", "scrambled", "hot_set", "hot_ops"}
	for _, e := range d.named(n, "keyspaces") {
		what := fmt.Sprintf("keyspace %q", e.key.Value)
		f, ok := d.fields(e.val, what, all, []string{"count"})
		if !ok {
			continue
		}
		dist := "uniform"
		if n := f["distribution"]; n != nil {
			if dist, ok = d.oneOf(n, what+": distribution", distributions); !ok {
				// Keep the name, so ops referring to it are not reported too.
				p.Keyspaces = append(p.Keyspaces, Keyspace{Name: e.key.Value})
				continue
			}
		}
		for _, k := range all {
			if f[k] != nil && !slices.Contains(keyspaceKeys[dist], k) {
				d.errorf(f[k], "%s: %s does not apply to a %s keyspace", what, k, dist)
			}
		}
		ks := Keyspace{Name: e.key.Value, Prefix: e.key.Value + ":"}
		if n := f["prefix"]; n != nil {
			ks.Prefix, _ = d.str(n, what+": prefix")
		}
		if n := f["count"]; n != nil {
			ks.Count, _ = d.keyCount(n, what+": count")
		}
		if ks.Count > 0 {
			ks.Keys = d.keyChooser(e.val, what, dist, f, ks.Count)
		}
		p.Keyspaces = append(p.Keyspaces, ks)
	}
}

// keyChooser builds the keyspace's distribution.
func (d *decoder) keyChooser(at *yaml.Node, what, dist string, f map[string]*yaml.Node, n uint64) workloads.Keys {
	theta, scrambled, hotSet, hotOps := 0.99, true, 0.2, 0.8
	floatKey := func(key string, v *float64, get func(*yaml.Node, string) (float64, bool)) {
		if node := f[key]; node != nil {
			if x, ok := get(node, what+": "+key); ok {
				*v, at = x, node
			}
		}
	}
	floatKey("theta", &theta, d.number)
	floatKey("hot_set", &hotSet, d.fraction)
	floatKey("hot_ops", &hotOps, d.fraction)
	if node := f["scrambled"]; node != nil {
		scrambled, _ = d.boolean(node, what+": scrambled")
	}
	var keys workloads.Keys
	var err error
	switch dist {
	case "uniform":
		keys, err = workloads.NewUniform(n)
	case "zipfian":
		keys, err = workloads.NewZipf(n, theta, scrambled)
	case "hotspot":
		keys, err = workloads.NewHotspot(n, hotSet, hotOps)
	case "latest":
		keys, err = workloads.NewLatest(n, theta)
	case "sequential":
		keys, err = workloads.NewSequential(n)
	}
	if err != nil {
		d.errorf(at, "%s: %v", what, err)
		return nil
	}
	return keys
}

var opKeys = []string{"weight", "target", "op", "keyspace", "value_size", "options"}

func (d *decoder) mix(n *yaml.Node, p *Plan) {
	d.scope = opScope{plan: p}
	targets, keyspaces := names(p.Targets, func(t Target) string { return t.Name }), names(p.Keyspaces, func(k Keyspace) string { return k.Name })
	for _, e := range d.named(n, "mix") {
		what := fmt.Sprintf("op %q", e.key.Value)
		f, ok := d.fields(e.val, what, opKeys, []string{"weight", "target"})
		if !ok {
			continue
		}
		op := d.targetOp(e.key.Value, what, e.val, f, p, targets, keyspaces)
		if n := f["weight"]; n != nil {
			op.Weight, _ = d.count(n, what+": weight")
		}
		p.Ops = append(p.Ops, op)
	}
}

// targetOp reads what a mix op and a journey step share: the target, op
// kind, keyspace, value size and the driver's options. The op kind may be
// left out when the driver has one; the keyspace when the driver needs no
// key.
func (d *decoder) targetOp(name, what string, at *yaml.Node, f map[string]*yaml.Node, p *Plan, targets, keyspaces []string) Op {
	op := Op{Name: name, Target: -1, Keyspace: -1}
	if n := f["keyspace"]; n != nil {
		op.Keyspace, _ = d.ref(n, what+": keyspace", "keyspace", keyspaces)
	}
	if n := f["value_size"]; n != nil {
		op.Sizes = d.sizes(n, what+": value_size")
	}
	if n := f["target"]; n != nil {
		op.Target, _ = d.ref(n, what+": target", "target", targets)
	}
	if op.Target >= 0 {
		if spec, ok := driverSpecs[p.Targets[op.Target].Driver]; ok {
			if f["keyspace"] == nil && !spec.keyless {
				d.errorf(at, "%s: missing required key %q", what, "keyspace")
			}
			if f["op"] == nil && len(spec.kinds) != 1 {
				d.errorf(at, "%s: missing required key %q", what, "op")
			}
			d.opForDriver(what, at, f, &op, spec)
		}
	}
	return op
}

// opForDriver checks the op kind and options against the target's driver.
func (d *decoder) opForDriver(what string, at *yaml.Node, f map[string]*yaml.Node, op *Op, spec driverSpec) {
	if n := f["op"]; n != nil {
		op.Kind, _ = d.oneOf(n, what+": op", spec.kinds)
	} else if len(spec.kinds) == 1 {
		op.Kind = spec.kinds[0]
	}
	if slices.Contains(spec.writes, op.Kind) && f["value_size"] == nil {
		d.errorf(at, "%s: missing required key \"value_size\": a %s writes a value", what, op.Kind)
	}
	if slices.Contains(spec.batches, op.Kind) {
		op.Batch = defaultBatch
	}
	var of map[string]*yaml.Node
	if n := f["options"]; n != nil {
		var ok bool
		if of, ok = d.fields(n, what+" options", spec.opKeys, nil); ok {
			if b := of["batch"]; b != nil {
				d.batch(b, what, op, spec)
			}
			spec.op(d, what, of, op)
		}
	}
	if need, ok := spec.opNeeds[op.Kind]; ok && of[need] == nil {
		d.errorf(at, "%s: %s needs options: {%s: ...}", what, op.Kind, need)
	}
}

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

// sizes reads a value size: a fixed size, {min, max}, or a list of
// {size, weight} buckets.
func (d *decoder) sizes(n *yaml.Node, what string) workloads.Sizes {
	switch n.Kind {
	case yaml.ScalarNode:
		if v, ok := d.size(n, what); ok {
			return workloads.Fixed(v)
		}
	case yaml.MappingNode:
		f, ok := d.fields(n, what, []string{"min", "max"}, []string{"min", "max"})
		if !ok || f["min"] == nil || f["max"] == nil {
			return nil
		}
		lo, ok1 := d.size(f["min"], what+": min")
		hi, ok2 := d.size(f["max"], what+": max")
		if ok1 && ok2 {
			s, err := workloads.NewUniformSize(lo, hi)
			if err != nil {
				d.errorf(n, "%s: %v", what, err)
			}
			return s
		}
	case yaml.SequenceNode:
		return d.buckets(n, what)
	default:
		d.errorf(n, "%s: expected a size like 2KiB, {min: 512B, max: 4KiB} or a list of {size, weight}", what)
	}
	return nil
}

func (d *decoder) buckets(n *yaml.Node, what string) workloads.Sizes {
	var sizes []int
	var weights []float64
	for _, item := range n.Content {
		f, ok := d.fields(item, what+" bucket", []string{"size", "weight"}, []string{"size", "weight"})
		if !ok || f["size"] == nil || f["weight"] == nil {
			return nil
		}
		s, ok1 := d.size(f["size"], what+": size")
		w, ok2 := d.count(f["weight"], what+": weight")
		if !ok1 || !ok2 {
			return nil
		}
		sizes, weights = append(sizes, s), append(weights, w)
	}
	b, err := workloads.NewBuckets(sizes, weights)
	if err != nil {
		d.errorf(n, "%s: %v", what, err)
		return nil
	}
	return b
}
