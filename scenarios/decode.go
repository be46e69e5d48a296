package scenarios

import (
	"fmt"
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks a YAML node tree and collects positioned errors; every
// getter reports its own problem and returns ok=false, so one pass finds
// every problem in a file.
type decoder struct {
	file string
	errs ErrorList
	// budget is how many more mapping entries the walk may visit. Aliases
	// let a small file name the same large mapping many times over, so the
	// walk is bounded by work done, not by the file's size.
	budget int
	// merging holds the mappings whose merge keys are being expanded, to
	// refuse a mapping that merges itself.
	merging map[*yaml.Node]bool
	// blamed holds the scalars already reported: a mapping merged or
	// aliased in several places shares its scalars, whose problems are
	// reported once, where they are written.
	blamed map[*yaml.Node]bool
	// env looks up the variables of ${NAME} in scalars; nil: none is set.
	env func(string) (string, bool)
	// scope is what the op being read may refer to in its templates.
	scope opScope
	// capacity is set when the scenario is a capacity search: there are no
	// stages, and SLO rules apply to every probe.
	capacity bool
	// forecastOnly is set when a forecast: block is read without its
	// scenario: there are no targets for its tiers to name.
	forecastOnly bool
}

// opScope is the context of the op the decoder is reading: the plan so far
// and, in a journey, the journey's variables.
type opScope struct {
	plan    *Plan
	journey bool
	vars    []string
}

// maxEntries bounds the mapping entries one scenario may have, counting
// every expansion of an alias; real scenarios have a few hundred.
const maxEntries = 100_000

func newDecoder(file string, opts []Option) *decoder {
	d := &decoder{file: file, budget: maxEntries, merging: map[*yaml.Node]bool{}, blamed: map[*yaml.Node]bool{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// errorf reports a problem at n. A scalar is blamed once; a collection may
// have several problems (missing keys, say).
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	if n.Kind == yaml.ScalarNode {
		if d.blamed[n] {
			return
		}
		d.blamed[n] = true
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: max(n.Line, 1), Col: max(n.Column, 1), Msg: fmt.Sprintf(format, args...)})
}

// entry is one key: value pair of a mapping, in file order.
type entry struct {
	key, val *yaml.Node
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// entries returns a mapping's pairs in order, reporting duplicate keys and
// keys that are not plain scalars. A merge key (<<: *defaults, or a list
// of aliases) contributes the merged mappings' pairs at its place, except
// for keys the mapping sets itself; of several merged mappings the first
// to set a key wins, as YAML's merge-key convention says.
func (d *decoder) entries(n *yaml.Node, what string) ([]entry, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping of key: value, got %s", what, kindName(n))
		return nil, false
	}
	if d.budget -= len(n.Content) / 2; d.budget < 0 {
		if d.budget+len(n.Content)/2 >= 0 { // report once
			d.errorf(n, "%s: the scenario is too large: more than %d keys, counting each use of an alias", what, maxEntries)
		}
		return nil, false
	}
	own := map[string]bool{}
	for i := 0; i < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Tag != mergeTag {
			own[k.Value] = true
		}
	}
	var out []entry
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		switch {
		case k.Kind == yaml.ScalarNode && k.Tag == mergeTag:
			for _, e := range d.merge(n, v, what) {
				if !own[e.key.Value] && !seen[e.key.Value] {
					seen[e.key.Value] = true
					out = append(out, e)
				}
			}
		case k.Kind != yaml.ScalarNode:
			d.errorf(k, "%s: keys must be plain names, got %s", what, kindName(k))
		case seen[k.Value]:
			d.errorf(k, "%s: duplicate key %q", what, k.Value)
		default:
			seen[k.Value] = true
			out = append(out, entry{k, v})
		}
	}
	return out, true
}

const mergeTag = "!!merge"

// merge returns the pairs a merge key's value brings into mapping m: those
// of one mapping, or of each mapping of a list, the first listed first.
func (d *decoder) merge(m, v *yaml.Node, what string) []entry {
	if d.merging[m] {
		d.errorf(v, "%s: <<: a mapping cannot merge itself", what)
		return nil
	}
	d.merging[m] = true
	defer delete(d.merging, m)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	var out []entry
	for _, src := range srcs {
		if src = resolve(src); src.Kind != yaml.MappingNode {
			d.errorf(src, "%s: <<: expected a mapping or a list of mappings to merge, got %s", what, kindName(src))
			continue
		}
		es, _ := d.entries(src, what)
		out = append(out, es...)
	}
	return out
}

// fields returns a mapping's values by key, reporting keys outside known
// with a suggestion. Keys in required that are missing are reported at the
// mapping.
func (d *decoder) fields(n *yaml.Node, what string, known, required []string) (map[string]*yaml.Node, bool) {
	out, meant, ok := d.knownFields(n, what, known)
	if !ok {
		return nil, false
	}
	d.require(n, what, out, meant, required)
	return out, true
}

