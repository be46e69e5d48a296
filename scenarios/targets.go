package scenarios

import (
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// driverSpec is what the loader knows of one driver: its target options,
// its op kinds and its per-op options. Adding a driver is one entry in
// driverSpecs, a pointer field in [Target] (and [Op] if it has op options),
// and its two decode functions.
type driverSpec struct {
	targetKeys []string          // keys of a target besides "driver"
	required   []string          // of targetKeys
	kinds      []string          // op kinds
	writes     []string          // the kinds that write a value: value_size is required
	batches    []string          // the kinds that read a batch of keys (option "batch")
	opKeys     []string          // keys of an op's options
	opNeeds    map[string]string // op kind -> the option it cannot do without
	keyless    bool              // its ops may have no keyspace
	target     func(d *decoder, what string, f map[string]*yaml.Node, t *Target)
	op         func(d *decoder, what string, f map[string]*yaml.Node, op *Op)
}

var driverSpecs = map[string]driverSpec{
	"sim": {
		targetKeys: append(slices.Clone(simTargetKeys), "replicas"),
		required:   []string{"servers", "service_time"},
		kinds:      []string{"get", "put", "add", "delete", "touch", "exists", "operate", "batch-get"},
		writes:     []string{"put"},
		opKeys:     []string{"service_time"},
		target:     simTarget,
		op:         simOp,
	},
	"aerospike": aerospikeSpec,
	"redis":     redisSpec,
	"http":      httpSpec,
}

// simTargetKeys are the keys of a sim target's capacity model, which the
// embedded HTTP services' endpoints share.
var simTargetKeys = []string{"servers", "service_time", "service_dist", "p99_ratio", "queue_limit",
	"stall_every", "stall_for", "error_rate"}

func driverNames() []string { return slices.Sorted(maps.Keys(driverSpecs)) }

func (d *decoder) targets(n *yaml.Node, p *Plan) {
	for _, e := range d.named(n, "targets") {
		what := fmt.Sprintf("target %q", e.key.Value)
		es, ok := d.entries(e.val, what)
		if !ok {
			continue
		}
		var driverNode *yaml.Node
		for _, kv := range es {
			if kv.key.Value == "driver" {
				driverNode = kv.val
			}
		}
		if driverNode == nil {
			d.errorf(e.val, "%s: missing required key \"driver\" (one of %s)", what, quoteList(driverNames()))
			continue
		}
		driver, ok := d.oneOf(driverNode, what+": driver", driverNames())
		if !ok {
			// Keep the name, so ops referring to it are not reported too.
			p.Targets = append(p.Targets, Target{Name: e.key.Value})
			continue
		}
		spec := driverSpecs[driver]
		f, _ := d.fields(e.val, what, append([]string{"driver"}, spec.targetKeys...), spec.required)
		t := Target{Name: e.key.Value, Driver: driver}
		spec.target(d, what, f, &t)
		p.Targets = append(p.Targets, t)
	}
}

func simTarget(d *decoder, what string, f map[string]*yaml.Node, t *Target) {
	s := &SimTarget{ServiceDist: "constant", P99Ratio: 3, Replicas: 1}
	if n := f["servers"]; n != nil {
		if v, ok := d.integer(n, what+": servers"); ok && v < 1 {
			d.errorf(n, "%s: servers: expected at least 1, got %d", what, v)
		} else {
			s.Servers = v
		}
	}
	if n := f["service_time"]; n != nil {
		s.ServiceTime, _ = d.duration(n, what+": service_time")
	}
	if n := f["service_dist"]; n != nil {
		s.ServiceDist, _ = d.oneOf(n, what+": service_dist", []string{"constant", "exponential", "lognormal"})
	}
	if n := f["p99_ratio"]; n != nil {
		if v, ok := d.number(n, what+": p99_ratio"); ok && v < 1 {
			d.errorf(n, "%s: p99_ratio: expected at least 1 (p99 is never below p50), got %v", what, v)
		} else {
			s.P99Ratio = v
		}
	}
	if n := f["queue_limit"]; n != nil {
		s.QueueLimit, _ = d.integer(n, what+": queue_limit")
	}
	everyOK := true // false when stall_every is given but unreadable
	if n := f["stall_every"]; n != nil {
		s.StallEvery, everyOK = d.duration(n, what+": stall_every")
	}
	if n := f["stall_for"]; n != nil {
		v, ok := d.duration(n, what+": stall_for")
		switch {
		case ok && v > 0 && s.StallEvery == 0:
			if everyOK {
				d.errorf(n, "%s: stall_for needs a stall_every above 0s, the period of the stalls", what)
			}
		case ok && v > 0 && v >= s.StallEvery:
			d.errorf(n, "%s: stall_for (%v) must be shorter than stall_every (%v)", what, v, s.StallEvery)
		default:
			s.StallFor = v
		}
	}
	if n := f["error_rate"]; n != nil {
		s.ErrorRate, _ = d.fraction(n, what+": error_rate")
	}
	if n := f["replicas"]; n != nil { // sim targets only: not in simTargetKeys
		if v, ok := d.integer(n, what+": replicas"); ok && (v < 1 || v > maxReplicas) {
			d.errorf(n, "%s: replicas: expected 1 to %d, got %d", what, maxReplicas, v)
		} else if ok {
			s.Replicas = v
		}
	}
	t.Sim = s
}

func simOp(d *decoder, what string, f map[string]*yaml.Node, op *Op) {
	op.Sim = &SimOp{}
	if n := f["service_time"]; n != nil {
		op.Sim.ServiceTime, _ = d.duration(n, what+": service_time")
	}
}

// ref returns the index in names of the name n refers to.
func (d *decoder) ref(n *yaml.Node, what, kind string, names []string) (int, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return -1, false
	}
	i := slices.Index(names, s)
	if i < 0 {
		d.errorf(n, "%s: unknown %s %q%s", what, kind, s, suggest(s, names))
		return -1, false
	}
	return i, true
}
