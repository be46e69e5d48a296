package http

import (
	"errors"
	"strings"
	"testing"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/workloads"
)

// testEnv is the template environment of the template tests: own keyspace
// products, keyspace users with one key (so its draw is known: 0),
// variables cart_id and token, and {value}.
func testEnv(t testing.TB) TemplateEnv {
	t.Helper()
	users, err := workloads.NewUniform(1)
	if err != nil {
		t.Fatal(err)
	}
	return TemplateEnv{
		OwnKeyspace: "products",
		Keyspaces:   map[string]workloads.Keys{"users": users},
		Vars:        map[string]int{"cart_id": 0, "token": 1},
		Value:       true,
	}
}

func TestParseTemplateErrors(t *testing.T) {
	users, _ := workloads.NewUniform(10)
	for _, tc := range []struct {
		name, src string
		env       TemplateEnv
		want      string
		offset    int
	}{
		{"unknown with everything", "/p/{foo}", testEnv(t), "unknown placeholder {foo}: want seq, key, value, " +
			"a keyspace (products, users) or a journey variable (cart_id, token) (write {{ for a literal {)", 3},
		{"unknown with nothing", "{foo}", TemplateEnv{}, "unknown placeholder {foo}: want seq (write {{ for a literal {)", 0},
		{"unknown with keyspaces only", "x{a.b-c}", TemplateEnv{Keyspaces: map[string]workloads.Keys{"users": users}},
			"unknown placeholder {a.b-c}: want seq or a keyspace (users) (write {{ for a literal {)", 1},
		{"key without own keyspace", "/{key}", TemplateEnv{}, "placeholder {key} needs the op's own keyspace, and this op has none", 1},
		{"value without a size", "{value}", TemplateEnv{OwnKeyspace: "k"}, "placeholder {value} needs a value size, and this op has none", 0},
		{"second placeholder", "{seq}{nope}", TemplateEnv{}, "unknown placeholder {nope}: want seq (write {{ for a literal {)", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTemplate(tc.src, tc.env)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseTemplate(%q) = %v; want a *ParseError", tc.src, err)
			}
			if pe.Msg != tc.want || pe.Offset != tc.offset {
				t.Errorf("ParseTemplate(%q) = %q at %d;\nwant %q at %d", tc.src, pe.Msg, pe.Offset, tc.want, tc.offset)
			}
		})
	}
}

func TestRender(t *testing.T) {
	env := testEnv(t)
	session := &drivers.Session{}
	session.Reset(2)
	session.SetVar(0, "c/1 x?&")
	session.SetVar(1, "tok")
	op := &drivers.Op{Seq: 77, Key: 12, ValueSize: 5, Session: session}
	for _, tc := range []struct {
		name, src string
		esc       escaping
		want      string
	}{
		{"plain", "/a/b", escPath, "/a/b"},
		{"seq and key", "/p/{key}/{products}?s={seq}", escPath, "/p/12/12?s=77"},
		{"keyspace draw", "/u/{users}/{users}", escPath, "/u/0/0"},
		{"value", "{value}|", escNone, "xxxxx|"},
		{"variable escaped in a path", "/cart/{cart_id}?t={token}", escPath, "/cart/c%2F1%20x%3F%26?t=tok"},
		{"variable as is in a body", `{"cart":"{cart_id}"}`, escNone, `{"cart":"c/1 x?&"}`},
		{"json braces are literal", `{"a":{"b":1},"c":{}}`, escNone, `{"a":{"b":1},"c":{}}`},
		{"doubled brace", "{{seq}", escNone, "{seq}"},
		{"doubled brace then placeholder", "{{{seq}", escNone, "{77"},
		{"lone braces", "{ {} } {", escNone, "{ {} } {"},
		{"unterminated", "{seq", escNone, "{seq"},
		{"space in name", "{se q}", escNone, "{se q}"},
		{"leading digit", "{1a}", escNone, "{1a}"},
		{"empty", "", escNone, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := mustTemplate(t, tc.src, env)
			var r renderer
			r.reset(op, 1)
			got, err := tpl.appendTo(nil, &r, tc.esc)
			if err != nil {
				t.Fatalf("render %q: %v", tc.src, err)
			}
			if string(got) != tc.want {
				t.Errorf("render %q = %q; want %q", tc.src, got, tc.want)
			}
			if tpl.String() != tc.src {
				t.Errorf("String() = %q; want %q", tpl.String(), tc.src)
			}
		})
	}
}

func TestRenderLargeValue(t *testing.T) {
	tpl := mustTemplate(t, "{value}", TemplateEnv{Value: true})
	var r renderer
	r.reset(&drivers.Op{ValueSize: 1000}, 0)
	got, err := tpl.appendTo(nil, &r, escNone)
	if err != nil || string(got) != strings.Repeat("x", 1000) {
		t.Errorf("render {value} of 1000 = %d bytes, %v; want 1000 x", len(got), err)
	}
}

