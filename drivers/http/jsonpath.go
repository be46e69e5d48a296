package http

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/surgeload/surge/workloads"
)

// JSONPath names a value inside a JSON document: object member names and
// array indexes separated by dots, as in "cart.id" or "items.0.sku". A
// segment of digits is an index into an array and a member name in an
// object. A JSONPath is immutable and safe for concurrent use.
type JSONPath struct {
	src  string
	segs workloads.JSONPath
}

// ParseJSONPath parses src: one or more non-empty segments separated by
// dots (see [workloads.ParseJSONPath]). Errors are [*ParseError]s.
func ParseJSONPath(src string) (*JSONPath, error) {
	wp, err := workloads.ParseJSONPath(src)
	if err != nil {
		return nil, &ParseError{Msg: err.Error()}
	}
	return NewJSONPath(wp), nil
}

// NewJSONPath compiles a path the scenario loader parsed.
func NewJSONPath(wp workloads.JSONPath) *JSONPath {
	return &JSONPath{src: wp.String(), segs: wp}
}

// String returns the path as it was parsed.
func (p *JSONPath) String() string { return p.src }

// lookup returns the raw JSON text of the value at p in doc, a string with
// its quotes. It walks objects and arrays and skips the values it does not
// need without decoding them, so it does not allocate; it accepts some
// malformed documents (it validates only what it walks) and never panics.
// A member name that occurs twice matches at its first occurrence.
func (p *JSONPath) lookup(doc []byte) ([]byte, bool) {
	i := skipSpace(doc, 0)
	for _, s := range p.segs {
		if i >= len(doc) {
			return nil, false
		}
		var ok bool
		switch doc[i] {
		case '{':
			i, ok = member(doc, i, s.Key)
		case '[':
			if s.Index < 0 {
				return nil, false
			}
			i, ok = element(doc, i, s.Index)
		}
		if !ok {
			return nil, false
		}
	}
	end, ok := skipValue(doc, i)
	if !ok {
		return nil, false
	}
	return doc[i:end], true
}

// member returns the offset of the value of member name in the object that
// starts at doc[i].
func member(doc []byte, i int, name string) (int, bool) {
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return 0, false
	}
	for i < len(doc) && doc[i] == '"' {
		end, ok := skipString(doc, i)
		if !ok {
			return 0, false
		}
		key := doc[i+1 : end-1]
		i = skipSpace(doc, end)
		if i >= len(doc) || doc[i] != ':' {
			return 0, false
		}
		i = skipSpace(doc, i+1)
		if equalUnquoted(key, name) {
			return i, true
		}
		if i, ok = skipValue(doc, i); !ok {
			return 0, false
		}
		i = skipSpace(doc, i)
		if i >= len(doc) || doc[i] != ',' {
			return 0, false // '}' (not found) or malformed
		}
		i = skipSpace(doc, i+1)
	}
	return 0, false
}

// element returns the offset of element n of the array that starts at
// doc[i].
func element(doc []byte, i, n int) (int, bool) {
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == ']' {
		return 0, false
	}
	for k := 0; i < len(doc); k++ {
		if k == n {
			return i, true
		}
		var ok bool
		if i, ok = skipValue(doc, i); !ok {
			return 0, false
		}
		i = skipSpace(doc, i)
		if i >= len(doc) || doc[i] != ',' {
			return 0, false
		}
		i = skipSpace(doc, i+1)
	}
	return 0, false
}

func skipSpace(doc []byte, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just past the string that starts with the
// quote at doc[i].
func skipString(doc []byte, i int) (int, bool) {
	for i++; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// skipValue returns the offset just past the value that starts at doc[i].
// Objects and arrays are skipped by counting brackets outside strings, so
// deep nesting costs no stack.
func skipValue(doc []byte, i int) (int, bool) {
	if i >= len(doc) {
		return 0, false
	}
	switch doc[i] {
	case '"':
		return skipString(doc, i)
	case '{', '[':
		depth := 0
		for ; i < len(doc); i++ {
			switch doc[i] {
			case '"':
				end, ok := skipString(doc, i)
				if !ok {
					return 0, false
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, true
				}
			}
		}
		return 0, false
	case ',', ':', '}', ']':
		return 0, false
	}
	start := i
	for i < len(doc) {
		switch doc[i] {
		case ',', '}', ']', ':', '"', '{', '[', ' ', '\t', '\n', '\r':
			return i, i > start
		}
		i++
	}
	return i, true
}

// equalUnquoted reports whether the JSON string contents raw (without its
// quotes), with its escapes decoded, equal s. It does not allocate.
func equalUnquoted(raw []byte, s string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == s
	}
	var buf [utf8.UTFMax]byte
	j := 0
	for i := 0; i < len(raw); {
		var u []byte
		if raw[i] != '\\' {
			u = raw[i : i+1]
			i++
		} else {
			r, n := unescape(raw[i:])
			if n == 0 {
				return false
			}
			i += n
			u = buf[:utf8.EncodeRune(buf[:], r)]
		}
		if j+len(u) > len(s) || string(u) != s[j:j+len(u)] {
			return false
		}
		j += len(u)
	}
	return j == len(s)
}

// appendUnquoted appends the JSON string contents raw (without its quotes)
// with its escapes decoded; ok is false for a malformed escape.
func appendUnquoted(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		if raw[i] != '\\' {
			dst = append(dst, raw[i])
			i++
			continue
		}
		r, n := unescape(raw[i:])
		if n == 0 {
			return dst, false
		}
		dst = utf8.AppendRune(dst, r)
		i += n
	}
	return dst, true
}

// unescape decodes the escape at the start of s (s[0] is '\\') and returns
// the rune and the bytes it took; n is 0 for a malformed escape. A lone
// UTF-16 surrogate decodes to U+FFFD, as encoding/json does.
func unescape(s []byte) (r rune, n int) {
	if len(s) < 2 {
		return 0, 0
	}
	switch s[1] {
	case '"', '\\', '/':
		return rune(s[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r1, ok := hex4(s[2:])
		if !ok {
			return 0, 0
		}
		if !utf16.IsSurrogate(r1) {
			return r1, 6
		}
		if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if r2, ok := hex4(s[8:]); ok {
				if d := utf16.DecodeRune(r1, r2); d != utf8.RuneError {
					return d, 12
				}
			}
		}
		return utf8.RuneError, 6
	}
	return 0, 0
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// scalarEquals reports whether the raw JSON value v has the text want: a
// string's decoded contents, or anything else as written.
func scalarEquals(v []byte, want string) bool {
	if len(v) >= 2 && v[0] == '"' {
		return equalUnquoted(v[1:len(v)-1], want)
	}
	return string(v) == want
}

// scalarText returns the text of the raw JSON value v as [scalarEquals]
// compares it; ok is false for a string with a malformed escape.
func scalarText(v []byte) (string, bool) {
	if len(v) >= 2 && v[0] == '"' {
		if raw := v[1 : len(v)-1]; bytes.IndexByte(raw, '\\') < 0 {
			return string(raw), true // no escapes: one allocation, not two
		}
		b, ok := appendUnquoted(make([]byte, 0, len(v)-2), v[1:len(v)-1])
		return string(b), ok
	}
	return string(v), true
}
