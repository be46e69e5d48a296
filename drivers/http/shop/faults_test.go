package shop

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers/sim"
)

// get sends a GET from a goroutine that is not the test's: it reports
// instead of failing the test.
func get(c *client, path string) (int, error) {
	req, err := http.NewRequestWithContext(c.t.Context(), "GET", c.base+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// answer is what get returned.
type answer struct {
	status int
	err    error
}

// getAsync runs get in a goroutine; the answer comes on the channel,
// which holds it so the goroutine never waits for the test.
func getAsync(c *client, path string) <-chan answer {
	out := make(chan answer, 1)
	go func() {
		status, err := get(c, path)
		out <- answer{status, err}
	}()
	return out
}

func TestFaultErrorRate(t *testing.T) {
	s := start(t, Options{Products: 10})
	c := newClient(t, s)
	tests := []struct {
		name   string
		fault  Fault
		status int
	}{
		{"error rate 1 is all 500", Fault{ErrorRate: 1}, 500},
		{"status override", Fault{ErrorRate: 1, Status: 429}, 429},
		{"cleared", Fault{}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetFault("search", tt.fault); err != nil {
				t.Fatal(err)
			}
			before := s.Stats()
			for range 5 {
				r := c.do("GET", "/api/search?q=shoes", "")
				if r.status != tt.status {
					t.Errorf("search answered %d (%s); want %d", r.status, r.body, tt.status)
				}
				if tt.status != 200 {
					r.wantError(t, tt.status, "injected fault")
				}
				if r := c.do("GET", "/api/products/1", ""); r.status != 200 {
					t.Errorf("product answered %d with a fault on search; want 200", r.status)
				}
			}
			after := s.Stats()
			wantErrors := int64(0)
			if tt.status != 200 {
				wantErrors = 5
			}
			if got := after["search"].Errors - before["search"].Errors; got != wantErrors {
				t.Errorf("search errors grew by %d; want %d", got, wantErrors)
			}
			if got := after["product"].Errors - before["product"].Errors; got != 0 {
				t.Errorf("product errors grew by %d; want 0", got)
			}
		})
	}
}

// TestFaultErrorRateFraction checks that a rate of a half fails about
// half, and the same requests for the same seed.
func TestFaultErrorRateFraction(t *testing.T) {
	failures := func() []int {
		s := start(t, Options{Products: 10, Seed: 42})
		if err := s.SetFault("product", Fault{ErrorRate: 0.5}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, s)
		var failed []int
		for i := range 200 {
			if r := c.do("GET", "/api/products/1", ""); r.status == 500 {
				failed = append(failed, i)
			}
		}
		return failed
	}
	first, again := failures(), failures()
	// Binomial(200, 0.5): sd ≈ 7; 5 sd either side.
	if len(first) < 65 || len(first) > 135 {
		t.Errorf("%d of 200 failed at rate 0.5; want about 100", len(first))
	}
	if len(first) != len(again) || (len(first) > 0 && first[0] != again[0]) {
		t.Errorf("the same seed failed requests %v then %v", first, again)
	}
}

func TestFaultDelay(t *testing.T) {
	s := start(t, Options{Products: 10})
	c := newClient(t, s)
	const delay = 30 * time.Millisecond
	if err := s.SetFault("inventory", Fault{Delay: delay}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if r := c.do("GET", "/api/inventory/1", ""); r.status != 200 {
		t.Errorf("inventory answered %d with a delay; want 200", r.status)
	}
	// A lower bound only: the delay is the least the request can take.
	if took := time.Since(began); took < delay {
		t.Errorf("a request with a %v delay took %v", delay, took)
	}
}

func TestFaultStall(t *testing.T) {
	s := start(t, Options{Products: 10})
	held := make(chan struct{}, 1)
	hook := func() { held <- struct{}{} }
	s.eps[epProduct].stallHook.Store(&hook)
	if err := s.SetFault("product", Fault{Stall: true}); err != nil {
		t.Fatal(err)
	}
	stalled := getAsync(newClient(t, s), "/api/products/1")
	<-held
	c := newClient(t, s)
	if r := c.do("GET", "/api/inventory/1", ""); r.status != 200 {
		t.Errorf("inventory answered %d while product stalls; want 200", r.status)
	}
	if err := s.SetFault("product", Fault{Stall: true, Status: 502}); err != nil { // still stalled
		t.Fatal(err)
	}
	select {
	case a := <-stalled:
		t.Fatalf("a stalled request was answered: %d, %v", a.status, a.err)
	default:
	}
	if err := s.SetFault("product", Fault{}); err != nil {
		t.Fatal(err)
	}
	if a := <-stalled; a.err != nil || a.status != 200 {
		t.Errorf("the released request = %d, %v; want 200", a.status, a.err)
	}
}

func TestCloseReleasesStalledRequests(t *testing.T) {
	s, err := Start(Options{Products: 10, Endpoints: fastModels()})
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan struct{}, 1)
	hook := func() { held <- struct{}{} }
	s.eps[epCheckout].stallHook.Store(&hook)
	if err := s.SetFault("checkout", Fault{Stall: true}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	done := make(chan error, 1)
	go func() {
		resp, err := c.hc.Post(s.URL()+"/api/checkout", "application/json", nil)
		if err == nil {
			resp.Body.Close()
			err = errors.New(resp.Status)
		}
		done <- err
	}()
	<-held
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("the stalled request was answered after Close")
	}
}

func TestSetFaultErrors(t *testing.T) {
	s := start(t, Options{Products: 10})
	tests := []struct {
		name     string
		endpoint string
		fault    Fault
		want     error
	}{
		{"unknown endpoint", "basket", Fault{}, ErrUnknownEndpoint},
		{"rate above 1", "cart", Fault{ErrorRate: 1.1}, ErrBadConfig},
		{"negative rate", "cart", Fault{ErrorRate: -0.1}, ErrBadConfig},
		{"status below 400", "cart", Fault{ErrorRate: 1, Status: 200}, ErrBadConfig},
		{"status above 599", "cart", Fault{ErrorRate: 1, Status: 600}, ErrBadConfig},
		{"negative delay", "cart", Fault{Delay: -time.Second}, ErrBadConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetFault(tt.endpoint, tt.fault); !errors.Is(err, tt.want) {
				t.Errorf("SetFault(%q, %+v) = %v; want %v", tt.endpoint, tt.fault, err, tt.want)
			}
		})
	}
}

