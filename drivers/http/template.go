package http

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/workloads"
)

// Template is a request path, header value or body with placeholders that
// [Client.Do] fills per op: `{seq}`, `{key}`, `{value}`, keyspace draws and
// journey variables (see [ParseTemplate]). A Template is immutable and safe
// for concurrent use.
type Template struct {
	src   string
	parts []part
}

// TemplateEnv is what a template's placeholders may refer to.
type TemplateEnv struct {
	// OwnKeyspace is the name of the op's own keyspace; `{key}` and
	// `{OwnKeyspace}` render the op's key ([drivers.Op.Key]). "" means the
	// op has none, and then `{key}` is an error.
	OwnKeyspace string
	// Keyspaces are other keyspaces by name: each placeholder occurrence
	// renders a fresh draw, made from the op's own random stream (Config.Seed
	// and [drivers.Op.Seq]), so the same op renders the same keys on every
	// run and on every worker.
	Keyspaces map[string]workloads.Keys
	// Vars maps journey variable names to their index in
	// [drivers.Session.Vars].
	Vars map[string]int
	// Value allows `{value}`: [drivers.Op.ValueSize] filler bytes.
	Value bool
}

// ParseError is a template or JSON path that does not parse. Offset is the
// byte offset in the source where the problem starts, so that a loader can
// turn it into a column.
type ParseError struct {
	Offset int
	Msg    string
}

// Error returns Msg.
func (e *ParseError) Error() string { return e.Msg }

type partKind uint8

const (
	partText  partKind = iota
	partSeq            // drivers.Op.Seq in decimal
	partKey            // drivers.Op.Key in decimal
	partDraw           // a draw from keys, in decimal
	partVar            // journey variable v
	partValue          // drivers.Op.ValueSize filler bytes
)

// part is one literal run or placeholder of a Template.
type part struct {
	kind  partKind
	text  string         // partText; the placeholder name otherwise
	keys  workloads.Keys // partDraw
	v     int            // partVar
	unset *drivers.Error // partVar: the error of a variable that is not set
}

// ParseTemplate parses src. A placeholder is `{name}` where name matches
// [A-Za-z_][A-Za-z0-9_.-]*; `{{` is a literal `{`, and any other `{` (as in
// the JSON `{"a":1}` or `{}`) is literal too. The names, in the order they
// are resolved:
//
//   - seq: the op's [drivers.Op.Seq];
//   - key: the op's key (an error if env has no OwnKeyspace);
//   - value: ValueSize filler bytes (an error unless env.Value);
//   - env.OwnKeyspace: the op's key;
//   - a name in env.Keyspaces: a fresh draw per occurrence;
//   - a name in env.Vars: the journey variable, which must be set when the
//     op runs (or Do fails with class check_failed without sending).
//
// A name that is none of these is an error that lists what is available.
// Errors are [*ParseError]s.
func ParseTemplate(src string, env TemplateEnv) (*Template, error) {
	t, err := CompileTemplate(workloads.ParseTemplate(src), env)
	if t != nil {
		t.src = src
	}
	return t, err
}

// CompileTemplate binds the placeholders of a parsed template (the scenario
// loader's [workloads.Template]) to env, as [ParseTemplate] does.
func CompileTemplate(wt workloads.Template, env TemplateEnv) (*Template, error) {
	t := &Template{src: wt.String()}
	off := 0 // the part's offset in wt.String()
	for _, wp := range wt.Parts {
		if wp.Name == "" {
			t.parts = append(t.parts, part{kind: partText, text: wp.Text})
			off += len(wp.Text) + strings.Count(wp.Text, "{")
			continue
		}
		p, err := resolve(wp.Name, env)
		if err != nil {
			return nil, &ParseError{Offset: off, Msg: err.Error()}
		}
		t.parts = append(t.parts, p)
		off += len(wp.Name) + 2
	}
	return t, nil
}

// LiteralTemplate returns a template that renders text as it is, braces
// included: a body read from a file, for instance.
func LiteralTemplate(text string) *Template {
	t := &Template{src: text}
	if text != "" {
		t.parts = []part{{kind: partText, text: text}}
	}
	return t
}

// String returns the source the template was parsed from.
func (t *Template) String() string { return t.src }

// literal reports whether t renders the same text for every op, and that text.
func (t *Template) literal() (string, bool) {
	switch {
	case len(t.parts) == 0:
		return "", true
	case len(t.parts) == 1 && t.parts[0].kind == partText:
		return t.parts[0].text, true
	}
	return "", false
}

