package scenarios

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Populate is one keyspace to write before the measured stages: keys 0 to
// Count-1, once each, in order. Writing a key again overwrites it, so a
// repeated or resumed populate leaves the same records, never more.
type Populate struct {
	// Op is the write, as a mix op would run it: Target, Kind (a kind of
	// the driver that writes a value), Keyspace, Sizes and driver options.
	// Its Name is "populate:" and the keyspace's name; its Weight is 0.
	Op Op
	// Count is how many keys are written, 1 to the keyspace's count.
	Count uint64
	// Rate caps the writes per second; 0 means as fast as Concurrency
	// allows.
	Rate float64
	// Concurrency is how many writes may be in flight.
	Concurrency int
}

// defaultPopulateConcurrency is the writes in flight of a populate that
// does not say: enough to fill a pipelined connection or a node's queue,
// few enough not to look like a sale.
const defaultPopulateConcurrency = 64

var populateKeys = []string{"target", "op", "count", "value_size", "rate", "concurrency", "options"}

// populate reads the populate section: keyspace name -> how to write it.
func (d *decoder) populate(n *yaml.Node, p *Plan) {
	targets, keyspaces := names(p.Targets, func(t Target) string { return t.Name }), names(p.Keyspaces, func(k Keyspace) string { return k.Name })
	for _, e := range d.named(n, "populate") {
		what := fmt.Sprintf("populate %q", e.key.Value)
		ks, ok := d.ref(e.key, "populate", "keyspace", keyspaces)
		f, fok := d.fields(e.val, what, populateKeys, []string{"target", "value_size"})
		if !ok || !fok {
			continue
		}
		pop := Populate{Op: Op{Name: "populate:" + e.key.Value, Target: -1, Keyspace: ks},
			Count: p.Keyspaces[ks].Count, Concurrency: defaultPopulateConcurrency}
		if n := f["count"]; n != nil {
			if c, ok := d.keyCount(n, what+": count"); ok {
				if c > pop.Count {
					d.errorf(n, "%s: count: the keyspace has %d keys, fewer than %d", what, pop.Count, c)
				}
				pop.Count = min(c, pop.Count)
			}
		}
		if n := f["value_size"]; n != nil {
			pop.Op.Sizes = d.sizes(n, what+": value_size")
		}
		if n := f["rate"]; n != nil {
			pop.Rate, _ = d.rate(n, what+": rate")
		}
		if n := f["concurrency"]; n != nil {
			if v, ok := d.integer(n, what+": concurrency"); ok && (v < 1 || v > maxPopulateConcurrency) {
				d.errorf(n, "%s: concurrency: expected 1 to %d, got %d", what, maxPopulateConcurrency, v)
			} else if ok {
				pop.Concurrency = v
			}
		}
		if n := f["target"]; n != nil {
			pop.Op.Target, _ = d.ref(n, what+": target", "target", targets)
		}
		if pop.Op.Target >= 0 {
			if spec, ok := driverSpecs[p.Targets[pop.Op.Target].Driver]; ok {
				d.populateOp(what, e.val, f, &pop.Op, spec)
			}
		}
		p.Populate = append(p.Populate, pop)
	}
}

// maxPopulateConcurrency bounds a populate's writes in flight.
const maxPopulateConcurrency = 10_000

// populateOp checks the write against the target's driver: the kind must
// write a value; without "op" it is the driver's first such kind.
func (d *decoder) populateOp(what string, at *yaml.Node, f map[string]*yaml.Node, op *Op, spec driverSpec) {
	if f["op"] == nil {
		op.Kind = spec.writes[0]
	} else if k, ok := d.oneOf(f["op"], what+": op", spec.writes); ok {
		op.Kind = k
	}
	if !slices.Contains(spec.writes, op.Kind) {
		return
	}
	g := map[string]*yaml.Node{"value_size": f["value_size"], "options": f["options"]}
	d.opForDriver(what, at, g, op, spec)
}
