package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/surgeload/surge/workloads"
)

func TestParseJSONPath(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want workloads.JSONPath
	}{
		{"cart.id", workloads.JSONPath{{Key: "cart", Index: -1}, {Key: "id", Index: -1}}},
		{"items.0.sku", workloads.JSONPath{{Key: "items", Index: -1}, {Key: "0", Index: 0}, {Key: "sku", Index: -1}}},
		{"data.results.3", workloads.JSONPath{{Key: "data", Index: -1}, {Key: "results", Index: -1}, {Key: "3", Index: 3}}},
		{"a b.-1.99999999999", workloads.JSONPath{{Key: "a b", Index: -1}, {Key: "-1", Index: -1}, {Key: "99999999999", Index: -1}}},
	} {
		p, err := ParseJSONPath(tc.src)
		if err != nil {
			t.Errorf("ParseJSONPath(%q): %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.want, p.segs); diff != "" {
			t.Errorf("ParseJSONPath(%q) segments (-want +got):\n%s", tc.src, diff)
		}
		if p.String() != tc.src {
			t.Errorf("String() = %q; want %q", p.String(), tc.src)
		}
	}
	// The syntax errors are workloads.ParseJSONPath's, as ParseErrors.
	for _, src := range []string{"", "a..b", ".a", "a."} {
		_, err := ParseJSONPath(src)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "JSON path") {
			t.Errorf("ParseJSONPath(%q) = %v; want a ParseError about the JSON path", src, err)
		}
	}
}

func TestLookup(t *testing.T) {
	const doc = ` {"cart": {"id": "c-1", "n": 3, "ok": true, "none": null},
		"items": [{"sku": "a"}, {"sku": "b\"\u00e9\ud83d\ude00"}, [1, [2, {"x": "}]"}]]],
		"esc\"aped": 1, "\u0061": "by escape", "0": "zero", "dup": 1, "dup": 2,
		"deep": [[[[[[[[[[{"k":"v"}]]]]]]]]]], "e": {}, "f": [] } `
	for _, tc := range []struct {
		path string
		want string // raw; "" means not found
	}{
		{"cart.id", `"c-1"`},
		{"cart.n", `3`},
		{"cart.ok", `true`},
		{"cart.none", `null`},
		{"cart", `{"id": "c-1", "n": 3, "ok": true, "none": null}`},
		{"items.0.sku", `"a"`},
		{"items.1.sku", `"b\"\u00e9\ud83d\ude00"`},
		{"items.2.1.1.x", `"}]"`},
		{"items.2.0", `1`},
		{`esc"aped`, `1`},
		{"a", `"by escape"`},
		{"0", `"zero"`},
		{"dup", `1`},
		{"deep.0.0.0.0.0.0.0.0.0.0.k", `"v"`},
		{"e", `{}`},
		{"f", `[]`},
		{"missing", ""},
		{"cart.missing", ""},
		{"items.3", ""},
		{"items.x", ""},
		{"cart.id.more", ""},
		{"e.a", ""},
		{"f.0", ""},
	} {
		p := mustPath(t, tc.path)
		got, ok := p.lookup([]byte(doc))
		if tc.want == "" {
			if ok {
				t.Errorf("lookup %s = %q; want not found", tc.path, got)
			}
			continue
		}
		if !ok || string(got) != tc.want {
			t.Errorf("lookup %s = %q, %v; want %q", tc.path, got, ok, tc.want)
		}
	}
}

// TestLookupMalformed checks documents broken before or inside the value
// sought; lookup does not read past the value, so `{"a":1` finds a.
func TestLookupMalformed(t *testing.T) {
	for _, doc := range []string{"", "{", `{"a"`, `{"a":`, `{"a":"x`, `[1,`, `{"a" 1}`, `{1:2}`, `{"b":1 "a":2}`, `{"b":[1,2,"a":2}`, "nul"} {
		if got, ok := mustPath(t, "a").lookup([]byte(doc)); ok && doc != "nul" {
			t.Errorf("lookup a in %q = %q; want not found", doc, got)
		}
	}
}

func TestScalarEquals(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
		eq        bool
	}{
		{`"abc"`, "abc", true},
		{`"abc"`, `"abc"`, false},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t", true},
		{`"\u00e9\ud83d\ude00"`, "é😀", true},
		{`"\ud83d"`, "\uFFFD", true}, // a lone surrogate, as encoding/json decodes it
		{`"\u00e9"`, "é!", false},
		{`"\u00e9x"`, "é", false},
		{`"\x"`, "x", false},
		{`12.50`, "12.50", true},
		{`12.50`, "12.5", false},
		{`true`, "true", true},
		{`null`, "null", true},
		{`null`, "", false},
	} {
		if got := scalarEquals([]byte(tc.raw), tc.want); got != tc.eq {
			t.Errorf("scalarEquals(%s, %q) = %v; want %v", tc.raw, tc.want, got, tc.eq)
		}
	}
}

// FuzzJSONPath checks that lookup never panics, and that on valid JSON it
// finds what a reference walk with encoding/json finds, byte for byte, and
// decodes strings as encoding/json does.
func FuzzJSONPath(f *testing.F) {
	f.Add(`{"cart":{"id":"c-1"}}`, "cart.id")
	f.Add(`{"items":[{"sku":"a"},{"sku":"b\u00e9"}]}`, "items.1.sku")
	f.Add(`[[1,2],[3,{"a":[true,null]}]]`, "1.1.a.0")
	f.Add(`{"a\"b":{"":1}, "x": "\ud800"}`, "x")
	f.Add(`{"a":1,"a":2}`, "a")
	f.Add(` { "k" : [ ] , "n":-1.5e+3 } `, "n")
	f.Fuzz(func(t *testing.T, doc, path string) {
		p, err := ParseJSONPath(path)
		if err != nil {
			return
		}
		got, ok := p.lookup([]byte(doc))
		if ok && !bytes.Contains([]byte(doc), got) {
			t.Fatalf("lookup %s = %q, not part of the document", path, got)
		}
		if !json.Valid([]byte(doc)) || !utf8.ValidString(doc) {
			return
		}
		want, wantOK := refLookup(t, []byte(doc), p.segs)
		if ok != wantOK || !bytes.Equal(got, want) {
			t.Fatalf("lookup %s in %s = %q, %v; encoding/json finds %q, %v", path, doc, got, ok, want, wantOK)
		}
		if ok && got[0] == '"' {
			var s string
			if err := json.Unmarshal(got, &s); err != nil {
				t.Fatal(err)
			}
			if text, ok := scalarText(got); !ok || text != s || !scalarEquals(got, s) {
				t.Fatalf("string %s decodes to %q, %v; encoding/json: %q", got, text, ok, s)
			}
		}
	})
}

// refLookup finds segs in the valid JSON doc with encoding/json's token
// stream, taking the first of duplicate names as lookup does.
func refLookup(t *testing.T, doc []byte, segs workloads.JSONPath) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var walk func(segs workloads.JSONPath) ([]byte, bool)
	walk = func(segs workloads.JSONPath) ([]byte, bool) {
		if len(segs) == 0 {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				t.Fatal(err)
			}
			return raw, true
		}
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					t.Fatal(err)
				}
				if key.(string) == segs[0].Key {
					return walk(segs[1:])
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					t.Fatal(err)
				}
			}
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if i == segs[0].Index {
					return walk(segs[1:])
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil && err != io.EOF {
					t.Fatal(err)
				}
			}
		}
		return nil, false
	}
	return walk(segs)
}