// resolve returns the placeholder part for name.
func resolve(name string, env TemplateEnv) (part, error) {
	p := part{text: name}
	switch {
	case name == "seq":
		p.kind = partSeq
	case name == "key" && env.OwnKeyspace != "":
		p.kind = partKey
	case name == "value" && env.Value:
		p.kind = partValue
	case name == env.OwnKeyspace:
		p.kind = partKey
	case env.Keyspaces[name] != nil:
		p.kind, p.keys = partDraw, env.Keyspaces[name]
	default:
		v, ok := env.Vars[name]
		switch {
		case ok:
			p.kind, p.v = partVar, v
			p.unset = &drivers.Error{Class: drivers.ClassCheck, Err: &unsetError{name: name}}
		case name == "key":
			return p, &templateError{"placeholder {key} needs the op's own keyspace, and this op has none"}
		case name == "value":
			return p, &templateError{"placeholder {value} needs a value size, and this op has none"}
		default:
			return p, &templateError{"unknown placeholder {" + name + "}: want " + available(env) +
				" (write {{ for a literal {)"}
		}
	}
	return p, nil
}

// available lists the placeholder names env offers, for an error message.
func available(env TemplateEnv) string {
	want := []string{"seq"}
	if env.OwnKeyspace != "" {
		want = append(want, "key")
	}
	if env.Value {
		want = append(want, "value")
	}
	var spaces []string
	if env.OwnKeyspace != "" {
		spaces = append(spaces, env.OwnKeyspace)
	}
	for name := range env.Keyspaces {
		if name != env.OwnKeyspace {
			spaces = append(spaces, name)
		}
	}
	if len(spaces) > 0 {
		slices.Sort(spaces)
		want = append(want, "a keyspace ("+strings.Join(spaces, ", ")+")")
	}
	if len(env.Vars) > 0 {
		vars := make([]string, 0, len(env.Vars))
		for name := range env.Vars {
			vars = append(vars, name)
		}
		slices.Sort(vars)
		want = append(want, "a journey variable ("+strings.Join(vars, ", ")+")")
	}
	if len(want) == 1 {
		return want[0]
	}
	return strings.Join(want[:len(want)-1], ", ") + " or " + want[len(want)-1]
}

type templateError struct{ msg string }

func (e *templateError) Error() string { return e.msg }

// unsetError is a journey variable a template needs that no step has set.
type unsetError struct{ name string }

func (e *unsetError) Error() string { return "journey variable {" + e.name + "} is not set" }

// escaping says how rendered variable values are written.
type escaping uint8

const (
	escNone   escaping = iota // a body: as they are
	escPath                   // a path and query: percent-encoded
	escHeader                 // a header value: as they are, but no line breaks
)

// renderer is one op's rendering state: the op and its random stream for
// keyspace draws, seeded on the first draw.
type renderer struct {
	op     *drivers.Op
	seed   uint64
	seeded bool
	pcg    rand.PCG
	rng    *rand.Rand // over pcg
}

// reset prepares r for op.
func (r *renderer) reset(op *drivers.Op, seed uint64) {
	r.op, r.seed, r.seeded = op, seed, false
	if r.rng == nil {
		r.rng = rand.New(&r.pcg)
	}
}

// filler is what {value} repeats.
const filler = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

// appendTo renders t for r's op onto dst. It fails only for a journey
// variable that is not set, or one with a line break in a header.
func (t *Template) appendTo(dst []byte, r *renderer, esc escaping) ([]byte, error) {
	for i := range t.parts {
		p := &t.parts[i]
		switch p.kind {
		case partText:
			dst = append(dst, p.text...)
		case partSeq:
			dst = strconv.AppendUint(dst, r.op.Seq, 10)
		case partKey:
			dst = strconv.AppendUint(dst, r.op.Key, 10)
		case partDraw:
			if !r.seeded {
				workloads.Reseed(&r.pcg, r.seed, r.op.Seq)
				r.seeded = true
			}
			dst = strconv.AppendUint(dst, p.keys.Next(r.rng), 10)
		case partValue:
			for n := r.op.ValueSize; n > 0; n -= len(filler) {
				dst = append(dst, filler[:min(n, len(filler))]...)
			}
		case partVar:
			s := r.op.Session
			if s == nil || p.v >= len(s.Vars) || p.v >= len(s.Set) || !s.Set[p.v] {
				return dst, p.unset
			}
			switch esc {
			case escPath:
				dst = appendEscaped(dst, s.Vars[p.v])
			case escHeader:
				if strings.ContainsAny(s.Vars[p.v], "\r\n\x00") {
					return dst, &drivers.Error{Class: drivers.ClassCheck,
						Err: &templateError{"journey variable {" + p.text + "} has a line break and cannot go in a header"}}
				}
				dst = append(dst, s.Vars[p.v]...)
			default:
				dst = append(dst, s.Vars[p.v]...)
			}
		}
	}
	return dst, nil
}

// appendEscaped appends s percent-encoded, every byte but RFC 3986's
// unreserved characters escaped, so that a value stays one path segment or
// one query value whatever it holds.
func appendEscaped(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}
