package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads and validates the scenario file at path.
func Load(path string, opts ...Option) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	return Parse(path, data, opts...)
}

// Parse validates a scenario and compiles it into a Plan. name is used in
// error positions and as Plan.Source. Every problem found is returned, as
// an [ErrorList] sorted by position; nothing is returned with it.
func Parse(name string, data []byte, opts ...Option) (*Plan, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, ErrorList{syntaxError(name, data, err)}
	}
	if root == nil {
		return nil, ErrorList{{File: name, Line: 1, Col: 1,
			Msg: "empty scenario: expected a mapping with name, targets, keyspaces, mix and profile"}}
	}
	d := newDecoder(name, opts)
	p := d.plan(root)
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	p.Source = name
	return p, nil
}

// errMoreDocuments is returned by parseYAML for a stream of several
// documents; a scenario is one.
type errMoreDocuments struct{ at *yaml.Node }

func (e errMoreDocuments) Error() string { return "more than one document" }

// parseYAML returns the content of the only document in data, or nil when
// there is none (an empty file, or only comments).
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	case len(next.Content) > 0 && next.Content[0].Tag != "!!null":
		return nil, errMoreDocuments{next.Content[0]}
	}
	if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
		return nil, nil
	}
	return doc.Content[0], nil
}

var topKeys = []string{"version", "name", "description", "seed", "targets", "keyspaces", "populate", "mix", "journeys",
	"profile", "slo", "options", "capacity", "forecast"}

// extensionPrefix marks top-level keys that surge ignores: a place for
// anchors that the rest of the file merges or aliases (x-defaults: &op ...).
const extensionPrefix = "x-"

// withoutExtensions returns root without its extension keys.
func withoutExtensions(root *yaml.Node) *yaml.Node {
	if root.Kind != yaml.MappingNode {
		return root
	}
	out := *root
	out.Content = nil
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i]; k.Kind != yaml.ScalarNode || !strings.HasPrefix(k.Value, extensionPrefix) {
			out.Content = append(out.Content, root.Content[i], root.Content[i+1])
		}
	}
	return &out
}

func (d *decoder) plan(root *yaml.Node) *Plan {
	root = withoutExtensions(root)
	f, meant, ok := d.knownFields(root, "the scenario", topKeys)
	if !ok {
		return nil
	}
	required := []string{"name", "targets", "profile"}
	if d.capacity = f["capacity"] != nil; d.capacity {
		required = required[:2] // a search picks its own stages
		d.notWithCapacity(root, f)
	}
	d.require(root, "the scenario", f, meant, required)
	switch {
	case f["mix"] != nil:
	case d.capacity:
		d.errorf(root, "the scenario: missing required key \"mix\": what a capacity search sends")
	case f["journeys"] == nil:
		d.errorf(root, "the scenario: missing required key \"mix\" (or \"journeys\"): what to send")
	}
	p := &Plan{Seed: 1, Options: Options{Interval: time.Second, MaxInFlight: 10000, DrainTimeout: 5 * time.Second}}
	if n := f["version"]; n != nil {
		if v, ok := d.str(n, "version"); ok && v != "1" {
			d.errorf(n, "version: this surge reads scenario version 1, got %q", v)
		}
	}
	if n := f["name"]; n != nil {
		if s, ok := d.str(n, "name"); ok && !scenarioNameRE.MatchString(s) {
			d.errorf(n, "name: expected lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 long (it names files and Kubernetes objects), got %q", s)
		} else {
			p.Name = s
		}
	}
	if n := f["description"]; n != nil {
		p.Description, _ = d.str(n, "description")
	}
	if n := f["seed"]; n != nil {
		if s, ok := d.str(n, "seed"); ok {
			seed, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				d.errorf(n, "seed: expected a whole number from 0 to 2^64-1, got %q", s)
			}
			p.Seed = seed
		}
	}
	steps := []struct {
		key string
		f   func(*yaml.Node, *Plan)
	}{
		{"targets", d.targets}, {"keyspaces", d.keyspaces}, {"populate", d.populate}, {"mix", d.mix},
		{"journeys", d.journeys}, {"profile", d.profile}, {"slo", d.slos}, {"options", d.options},
		{"capacity", d.capacitySearch}, {"forecast", d.forecast},
	}
	for _, s := range steps {
		if n := f[s.key]; n != nil {
			s.f(n, p)
		}
	}
	var total float64
	for _, op := range p.Ops {
		total += op.Weight
	}
	if len(p.Ops) > 0 && total <= 0 {
		if f["journeys"] == nil {
			d.errorf(f["mix"], "mix: the weights add up to 0; give at least one op a positive weight")
		} else {
			d.errorf(f["journeys"], "the weights of the mix and journeys add up to 0; give at least one a positive weight")
		}
	}
	return p
}

// notWithCapacity reports, and drops from f, the top-level keys a capacity
// search does not allow.
func (d *decoder) notWithCapacity(root *yaml.Node, f map[string]*yaml.Node) {
	why := map[string]string{
		"profile": "a capacity search picks its own stages (probe, bisect, confirm); remove profile, or remove capacity to run the profile",
		"journeys": "a search measures one target at a time at the rates it picks, and a journey spans targets at its own pace; " +
			"search with mix ops",
	}
	for _, k := range []string{"profile", "journeys"} {
		if n := f[k]; n != nil {
			d.errorf(keyNode(root, k, n), "%s: not allowed with capacity: %s", k, why[k])
			delete(f, k)
		}
	}
}

// scenarioNameRE is a DNS label (RFC 1123), so that a scenario name can
// name result directories, Kubernetes Jobs and metric labels as it is.
var scenarioNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// name reads a name of something in the scenario: letters, digits, '.',
// '_' and '-', so it is safe in file names, metric labels and log tags.
func (d *decoder) name(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if ok && !nameRE.MatchString(s) {
		d.errorf(n, "%s: expected a name of letters, digits, '.', '_' and '-', got %q", what, s)
		return s, false
	}
	return s, ok
}

// named reads a non-empty mapping of name: value, reporting bad names.
func (d *decoder) named(n *yaml.Node, what string) []entry {
	es, ok := d.entries(n, what)
	if ok && len(es) == 0 {
		d.errorf(n, "%s: expected at least one entry", what)
	}
	for _, e := range es {
		d.name(e.key, what+" name")
	}
	return es
}

// minInterval is the shortest reporting interval: each interval costs a
// histogram merge per op and a report frame.
const minInterval = 10 * time.Millisecond

func (d *decoder) options(n *yaml.Node, p *Plan) {
	f, ok := d.fields(n, "options", []string{"interval", "max_in_flight", "workers", "drain_timeout"}, nil)
	if !ok {
		return
	}
	o := &p.Options
	if n := f["interval"]; n != nil {
		if v, ok := d.duration(n, "options: interval"); ok {
			if v < minInterval {
				d.errorf(n, "options: interval: expected at least %v, got %v", minInterval, v)
			}
			o.Interval = v
		}
	}
	if n := f["max_in_flight"]; n != nil {
		if v, ok := d.integer(n, "options: max_in_flight"); ok {
			if v < 1 {
				d.errorf(n, "options: max_in_flight: expected at least 1, got %d", v)
			}
			o.MaxInFlight = v
		}
	}
	if n := f["workers"]; n != nil {
		o.Workers, _ = d.integer(n, "options: workers")
	}
	if n := f["drain_timeout"]; n != nil {
		o.DrainTimeout, _ = d.duration(n, "options: drain_timeout")
	}
}
