package http

import (
	"context"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers"
)

// backends are the HTTP/1.1 client paths the behaviour tests run on:
// fasthttp (what New uses) and net/http (what New uses for HTTP/2, here
// carrying HTTP/1.1), so that both share one behaviour.
var backends = []struct {
	name     string
	netHTTP1 bool
}{
	{"fasthttp", false},
	{"nethttp", true},
}

// seen is a request as a test server saw it.
type seen struct {
	Method, URI, Host, Body string
	Header                  nethttp.Header
	Proto                   int
}

// recorder is a test server that records the requests it serves.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (rec *recorder) record(r *nethttp.Request) {
	body, _ := io.ReadAll(r.Body)
	h := r.Header.Clone()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, seen{Method: r.Method, URI: r.RequestURI, Host: r.Host, Body: string(body), Header: h, Proto: r.ProtoMajor})
}

// last returns the last request served.
func (rec *recorder) last(t *testing.T) seen {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("the server saw no request")
	}
	return rec.reqs[len(rec.reqs)-1]
}

// startRecorder starts a loopback server that records requests and answers
// each with handler, or 200 and "ok".
func startRecorder(t *testing.T, handler nethttp.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	s := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		rec.record(r)
		if handler != nil {
			handler(w, r)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s, rec
}

func do(t *testing.T, c *Client, op drivers.Op) error {
	t.Helper()
	return c.Do(context.Background(), &op)
}

func TestRequest(t *testing.T) {
	env := TemplateEnv{OwnKeyspace: "products", Value: true}
	for _, tc := range []struct {
		name   string
		base   string // path after the server's URL
		oc     OpConfig
		op     drivers.Op
		want   seen
		header map[string]string // expected headers, besides User-Agent: surge
	}{
		{
			name: "get by key",
			oc:   OpConfig{Path: mustTemplate(t, "/products/{key}?seq={seq}", env)},
			op:   drivers.Op{Key: 42, Seq: 7},
			want: seen{Method: "GET", URI: "/products/42?seq=7"},
		},
		{
			name: "base path",
			base: "/api/v1/",
			oc:   OpConfig{Path: mustTemplate(t, "items/{key}", env)},
			op:   drivers.Op{Key: 1},
			want: seen{Method: "GET", URI: "/api/v1/items/1"},
		},
		{
			name: "base path and a query",
			base: "/api",
			oc:   OpConfig{Path: mustTemplate(t, "?q=1", env)},
			want: seen{Method: "GET", URI: "/api?q=1"},
		},
		{
			name: "no path",
			base: "/health/",
			want: seen{Method: "GET", URI: "/health/"},
		},
		{
			name: "empty path",
			base: "/api",
			oc:   OpConfig{Path: mustTemplate(t, "", env)},
			want: seen{Method: "GET", URI: "/api"},
		},
		{
			name: "no path nor base",
			want: seen{Method: "GET", URI: "/"},
		},
		{
			name: "escapes sent as written",
			oc:   OpConfig{Path: mustTemplate(t, "/a%2Fb/../c?x=%20", env)},
			want: seen{Method: "GET", URI: "/a%2Fb/../c?x=%20"},
		},
		{
			name: "post with headers and body",
			oc: OpConfig{
				Method: "POST",
				Path:   mustTemplate(t, "/carts", env),
				Headers: []HeaderTemplate{
					{Name: "content-type", Value: LiteralTemplate("application/json")},
					{Name: "X-Default", Value: LiteralTemplate("op")},
					{Name: "X-Key", Value: mustTemplate(t, "k{key}", env)},
				},
				Body: mustTemplate(t, `{"sku":{key},"pad":"{value}"}`, env),
			},
			op:     drivers.Op{Key: 5, ValueSize: 3},
			want:   seen{Method: "POST", URI: "/carts", Body: `{"sku":5,"pad":"xxx"}`},
			header: map[string]string{"Content-Type": "application/json", "X-Default": "op", "X-Key": "k5", "X-Static": "s"},
		},
		{
			name:   "empty body",
			oc:     OpConfig{Method: "PUT", Body: LiteralTemplate("")},
			want:   seen{Method: "PUT", URI: "/"},
			header: map[string]string{"Content-Length": "0"},
		},
		{
			name:   "host and user agent",
			oc:     OpConfig{Headers: []HeaderTemplate{{Name: "Host", Value: LiteralTemplate("shop.example")}, {Name: "User-Agent", Value: LiteralTemplate("me")}}},
			want:   seen{Method: "GET", URI: "/", Host: "shop.example"},
			header: map[string]string{"User-Agent": "me"},
		},
	} {
		for _, be := range backends {
			t.Run(tc.name+"/"+be.name, func(t *testing.T) {
				s, rec := startRecorder(t, nil)
				oc := tc.oc
				c := newTestClient(t, Config{BaseURL: s.URL + tc.base, Ops: []*OpConfig{&oc},
					Headers: []Header{{"X-Default", "default"}, {"X-Static", "s"}}}, be.netHTTP1)
				if err := do(t, c, tc.op); err != nil {
					t.Fatalf("Do: %v", err)
				}
				got := rec.last(t)
				want := tc.want
				if want.Host == "" {
					want.Host = strings.TrimPrefix(s.URL, "http://")
				}
				if diff := cmp.Diff(want, got, cmpSeen); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
				header := map[string]string{"User-Agent": "surge", "X-Default": "default", "X-Static": "s"}
				for k, v := range tc.header {
					header[k] = v
				}
				for k, v := range header {
					if g := got.Header.Values(k); len(g) != 1 || g[0] != v {
						t.Errorf("header %s = %q; want [%q]", k, g, v)
					}
				}
				if v := got.Header.Values("Content-Type"); header["Content-Type"] == "" && len(v) > 0 {
					t.Errorf("Content-Type %q sent; want none", v)
				}
			})
		}
	}
}

// cmpSeen compares requests without their headers, which the tests check
// one by one.
var cmpSeen = cmp.FilterPath(func(p cmp.Path) bool {
	f := p.Last().String()
	return f == ".Header" || f == ".Proto"
}, cmp.Ignore())

func TestChecks(t *testing.T) {
	const doc = `{"cart":{"id":"c-1","n":3,"ok":true},"items":[{"sku":"a"}]}`
	s, _ := startRecorder(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		code := 200
		switch r.URL.Path {
		case "/201":
			code = 201
		case "/302":
			w.Header().Set("Location", "/elsewhere")
			code = 302
		}
		w.WriteHeader(code)
		io.WriteString(w, doc)
	})
	path := func(p string) *Template { return LiteralTemplate(p) }
	for _, tc := range []struct {
		name string
		oc   OpConfig
		want drivers.Class
		msg  string // part of the error
	}{
		{"default 200", OpConfig{}, drivers.ClassOK, ""},
		{"default takes 3xx, not followed", OpConfig{Path: path("/302")}, drivers.ClassOK, ""},
		{"range", OpConfig{Path: path("/201"), Expect: Expect{Status: []StatusRange{{200, 200}, {201, 204}}}}, drivers.ClassOK, ""},
		{"201 not expected", OpConfig{Path: path("/201"), Expect: Expect{Status: []StatusRange{{200, 200}}}}, drivers.ClassCheck, "unexpected status 201"},
		{"302 not expected", OpConfig{Path: path("/302"), Expect: Expect{Status: []StatusRange{{200, 299}}}}, drivers.ClassCheck, "unexpected status 302"},
		{"json exists", OpConfig{Expect: Expect{JSON: []JSONCheck{{Path: mustPath(t, "cart.id")}, {Path: mustPath(t, "items.0.sku")}}}}, drivers.ClassOK, ""},
		{"json equals", OpConfig{Expect: Expect{JSON: []JSONCheck{
			{Path: mustPath(t, "cart.id"), Equals: "c-1", HasEquals: true},
			{Path: mustPath(t, "cart.n"), Equals: "3", HasEquals: true},
			{Path: mustPath(t, "cart.ok"), Equals: "true", HasEquals: true}}}}, drivers.ClassOK, ""},
		{"json missing", OpConfig{Expect: Expect{JSON: []JSONCheck{{Path: mustPath(t, "cart.total")}}}}, drivers.ClassCheck, "json field cart.total missing"},
		{"json differs", OpConfig{Expect: Expect{JSON: []JSONCheck{{Path: mustPath(t, "cart.id"), Equals: "c-2", HasEquals: true}}}},
			drivers.ClassCheck, `json field cart.id is "c-1", want "c-2"`},
		{"json equals empty", OpConfig{Expect: Expect{JSON: []JSONCheck{{Path: mustPath(t, "cart.id"), HasEquals: true}}}},
			drivers.ClassCheck, `json field cart.id is "c-1", want ""`},
		{"contains", OpConfig{Expect: Expect{Contains: `"sku":"a"`}}, drivers.ClassOK, ""},
		{"does not contain", OpConfig{Expect: Expect{Contains: "nope"}}, drivers.ClassCheck, `body does not contain "nope"`},
	} {
		for _, be := range backends {
			t.Run(tc.name+"/"+be.name, func(t *testing.T) {
				oc := tc.oc
				c := newTestClient(t, Config{BaseURL: s.URL, Ops: []*OpConfig{&oc}}, be.netHTTP1)
				err := do(t, c, drivers.Op{})
				if got := drivers.ClassOf(err); got != tc.want {
					t.Errorf("class %v (%v); want %v", got, err, tc.want)
				}
				if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
					t.Errorf("error %v; want it to say %q", err, tc.msg)
				}
			})
		}
	}
}

