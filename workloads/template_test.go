package workloads_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/workloads"
)

func TestParseTemplate(t *testing.T) {
	type part = workloads.TemplatePart
	for _, tc := range []struct {
		src  string
		want []part
	}{
		{"", nil},
		{"/api/products/{products}", []part{{Text: "/api/products/"}, {Name: "products"}}},
		{"{seq}{key}", []part{{Name: "seq"}, {Name: "key"}}},
		{`{"sku": {products}, "cart": "{cart_id}"}`, []part{{Text: `{"sku": `}, {Name: "products"}, {Text: `, "cart": "`}, {Name: "cart_id"}, {Text: `"}`}}},
		{"{}", []part{{Text: "{}"}}},
		{"{{seq}}", []part{{Text: "{seq}}"}}},
		{"{9lives}", []part{{Text: "{9lives}"}}},
		{"{a.b-c_d}", []part{{Name: "a.b-c_d"}}},
		{"{unclosed", []part{{Text: "{unclosed"}}},
		{"a{b c}", []part{{Text: "a{b c}"}}},
	} {
		got := workloads.ParseTemplate(tc.src)
		if diff := cmp.Diff(tc.want, got.Parts); diff != "" {
			t.Errorf("ParseTemplate(%q) differs (-want +got):\n%s", tc.src, diff)
		}
	}
}

func TestParseJSONPath(t *testing.T) {
	p, err := workloads.ParseJSONPath("items.0.sku")
	if err != nil {
		t.Fatal(err)
	}
	want := workloads.JSONPath{{Key: "items", Index: -1}, {Key: "0", Index: 0}, {Key: "sku", Index: -1}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("differs (-want +got):\n%s", diff)
	}
	if p.String() != "items.0.sku" {
		t.Errorf("String() = %q", p.String())
	}
	for _, bad := range []string{"", ".a", "a.", "a..b"} {
		if _, err := workloads.ParseJSONPath(bad); err == nil {
			t.Errorf("ParseJSONPath(%q) accepted", bad)
		}
	}
	if p, _ := workloads.ParseJSONPath("a.01"); p[1].Index != -1 {
		t.Errorf("01 read as index %d; only canonical numbers index arrays", p[1].Index)
	}
}

// FuzzTemplate: every string parses, and the template prints back to a
// source that parses to the same parts.
func FuzzTemplate(f *testing.F) {
	f.Add(`{"sku": {products}}`)
	f.Fuzz(func(t *testing.T, src string) {
		tpl := workloads.ParseTemplate(src)
		again := workloads.ParseTemplate(tpl.String())
		if !cmp.Equal(merge(tpl), merge(again)) {
			t.Fatalf("%q parsed to %+v, printed %q, reparsed to %+v", src, tpl.Parts, tpl.String(), again.Parts)
		}
	})
}

// merge joins adjacent text parts, which printing may split differently.
func merge(t workloads.Template) []workloads.TemplatePart {
	var out []workloads.TemplatePart
	for _, p := range t.Parts {
		if n := len(out); n > 0 && p.Name == "" && out[n-1].Name == "" {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

// FuzzJSONPath: a path that parses prints back to itself.
func FuzzJSONPath(f *testing.F) {
	f.Add("items.0.sku")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := workloads.ParseJSONPath(src)
		if err != nil {
			return
		}
		if p.String() != src || len(p) != strings.Count(src, ".")+1 {
			t.Fatalf("%q parsed to %+v, printed %q", src, p, p.String())
		}
	})
}