// TestRenderDraws checks that keyspace draws depend on the seed and the
// op's Seq only.
func TestRenderDraws(t *testing.T) {
	big, _ := workloads.NewUniform(1 << 40)
	tpl := mustTemplate(t, "{k}/{k}", TemplateEnv{Keyspaces: map[string]workloads.Keys{"k": big}})
	render := func(seed, seq uint64) string {
		var r renderer
		r.reset(&drivers.Op{Seq: seq}, seed)
		b, err := tpl.appendTo(nil, &r, escPath)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a := render(1, 5)
	if b := render(1, 5); a != b {
		t.Errorf("same seed and seq rendered %q then %q", a, b)
	}
	if first, second, _ := strings.Cut(a, "/"); first == second {
		t.Errorf("two draws in one op are both %s", first)
	}
	if b := render(1, 6); a == b {
		t.Errorf("seq 5 and 6 both rendered %q", a)
	}
	if b := render(2, 5); a == b {
		t.Errorf("seed 1 and 2 both rendered %q", a)
	}
}

func TestRenderUnsetVariable(t *testing.T) {
	env := testEnv(t)
	tpl := mustTemplate(t, "/cart/{cart_id}", env)
	set := &drivers.Session{}
	set.Reset(2)
	for _, tc := range []struct {
		name string
		s    *drivers.Session
	}{
		{"no session", nil},
		{"not set", set},
		{"session too short", &drivers.Session{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r renderer
			r.reset(&drivers.Op{Session: tc.s}, 0)
			_, err := tpl.appendTo(nil, &r, escPath)
			if got := drivers.ClassOf(err); got != drivers.ClassCheck {
				t.Errorf("class %v; want check_failed", got)
			}
			if err == nil || !strings.Contains(err.Error(), "journey variable {cart_id} is not set") {
				t.Errorf("error %v; want it to name {cart_id}", err)
			}
		})
	}
}

func TestRenderHeaderLineBreak(t *testing.T) {
	tpl := mustTemplate(t, "Bearer {token}", testEnv(t))
	s := &drivers.Session{}
	s.Reset(2)
	s.SetVar(1, "a\r\nX-Evil: 1")
	var r renderer
	r.reset(&drivers.Op{Session: s}, 0)
	if _, err := tpl.appendTo(nil, &r, escHeader); drivers.ClassOf(err) != drivers.ClassCheck {
		t.Errorf("header with a line break: %v; want check_failed", err)
	}
	if got, err := tpl.appendTo(nil, &r, escNone); err != nil || string(got) != "Bearer a\r\nX-Evil: 1" {
		t.Errorf("body with a line break = %q, %v; want it as is", got, err)
	}
}

func TestLiteralTemplate(t *testing.T) {
	for _, text := range []string{"", "{seq} {{ {key}", `{"a":1}`} {
		var r renderer
		r.reset(&drivers.Op{Seq: 1}, 0)
		got, err := LiteralTemplate(text).appendTo(nil, &r, escNone)
		if err != nil || string(got) != text {
			t.Errorf("LiteralTemplate(%q) renders %q, %v; want it as is", text, got, err)
		}
	}
}

// FuzzTemplate checks that parsing never panics and that a template
// without placeholders renders its source with each {{ halved.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"/p/{key}?s={seq}", `{"a":{"b":"{cart_id}"}}`, "{{seq}}", "{", "{{{", "{value}{users}", "{a.b-c}"} {
		f.Add(s)
	}
	env := testEnv(f)
	s := &drivers.Session{}
	s.Reset(2)
	s.SetVar(0, "v")
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := ParseTemplate(src, env)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset >= len(src) || src[pe.Offset] != '{' {
				t.Fatalf("ParseTemplate(%q) = %v; want a *ParseError at a {", src, err)
			}
			return
		}
		var r renderer
		r.reset(&drivers.Op{Seq: 3, Key: 4, ValueSize: 2, Session: s}, 9)
		got, err := tpl.appendTo(nil, &r, escPath)
		if err != nil && drivers.ClassOf(err) != drivers.ClassCheck {
			t.Fatalf("render %q: %v", src, err)
		}
		if lit, ok := tpl.literal(); ok {
			if want := unbrace(src); lit != want || string(got) != want {
				t.Fatalf("literal %q renders %q (literal %q); want %q", src, got, lit, want)
			}
		}
	})
}

// unbrace is what a template without placeholders renders: src with each
// {{ read as {.
func unbrace(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		b.WriteByte(src[i])
		if src[i] == '{' && i+1 < len(src) && src[i+1] == '{' {
			i++
		}
	}
	return b.String()
}
