package workloads

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Template is the text of a request (a path, a header value, a body) with
// named placeholders that each request fills in: {products} for a key drawn
// from a keyspace, {seq} for the op's sequence number, {cart_id} for a
// variable an earlier journey step extracted. The loader resolves the
// names; a driver binds them to values.
//
// Syntax: {name} is a placeholder when name is a letter or '_' followed by
// letters, digits, '_', '.' and '-'; {{ is a literal {; any other { is
// literal text, so JSON bodies ({"sku": "{products}"}) need no escaping.
type Template struct {
	Parts []TemplatePart
}

// TemplatePart is literal text or one placeholder: Name is "" for text.
type TemplatePart struct {
	Text string
	Name string
}

// ParseTemplate splits src into text and placeholders. Every string is a
// valid template.
func ParseTemplate(src string) Template {
	var t Template
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			t.Parts = append(t.Parts, TemplatePart{Text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		if c != '{' {
			text.WriteByte(c)
			i++
			continue
		}
		if strings.HasPrefix(src[i:], "{{") {
			text.WriteByte('{')
			i += 2
			continue
		}
		if n := placeholderLen(src[i+1:]); n > 0 {
			flush()
			t.Parts = append(t.Parts, TemplatePart{Name: src[i+1 : i+1+n]})
			i += n + 2
			continue
		}
		text.WriteByte(c)
		i++
	}
	flush()
	return t
}

// placeholderLen returns the length of the name at the start of s when a
// '}' closes it, else 0.
func placeholderLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '}':
			return i
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '-'):
		default:
			return 0
		}
	}
	return 0
}

// Names returns the template's placeholder names, in order, with repeats.
func (t Template) Names() []string {
	var out []string
	for _, p := range t.Parts {
		if p.Name != "" {
			out = append(out, p.Name)
		}
	}
	return out
}

// Static reports whether the template has no placeholders.
func (t Template) Static() bool { return len(t.Names()) == 0 }

// String returns the template's source, with literal braces escaped.
func (t Template) String() string {
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Name != "" {
			b.WriteString("{" + p.Name + "}")
		} else {
			b.WriteString(strings.ReplaceAll(p.Text, "{", "{{"))
		}
	}
	return b.String()
}

// JSONPath names a value inside a JSON document, as a response check or a
// variable extraction reads it: keys separated by dots, a whole number
// selecting an array element ("items.0.sku"). A numeric segment also
// matches an object key of those digits.
type JSONPath []JSONPathSegment

// JSONPathSegment is one step of a [JSONPath]: an object key, and the
// array index it also stands for (-1 when it is not a number).
type JSONPathSegment struct {
	Key   string
	Index int
}

// ParseJSONPath parses a dotted path such as "cart.id" or "results.0.id".
func ParseJSONPath(src string) (JSONPath, error) {
	if src == "" {
		return nil, errors.New("empty JSON path: want keys separated by dots, like cart.id or items.0.sku")
	}
	var p JSONPath
	for i, seg := range strings.Split(src, ".") {
		if seg == "" {
			return nil, fmt.Errorf("JSON path %q: segment %d is empty: want keys separated by single dots, like cart.id", src, i+1)
		}
		idx := -1
		if n, err := strconv.Atoi(seg); err == nil && n >= 0 && n <= maxIndex && strconv.Itoa(n) == seg {
			idx = n
		}
		p = append(p, JSONPathSegment{Key: seg, Index: idx})
	}
	return p, nil
}

// maxIndex bounds an array index, so that it is an int everywhere.
const maxIndex = 1<<31 - 1

// String returns the path in its dotted form.
func (p JSONPath) String() string {
	keys := make([]string, len(p))
	for i, s := range p {
		keys[i] = s.Key
	}
	return strings.Join(keys, ".")
}
