package scenarios

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads and validates the scenario file at path.
func Load(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse validates a scenario and compiles it into a Plan. name is used in
// error positions. Every problem found is returned, as an [ErrorList].
func Parse(name string, data []byte) (*Plan, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, ErrorList{syntaxError(name, err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
		return nil, ErrorList{{File: name, Line: 1, Col: 1,
			Msg: "empty scenario: expected a mapping with name, targets, keyspaces, mix and profile"}}
	}
	d := &decoder{file: name}
	p := d.plan(doc.Content[0])
	if len(d.errs) > 0 {
		d.errs.sort()
		return nil, d.errs
	}
	p.Source = name
	return p, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxError turns a YAML parser error into a positioned Error; the
// parser reports lines but no columns.
func syntaxError(name string, err error) *Error {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
		}
		msg = msg[len(m[0]):]
	}
	return &Error{File: name, Line: line, Col: 1, Msg: "invalid YAML: " + strings.ReplaceAll(msg, "\n", " ")}
}

var topKeys = []string{"version", "name", "description", "seed", "targets", "keyspaces", "mix", "profile", "slo", "options"}

func (d *decoder) plan(root *yaml.Node) *Plan {
	f, ok := d.fields(root, "the scenario", topKeys, []string{"name", "targets", "keyspaces", "mix", "profile"})
	if !ok {
		return nil
	}
	p := &Plan{Seed: 1, Options: Options{Interval: time.Second, MaxInFlight: 10000, DrainTimeout: 5 * time.Second}}
	if n := f["version"]; n != nil {
		if v, ok := d.integer(n, "version"); ok && v != 1 {
			d.errorf(n, "version: this surge reads scenario version 1, got %d", v)
		}
	}
	if n := f["name"]; n != nil {
		p.Name, _ = d.name(n, "name")
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
		{"targets", d.targets}, {"keyspaces", d.keyspaces}, {"mix", d.mix},
		{"profile", d.profile}, {"slo", d.slos}, {"options", d.options},
	}
	for _, s := range steps {
		if n := f[s.key]; n != nil {
			s.f(n, p)
		}
	}
	return p
}

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

func (d *decoder) options(n *yaml.Node, p *Plan) {
	f, ok := d.fields(n, "options", []string{"interval", "max_in_flight", "workers", "drain_timeout"}, nil)
	if !ok {
		return
	}
	o := &p.Options
	if n := f["interval"]; n != nil {
		if v, ok := d.duration(n, "options: interval"); ok {
			if v < 10*time.Millisecond {
				d.errorf(n, "options: interval: expected at least 10ms, got %v", v)
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