// knownFields is fields without the required keys: it also returns the
// suggestions made for unknown keys, for require.
func (d *decoder) knownFields(n *yaml.Node, what string, known []string) (out map[string]*yaml.Node, meant []string, ok bool) {
	es, ok := d.entries(n, what)
	if !ok {
		return nil, nil, false
	}
	out = make(map[string]*yaml.Node, len(es))
	for _, e := range es {
		if !slices.Contains(known, e.key.Value) {
			hint := suggest(e.key.Value, known)
			d.errorf(e.key, "unknown key %q in %s%s", e.key.Value, what, hint)
			meant = append(meant, hint)
			continue
		}
		out[e.key.Value] = e.val
	}
	return out, meant, true
}

// require reports the keys of required missing from f at the mapping n,
// except those that a misspelt key probably meant (already reported).
func (d *decoder) require(n *yaml.Node, what string, f map[string]*yaml.Node, meant, required []string) {
	for _, r := range required {
		if _, ok := f[r]; !ok && !slices.Contains(meant, fmt.Sprintf("; did you mean %q?", r)) {
			d.errorf(n, "%s: missing required key %q", what, r)
		}
	}
}

// keyNode returns the key called key of mapping m, to blame the key rather
// than its value; the value when the key came from a merge.
func keyNode(m *yaml.Node, key string, val *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := resolve(m.Content[i]); k.Kind == yaml.ScalarNode && k.Tag != mergeTag && k.Value == key {
			return k
		}
	}
	return val
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// scalar returns the text of a scalar node.
func (d *decoder) scalar(n *yaml.Node, what, expected string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, "%s: expected %s, got %s", what, expected, kindName(n))
		return "", false
	}
	v, err := d.expand(n.Value)
	if err != nil {
		d.errorf(n, "%s: %v", what, err)
		return "", false
	}
	return v, true
}

// parsed runs parse on a scalar's text and reports its error at the node.
func parsed[T any](d *decoder, n *yaml.Node, what, expected string, parse func(string) (T, error)) (T, bool) {
	var zero T
	s, ok := d.scalar(n, what, expected)
	if !ok {
		return zero, false
	}
	v, err := parse(s)
	if err != nil {
		d.errorf(n, "%s: %v", what, err)
		return zero, false
	}
	return v, true
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	return d.scalar(n, what, "a string")
}

func (d *decoder) duration(n *yaml.Node, what string) (time.Duration, bool) {
	return parsed(d, n, what, "a duration like 30s", parseDuration)
}

func (d *decoder) count(n *yaml.Node, what string) (float64, bool) {
	return parsed(d, n, what, "a number like 50k", parseCount)
}

func (d *decoder) rate(n *yaml.Node, what string) (float64, bool) {
	return parsed(d, n, what, "a rate like 50k", parseRate)
}

func (d *decoder) keyCount(n *yaml.Node, what string) (uint64, bool) {
	return parsed(d, n, what, "a number like 1M", parseKeyCount)
}

func (d *decoder) number(n *yaml.Node, what string) (float64, bool) {
	return parsed(d, n, what, "a number like 0.99", parseNumber)
}

func (d *decoder) integer(n *yaml.Node, what string) (int, bool) {
	return parsed(d, n, what, "a whole number", parseInt)
}

func (d *decoder) fraction(n *yaml.Node, what string) (float64, bool) {
	return parsed(d, n, what, "a percentage like 0.1%", parseFraction)
}

func (d *decoder) size(n *yaml.Node, what string) (int, bool) {
	return parsed(d, n, what, "a size like 4KiB", parseSize)
}

func (d *decoder) bytes(n *yaml.Node, what string) (float64, bool) {
	return parsed(d, n, what, "a size like 64GiB", parseBytes)
}

func (d *decoder) percent(n *yaml.Node, what string) (float64, bool) {
	return parsed(d, n, what, "a percentage like 20%", parsePercent)
}

func (d *decoder) cores(n *yaml.Node, what string) (float64, bool) {
	return parsed(d, n, what, "CPU cores like 500m", parseCores)
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	s, ok := d.scalar(n, what, "true or false")
	if !ok {
		return false, false
	}
	switch s {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	d.errorf(n, "%s: expected true or false, got %q", what, s)
	return false, false
}

// oneOf returns a scalar that must be one of choices.
func (d *decoder) oneOf(n *yaml.Node, what string, choices []string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	if !slices.Contains(choices, s) {
		d.errorf(n, "%s: expected %s, got %q%s", what, quoteList(choices), s, suggest(s, choices))
		return "", false
	}
	return s, true
}
