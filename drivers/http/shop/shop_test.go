package shop

import (
	stdcmp "cmp"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers/sim"
)

// fast is a model that never queues: tests of the API need no capacity.
var fast = sim.Config{Servers: 1 << 10}

// fastModels gives every endpoint the fast model.
func fastModels() map[string]sim.Config {
	m := map[string]sim.Config{}
	for _, name := range Endpoints {
		m[name] = fast
	}
	return m
}

// start starts a shop with opts, fast models unless opts has some, and
// closes it at the end of the test.
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Endpoints == nil {
		opts.Endpoints = fastModels()
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// client talks to one shop as one user: it sends the sid cookie it was
// given, if any.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	sid  string
}

func newClient(t *testing.T, s *Server) *client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, base: s.URL(), hc: &http.Client{Transport: tr}}
}

// response is an answer: its status, headers and body.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the client's sid cookie and returns the answer.
func (c *client) do(method, path, body string) response {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.sid != "" {
		req.AddCookie(&http.Cookie{Name: "sid", Value: c.sid})
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// decode checks the answer's status and content type and decodes its body
// into v.
func (r response) decode(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d (%s); want %d", r.status, r.body, status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q; want application/json", ct)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// wantError checks an error answer: the status and {"error":msg}.
func (r response) wantError(t *testing.T, status int, msg string) {
	t.Helper()
	var got struct{ Error string }
	r.decode(t, status, &got)
	if got.Error != msg {
		t.Errorf("error %q; want %q", got.Error, msg)
	}
}

type product struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Price int64  `json:"price"`
	Stock *int64 `json:"stock,omitempty"`
}

func TestCatalog(t *testing.T) {
	s := start(t, Options{Products: 45})
	c := newClient(t, s)
	tests := []struct {
		name     string
		query    string
		page     int
		from, to int64 // the page's ids
	}{
		{"defaults", "", 1, 0, 20},
		{"second page", "?page=2", 2, 20, 40},
		{"last page is short", "?page=3", 3, 40, 45},
		{"past the end is empty", "?page=4", 4, 0, 0},
		{"size", "?page=2&size=7", 2, 7, 14},
		{"size over 100 is 100", "?size=1000", 1, 0, 45},
		{"a huge page is empty", "?page=9223372036854775807&size=100", math.MaxInt64, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct {
				Page     int64     `json:"page"`
				Products []product `json:"products"`
			}
			c.do("GET", "/api/catalog"+tt.query, "").decode(t, http.StatusOK, &got)
			if got.Page != int64(tt.page) {
				t.Errorf("page %d; want %d", got.Page, tt.page)
			}
			want := []product{}
			for id := tt.from; id < tt.to; id++ {
				want = append(want, product{ID: id, Name: "product-" + itoa(id), Price: s.cat.price(id)})
			}
			if diff := cmp.Diff(want, got.Products); diff != "" {
				t.Errorf("products (-want +got):\n%s", diff)
			}
		})
	}
	for _, q := range []string{"?page=0", "?page=-1", "?page=x", "?size=0", "?size=1.5"} {
		t.Run("bad "+q, func(t *testing.T) {
			if r := c.do("GET", "/api/catalog"+q, ""); r.status != http.StatusBadRequest {
				t.Errorf("GET /api/catalog%s = %d %s; want 400", q, r.status, r.body)
			}
		})
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestPricesAreInRange(t *testing.T) {
	cat := catalog{products: 1000, seed: 3}
	for id := range int64(1000) {
		if p := cat.price(id); p < 99 || p > 9998 {
			t.Fatalf("price(%d) = %d; want 99 to 9998", id, p)
		}
	}
}

func TestSearch(t *testing.T) {
	s := start(t, Options{Products: 1000})
	c := newClient(t, s)
	type results struct {
		Query   string    `json:"query"`
		Total   int       `json:"total"`
		Results []product `json:"results"`
	}
	for _, q := range []string{"shoes", "red+shoes", "%E2%80%A8%22quoted%22%5C", "a"} {
		t.Run(q, func(t *testing.T) {
			var first, again results
			c.do("GET", "/api/search?q="+q, "").decode(t, http.StatusOK, &first)
			c.do("GET", "/api/search?q="+q, "").decode(t, http.StatusOK, &again)
			if diff := cmp.Diff(first, again); diff != "" {
				t.Errorf("the same query found different results (-first +again):\n%s", diff)
			}
			if first.Total < 0 || first.Total > maxSearchTotal || len(first.Results) != min(first.Total, maxSearchResults) {
				t.Errorf("total %d with %d results; want 0 to %d with up to %d", first.Total, len(first.Results), maxSearchTotal, maxSearchResults)
			}
			for _, p := range first.Results {
				if p.ID < 0 || p.ID >= 1000 || p.Name != "product-"+itoa(p.ID) || p.Price != s.cat.price(p.ID) {
					t.Errorf("result %+v is not a catalog product", p)
				}
			}
		})
	}
	var got results
	c.do("GET", "/api/search?q=%E2%80%A8%22quoted%22%5C", "").decode(t, http.StatusOK, &got)
	if want := "\u2028\"quoted\"\\"; got.Query != want {
		t.Errorf("query %q; want %q echoed", got.Query, want)
	}
	c.do("GET", "/api/search", "").wantError(t, http.StatusBadRequest, "missing q")
}

func TestProductAndInventory(t *testing.T) {
	s := start(t, Options{Products: 10, Stock: 7})
	c := newClient(t, s)
	var got product
	c.do("GET", "/api/products/3", "").decode(t, http.StatusOK, &got)
	seven := int64(7)
	if diff := cmp.Diff(product{ID: 3, Name: "product-3", Price: s.cat.price(3), Stock: &seven}, got); diff != "" {
		t.Errorf("GET /api/products/3 (-want +got):\n%s", diff)
	}
	var inv struct{ ID, Stock int64 }
	c.do("GET", "/api/inventory/9", "").decode(t, http.StatusOK, &inv)
	if inv.ID != 9 || inv.Stock != 7 {
		t.Errorf("GET /api/inventory/9 = %+v; want id 9, stock 7", inv)
	}
	for _, id := range []string{"10", "-1", "x", "03", "1e1", "99999999999999999999", "%20"} {
		c.do("GET", "/api/products/"+id, "").wantError(t, http.StatusNotFound, "no such product")
		c.do("GET", "/api/inventory/"+id, "").wantError(t, http.StatusNotFound, "no such product")
	}
}

func TestRoutingErrors(t *testing.T) {
	s := start(t, Options{Products: 10})
	c := newClient(t, s)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/", http.StatusNotFound, ""},
		{"GET", "/api/products/", http.StatusNotFound, ""},
		{"GET", "/api/products/1/", http.StatusNotFound, ""},
		{"GET", "/api/cart/abc/items/x", http.StatusNotFound, ""},
		{"GET", "/api/catalog/", http.StatusNotFound, ""},
		{"POST", "/api/products/1", http.StatusMethodNotAllowed, "GET"},
		{"GET", "/api/cart", http.StatusMethodNotAllowed, "POST"},
		{"GET", "/api/checkout", http.StatusMethodNotAllowed, "POST"},
		{"DELETE", "/api/cart/0000000000000000", http.StatusMethodNotAllowed, "GET"},
		{"GET", "/api/cart/0000000000000000/items", http.StatusMethodNotAllowed, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := c.do(tt.method, tt.path, "")
			var body struct{ Error string }
			r.decode(t, tt.status, &body)
			if body.Error == "" {
				t.Errorf("body %s has no error", r.body)
			}
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q; want %q", got, tt.allow)
			}
		})
	}
	if r := c.do("GET", "/healthz", ""); r.status != http.StatusOK || r.body != "ok" {
		t.Errorf("GET /healthz = %d %q; want 200 ok", r.status, r.body)
	}
	if r := c.do("HEAD", "/api/products/1", ""); r.status != http.StatusOK {
		t.Errorf("HEAD /api/products/1 = %d; want 200", r.status)
	}
	// Routing errors reach no endpoint, and /healthz has none: only the HEAD counts.
	if got := s.Stats()["product"].Requests; got != 1 {
		t.Errorf("product requests %d; want 1 (the HEAD)", got)
	}
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want error
	}{
		{"negative products", Options{Products: -1}, ErrBadConfig},
		{"too many products", Options{Products: MaxProducts + 1}, ErrBadConfig},
		{"negative stock", Options{Stock: -1}, ErrBadConfig},
		{"negative carts", Options{Carts: -1}, ErrBadConfig},
		{"negative scale", Options{Scale: -1}, ErrBadConfig},
		{"NaN scale", Options{Scale: math.NaN()}, ErrBadConfig},
		{"infinite scale", Options{Scale: math.Inf(1)}, ErrBadConfig},
		{"scale past the server bound", Options{Scale: 1e9}, ErrBadConfig},
		{"error rate above 1", Options{ErrorRate: 1.5}, ErrBadConfig},
		{"unknown endpoint model", Options{Endpoints: map[string]sim.Config{"basket": fast}}, ErrUnknownEndpoint},
		{"bad model", Options{Endpoints: map[string]sim.Config{"cart": {}}}, sim.ErrBadConfig},
		{"bad address", Options{Addr: "127.0.0.1:nonsense"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(tt.opts)
			if err == nil {
				s.Close()
				t.Fatalf("Start(%+v) succeeded; want an error", tt.opts)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Start(%+v) = %v; want %v", tt.opts, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "shop: ") {
				t.Errorf("error %q does not say it is the shop's", err)
			}
		})
	}
}