// TestJourney runs two steps: the first creates a cart and extracts its
// id from the JSON body and a token from a header; the second sends them.
func TestJourney(t *testing.T) {
	s, rec := startRecorder(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if r.Method == "POST" {
			w.Header().Set("X-Token", "t-9")
			io.WriteString(w, `{"cart":{"id":"c 1/\u00e9","items":[]}}`)
			return
		}
		io.WriteString(w, "ok")
	})
	env := TemplateEnv{Vars: map[string]int{"cart_id": 0, "token": 1}}
	create := &OpConfig{Method: "POST", Path: LiteralTemplate("/carts"), Extract: []Extract{
		{Var: 0, JSON: mustPath(t, "cart.id")}, {Var: 1, Header: "x-token"}}}
	view := &OpConfig{Path: mustTemplate(t, "/carts/{cart_id}?t={token}", env),
		Headers: []HeaderTemplate{{Name: "Authorization", Value: mustTemplate(t, "Bearer {token}", env)}},
		Body:    mustTemplate(t, "{cart_id}", env)}
	missing := &OpConfig{Method: "POST", Extract: []Extract{{Var: 0, JSON: mustPath(t, "cart.total")}}}
	noHeader := &OpConfig{Method: "POST", Extract: []Extract{{Var: 1, Header: "X-Nope"}}}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			c := newTestClient(t, Config{BaseURL: s.URL, Ops: []*OpConfig{create, view, missing, noHeader}}, be.netHTTP1)
			sess := &drivers.Session{}
			sess.Reset(2)
			if err := do(t, c, drivers.Op{Index: 1, Session: sess}); drivers.ClassOf(err) != drivers.ClassCheck ||
				!strings.Contains(err.Error(), "{cart_id} is not set") {
				t.Errorf("view before create: %v; want check_failed naming {cart_id}", err)
			}
			n := len(rec.reqs)
			if err := do(t, c, drivers.Op{Index: 1}); drivers.ClassOf(err) != drivers.ClassCheck {
				t.Errorf("view outside a journey: %v; want check_failed", err)
			}
			if len(rec.reqs) != n {
				t.Errorf("a step with an unset variable was sent")
			}
			if err := do(t, c, drivers.Op{Index: 0}); err != nil {
				t.Fatalf("create outside a journey (extraction ignored): %v", err)
			}
			if err := do(t, c, drivers.Op{Index: 0, Session: sess}); err != nil {
				t.Fatalf("create: %v", err)
			}
			if diff := cmp.Diff([]string{"c 1/é", "t-9"}, sess.Vars); diff != "" {
				t.Errorf("variables (-want +got):\n%s", diff)
			}
			if err := do(t, c, drivers.Op{Index: 1, Session: sess}); err != nil {
				t.Fatalf("view: %v", err)
			}
			got := rec.last(t)
			if want := "/carts/c%201%2F%C3%A9?t=t-9"; got.URI != want {
				t.Errorf("view URI %q; want %q", got.URI, want)
			}
			if v := got.Header.Get("Authorization"); v != "Bearer t-9" {
				t.Errorf("Authorization %q; want %q", v, "Bearer t-9")
			}
			if got.Body != "c 1/é" {
				t.Errorf("body %q; want the variable as is", got.Body)
			}
			err := do(t, c, drivers.Op{Index: 2, Session: sess})
			if drivers.ClassOf(err) != drivers.ClassCheck || !strings.Contains(err.Error(), "json field cart.total missing") {
				t.Errorf("extract a missing field: %v; want check_failed naming cart.total", err)
			}
			err = do(t, c, drivers.Op{Index: 3, Session: sess})
			if drivers.ClassOf(err) != drivers.ClassCheck || !strings.Contains(err.Error(), "response has no header X-Nope") {
				t.Errorf("extract a missing header: %v; want check_failed naming X-Nope", err)
			}
		})
	}
}

