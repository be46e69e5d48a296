package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

// shopClient is one shopper: its cookie jar keeps the sid cookie.
type shopClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

// call sends a request and decodes the JSON answer into v; it returns the
// status.
func (c *shopClient) call(method, path, body string, v any) int {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("%s %s answered %d %q: %v", method, path, resp.StatusCode, b, err)
	}
	return resp.StatusCode
}

// surge target http serves the shop until cancelled; a shopper browses,
// buys the last units and finds the product out of stock.
func TestTargetHTTP(t *testing.T) {
	t.Parallel()
	addrs, stop := serveTarget(t, "target", "http", "--listen", "127.0.0.1:0", "--products", "50",
		"--stock", "2", "--fail", "inventory=1", "--slow", "search=1ms", "--stall", "cart=1h/1ms", "--seed", "7")
	base, ok := strings.CutPrefix(addrs[0], "http://127.0.0.1:")
	if !ok || strings.HasSuffix(base, ":0") {
		t.Fatalf("listening on %q; want http://127.0.0.1:PORT", addrs[0])
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &shopClient{t: t, base: "http://127.0.0.1:" + base, hc: &http.Client{Jar: jar}}
	goShopping(t, c)

	if code, stderr := stop(); code != exitOK || stderr != "" {
		t.Errorf("surge target http exited %d, stderr %q; want 0 and nothing", code, stderr)
	}
}

// goShopping walks the shopper through the API.
func goShopping(t *testing.T, c *shopClient) {
	var product struct{ ID, Price, Stock int64 }
	if code := c.call("GET", "/api/products/7", "", &product); code != 200 || product.ID != 7 || product.Stock != 2 || product.Price <= 0 {
		t.Errorf("GET /api/products/7 = %d %+v; want 200, product 7 with stock 2", code, product)
	}
	var failed struct{ Error string }
	if code := c.call("GET", "/api/inventory/7", "", &failed); code != 500 || failed.Error == "" {
		t.Errorf("GET /api/inventory/7 with --fail inventory=1 = %d %+v; want 500 with an error", code, failed)
	}
	for i, want := range []struct {
		status int
		order  string
	}{{200, "confirmed"}, {409, ""}} {
		var cart struct {
			CartID string `json:"cart_id"`
			Items  int
		}
		if code := c.call("POST", "/api/cart", "", &cart); code != 201 || cart.CartID == "" {
			t.Fatalf("POST /api/cart = %d %+v; want 201 and a cart id", code, cart)
		}
		if code := c.call("POST", "/api/cart/"+cart.CartID+"/items", `{"product_id":7,"qty":2}`, &cart); code != 200 || cart.Items != 1 {
			t.Errorf("add to cart = %d %+v; want 200 and 1 item", code, cart)
		}
		var order struct {
			OrderID string `json:"order_id"`
			Status  string
			Total   int64
			Error   string
		}
		code := c.call("POST", "/api/checkout", `{"cart_id":"`+cart.CartID+`"}`, &order)
		if code != want.status || order.Status != want.order || (code == 200) != (order.Total == 2*product.Price) {
			t.Errorf("checkout %d = %d %+v; want %d %q, total %d when confirmed", i+1, code, order, want.status, want.order, 2*product.Price)
		}
	}
}

func TestTargetHTTPUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"--listen", "0.0.0.0:0"}, "--allow-remote"},
		{[]string{"--listen", "nonsense"}, "--listen"},
		{[]string{"--products", "0"}, "--products 0: want 1 to 10000000"},
		{[]string{"--stock", "-1"}, "--stock -1"},
		{[]string{"--scale", "0"}, "--scale 0"},
		{[]string{"--scale", "NaN"}, "--scale NaN"},
		{[]string{"--scale", "1e9"}, "--scale 1e+09: want more than 0, at most 10000"},
		{[]string{"--error-rate", "2"}, "--error-rate 2: want 0 to 1"},
		{[]string{"--slow", "search"}, `--slow "search": want ENDPOINT=DURATION`},
		{[]string{"--slow", "basket=1s"}, `unknown endpoint "basket": want one of catalog, search`},
		{[]string{"--slow", "search=fast"}, "--slow search=fast: bad DURATION"},
		{[]string{"--slow", "search=-1s"}, "--slow search=-1s: want a positive DURATION"},
		{[]string{"--stall", "search=1s"}, "--stall search=1s: bad EVERY/FOR: want EVERY/FOR durations with 0 < FOR < EVERY"},
		{[]string{"--stall", "search=1s/2s"}, "--stall search=1s/2s: bad EVERY/FOR"},
		{[]string{"--fail", "checkout=1.5"}, "--fail checkout=1.5: want a RATE of 0 to 1"},
		{[]string{"--fail", "checkout=x"}, "--fail checkout=x: bad RATE"},
		{[]string{"--seed", "-1"}, "--seed"},
		{[]string{"extra"}, "extra"},
	} {
		args := append([]string{"target", "http", "--listen", "127.0.0.1:0"}, tt.args...)
		// In-process; a bound in case a bad flag were accepted and served.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		var stdout, stderr bytes.Buffer
		code := run(ctx, &env{stdout: &stdout, stderr: &stderr, now: time.Now}, args)
		cancel()
		if code != exitBadInput || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("surge %s exited %d, stderr %q; want %d and %q", strings.Join(args, " "), code, stderr.String(), exitBadInput, tt.want)
		}
	}
}