// TestDefaultModels keeps the package doc's capacity table true: capacity
// is servers / mean service time, and the queue holds 16 per server.
func TestDefaultModels(t *testing.T) {
	want := map[string]struct {
		capacity float64 // requests/s, as in the doc
		maxWait  time.Duration
	}{
		"catalog":   {9540, 54 * time.Millisecond},
		"search":    {2150, 89 * time.Millisecond},
		"product":   {57250, 18 * time.Millisecond},
		"inventory": {28620, 18 * time.Millisecond},
		"cart":      {14310, 36 * time.Millisecond},
		"checkout":  {670, 382 * time.Millisecond},
	}
	for _, name := range Endpoints {
		cfg := DefaultModel(name)
		ratio := stdcmp.Or(cfg.P99Ratio, 3)
		sigma := math.Log(ratio) / 2.3263478740408408
		mean := cfg.ServiceTime.Seconds() * math.Exp(sigma*sigma/2)
		capacity := float64(cfg.Servers) / mean
		wait := time.Duration(float64(cfg.QueueLimit) / capacity * float64(time.Second))
		w := want[name]
		if math.Abs(capacity-w.capacity) > 0.01*w.capacity || (wait-w.maxWait).Abs() > w.maxWait/50 {
			t.Errorf("%s: capacity %.0f/s, max wait %v; the doc says %.0f/s, %v", name, capacity, wait, w.capacity, w.maxWait)
		}
		if cfg.Dist != sim.Lognormal || cfg.QueueLimit != 16*cfg.Servers {
			t.Errorf("%s: %+v; want lognormal with a queue of 16 per server", name, cfg)
		}
	}
	if got := DefaultModel("basket"); got.Servers != 0 {
		t.Errorf("DefaultModel(basket) = %+v; want a zero Config", got)
	}
}