// TestCookies logs two sessions in as different users and checks that
// each sends only its own cookie, that a target sends only the cookies of
// its scope, that ops outside a journey neither keep nor send cookies, and
// that a server can delete one.
func TestCookies(t *testing.T) {
	s, rec := startRecorder(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		switch r.URL.Path {
		case "/login":
			nethttp.SetCookie(w, &nethttp.Cookie{Name: "sid", Value: r.URL.Query().Get("u"), Path: "/", HttpOnly: true})
			nethttp.SetCookie(w, &nethttp.Cookie{Name: "lang", Value: "en"})
		case "/logout":
			nethttp.SetCookie(w, &nethttp.Cookie{Name: "sid", Value: "x", MaxAge: -1})
		}
		io.WriteString(w, "ok")
	})
	env := TemplateEnv{Vars: map[string]int{"user": 0}}
	ops := []*OpConfig{
		{Path: mustTemplate(t, "/login?u={user}", env)},
		{Path: LiteralTemplate("/whoami")},
		{Path: LiteralTemplate("/logout")},
		{Path: LiteralTemplate("/whoami"), Headers: []HeaderTemplate{{Name: "Cookie", Value: LiteralTemplate("own=1")}}},
		{Path: LiteralTemplate("/login?u=anon")},
	}
	const login, whoami, logout, whoamiOwn, loginAnon = 0, 1, 2, 3, 4
	cookie := func() string { return strings.Join(rec.last(t).Header.Values("Cookie"), " | ") }
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			shop := newTestClient(t, Config{BaseURL: s.URL, Scope: "shop", Ops: ops}, be.netHTTP1)
			other := newTestClient(t, Config{BaseURL: s.URL, Scope: "other", Ops: ops}, be.netHTTP1)
			alice, bob := &drivers.Session{}, &drivers.Session{}
			alice.Reset(1)
			bob.Reset(1)
			alice.SetVar(0, "alice")
			bob.SetVar(0, "bob")
			for _, sess := range []*drivers.Session{alice, bob} {
				if err := do(t, shop, drivers.Op{Index: login, Session: sess}); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct {
				name string
				c    *Client
				op   drivers.Op
				want string
			}{
				{"alice", shop, drivers.Op{Index: whoami, Session: alice}, "sid=alice; lang=en"},
				{"bob", shop, drivers.Op{Index: whoami, Session: bob}, "sid=bob; lang=en"},
				{"bob's own cookie header first", shop, drivers.Op{Index: whoamiOwn, Session: bob}, "own=1; sid=bob; lang=en"},
				{"another scope", other, drivers.Op{Index: whoami, Session: alice}, ""},
				{"outside a journey", shop, drivers.Op{Index: whoami}, ""},
			} {
				if err := do(t, tc.c, tc.op); err != nil {
					t.Fatal(err)
				}
				if got := cookie(); got != tc.want {
					t.Errorf("%s: Cookie %q; want %q", tc.name, got, tc.want)
				}
			}
			if err := do(t, shop, drivers.Op{Index: loginAnon}); err != nil { // outside a journey: nothing kept
				t.Fatal(err)
			}
			if err := do(t, shop, drivers.Op{Index: logout, Session: alice}); err != nil {
				t.Fatal(err)
			}
			want := []drivers.Cookie{{Scope: "shop", Name: "lang", Value: "en"}}
			if diff := cmp.Diff(want, alice.Cookies); diff != "" {
				t.Errorf("alice's cookies after logout (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnknownOp(t *testing.T) {
	s, _ := startRecorder(t, nil)
	c := newTestClient(t, Config{BaseURL: s.URL, Ops: []*OpConfig{nil, {}}}, false)
	for _, index := range []int{0, 2, -1} {
		if err := do(t, c, drivers.Op{Index: index}); drivers.ClassOf(err) != drivers.ClassOther {
			t.Errorf("op %d: %v; want class other", index, err)
		}
	}
	if err := do(t, c, drivers.Op{Index: 1}); err != nil {
		t.Errorf("op 1: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := do(t, c, drivers.Op{Index: 1}); drivers.ClassOf(err) != drivers.ClassCanceled {
		t.Errorf("after Close: %v; want class canceled", err)
	}
}

func TestCanceled(t *testing.T) {
	s, _ := startRecorder(t, nil)
	c := newTestClient(t, Config{BaseURL: s.URL, Ops: []*OpConfig{{}}}, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Do(ctx, &drivers.Op{}); drivers.ClassOf(err) != drivers.ClassCanceled {
		t.Errorf("Do with a cancelled context: %v; want class canceled", err)
	}
}

func TestIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	rec := &recorder{}
	s := &httptest.Server{Listener: ln, Config: &nethttp.Server{Handler: nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		rec.record(r)
	})}}
	s.Start()
	t.Cleanup(s.Close)
	for _, be := range backends {
		c := newTestClient(t, Config{BaseURL: s.URL + "/v6", Ops: []*OpConfig{{Path: LiteralTemplate("/x")}}}, be.netHTTP1)
		if err := do(t, c, drivers.Op{}); err != nil {
			t.Fatalf("%s: %v", be.name, err)
		}
		if got := rec.last(t); got.URI != "/v6/x" || got.Host != strings.TrimPrefix(s.URL, "http://") {
			t.Errorf("%s: request %s to host %s; want /v6/x to %s", be.name, got.URI, got.Host, s.URL)
		}
	}
}