// TestOverload fills a model of one server and a queue of one: two
// requests are held, every other is shed with 503 at once.
func TestOverload(t *testing.T) {
	models := fastModels()
	models["product"] = sim.Config{Servers: 1, QueueLimit: 1, ServiceTime: time.Hour}
	s, err := Start(Options{Products: 10, Endpoints: models})
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	answers := make(chan answer, n) // every request's, so none waits for the test
	for range n {
		c := newClient(t, s)
		go func() {
			status, err := get(c, "/api/products/1")
			answers <- answer{status, err}
		}()
	}
	// Two requests are held by the model until Close, so the first n−2
	// answers, whichever requests they are, are the shed ones.
	for range n - 2 {
		if a := <-answers; a.err != nil || a.status != http.StatusServiceUnavailable {
			t.Fatalf("a request = %d, %v; want 503", a.status, a.err)
		}
	}
	c := newClient(t, s)
	c.do("GET", "/api/products/1", "").wantError(t, http.StatusServiceUnavailable, "overloaded")
	if r := c.do("GET", "/api/inventory/1", ""); r.status != 200 {
		t.Errorf("inventory answered %d while product is overloaded; want 200", r.status)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if a := <-answers; a.err == nil {
			t.Errorf("a held request was answered %d after Close; want an error", a.status)
		}
	}
	st := s.Stats()["product"]
	if want := (EndpointStats{Requests: n + 1, Errors: n - 1, Overloads: n - 1}); st != want {
		t.Errorf("product stats %+v; want %+v", st, want)
	}
}

func TestModelErrors(t *testing.T) {
	t.Run("the model's own", func(t *testing.T) {
		models := fastModels()
		models["cart"] = sim.Config{Servers: 4, ErrorRate: 1}
		s := start(t, Options{Products: 10, Endpoints: models})
		c := newClient(t, s)
		c.do("POST", "/api/cart", "").wantError(t, http.StatusInternalServerError, "internal error")
		if r := c.do("GET", "/api/products/1", ""); r.status != 200 {
			t.Errorf("product answered %d; want 200", r.status)
		}
	})
	t.Run("Options.ErrorRate on every endpoint", func(t *testing.T) {
		s := start(t, Options{Products: 10, ErrorRate: 1})
		c := newClient(t, s)
		for _, path := range []string{"/api/catalog", "/api/search?q=x", "/api/products/1", "/api/inventory/1"} {
			c.do("GET", path, "").wantError(t, http.StatusInternalServerError, "internal error")
		}
		if r := c.do("GET", "/healthz", ""); r.status != 200 {
			t.Errorf("healthz answered %d; want 200, it has no model", r.status)
		}
	})
}