// TestScale checks that Scale multiplies servers and queue limits, and
// that ErrorRate is added to the model's own.
func TestScale(t *testing.T) {
	opts := Options{Scale: 2.5, ErrorRate: 0.5,
		Endpoints: map[string]sim.Config{"cart": {Servers: 2, QueueLimit: 3, ErrorRate: 0.5}}}
	if err := defaults(&opts); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		ep       endpointID
		servers  int
		queue    int
		failRate float64
	}{
		{epCart, 5, 8, 0.75},
		{epCheckout, 40, 640, 0.5},
	} {
		cfg, err := scaledModel(&opts, tt.ep)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Servers != tt.servers || cfg.QueueLimit != tt.queue || cfg.ErrorRate != tt.failRate {
			t.Errorf("%s: servers %d, queue %d, error rate %g; want %d, %d, %g", endpointNames[tt.ep],
				cfg.Servers, cfg.QueueLimit, cfg.ErrorRate, tt.servers, tt.queue, tt.failRate)
		}
	}
}

func TestCloseStopsServing(t *testing.T) {
	s, err := Start(Options{Products: 10, Endpoints: fastModels()})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	if r := c.do("GET", "/api/products/1", ""); r.status != http.StatusOK {
		t.Fatalf("status %d before Close; want 200", r.status)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
	c.hc.Transport.(*http.Transport).CloseIdleConnections()
	resp, err := c.hc.Get(s.URL() + "/api/products/1")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET after Close = %d; want a connection error", resp.StatusCode)
	}
}

// The shop answers HTTP/2 with prior knowledge (h2c) as well as HTTP/1.1,
// so that scenarios can load it with protocol: http2.
func TestH2C(t *testing.T) {
	s := start(t, Options{Products: 10})
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: p}}
	resp, err := c.Get(s.URL() + "/api/products/3")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
		t.Errorf("got %s %d; want HTTP/2.0 200", resp.Proto, resp.StatusCode)
	}
}
