package shop

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// The seeds of these targets are in testdata/fuzz/; run one with
// go test -fuzz FuzzParseRoute ./drivers/http/shop/.

// FuzzParseRoute checks that parseRoute and routePath are inverses and that
// an argument is a single non-empty segment.
func FuzzParseRoute(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string) {
		rt, arg := parseRoute(path)
		if rt == routeNone {
			if arg != "" {
				t.Errorf("parseRoute(%q) = none with argument %q", path, arg)
			}
			return
		}
		if got := routePath(rt, arg); got != path {
			t.Errorf("parseRoute(%q) = %d, %q, whose path is %q", path, rt, arg, got)
		}
		hasArg := rt == routeProduct || rt == routeInventory || rt == routeCart || rt == routeCartItems
		if hasArg != (arg != "") || strings.Contains(arg, "/") {
			t.Errorf("parseRoute(%q) = %d with argument %q", path, rt, arg)
		}
	})
}

// FuzzParseID checks that a product id is accepted exactly when it is
// written the canonical way and is in the catalog.
func FuzzParseID(f *testing.F) {
	const n = 1000
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseID(s, n)
		canonical := false
		if v, err := strconv.Atoi(s); err == nil && strconv.Itoa(v) == s && v >= 0 && v < n {
			canonical = true
		}
		if ok != canonical || ok && strconv.Itoa(id) != s {
			t.Errorf("parseID(%q) = %d, %v; want %v", s, id, ok, canonical)
		}
	})
}

// FuzzParseHex checks that identifiers round-trip, and that nothing but
// what appendHex writes is accepted.
func FuzzParseHex(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, v uint64) {
		if got, ok := parseHex(string(appendHex(nil, v))); !ok || got != v {
			t.Errorf("parseHex(appendHex(%#x)) = %#x, %v", v, got, ok)
		}
		if got, ok := parseHex(s); ok && string(appendHex(nil, got)) != s {
			t.Errorf("parseHex(%q) = %#x, which appendHex writes %q", s, got, appendHex(nil, got))
		}
	})
}

// FuzzParseItem checks that an accepted add-to-cart body is valid JSON
// with a product in the catalog and a quantity in range, and that writing
// it back reads the same.
func FuzzParseItem(f *testing.F) {
	const products = 1000
	f.Fuzz(func(t *testing.T, body []byte) {
		it, err := parseItem(body, products)
		if err != nil {
			return
		}
		if !json.Valid(body) || it.product < 0 || it.product >= products || it.qty < 1 || it.qty > maxQty {
			t.Fatalf("parseItem(%q) accepted %+v", body, it)
		}
		again, err := json.Marshal(itemBody{ProductID: &it.product, Qty: &it.qty})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := parseItem(again, products); err != nil || got != it {
			t.Errorf("parseItem(%s) = %+v, %v; want %+v as from %q", again, got, err, it, body)
		}
	})
}

// FuzzParseCheckout checks the same of a checkout body.
func FuzzParseCheckout(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		id, err := parseCheckout(body)
		if err != nil {
			return
		}
		if !json.Valid(body) || id == "" {
			t.Fatalf("parseCheckout(%q) accepted %q", body, id)
		}
		again, err := json.Marshal(checkoutBody{CartID: &id})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := parseCheckout(again); err != nil || got != id {
			t.Errorf("parseCheckout(%s) = %q, %v; want %q as from %q", again, got, err, id, body)
		}
	})
}

// FuzzAppendString checks appendString against encoding/json byte for byte.
func FuzzAppendString(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendString(%q) = %s; encoding/json writes %s", s, got, want.String())
		}
	})
}

// routePath is the path of route rt with argument arg.
func routePath(rt route, arg string) string {
	return [...]string{
		routeHealth:    "/healthz",
		routeCatalog:   "/api/catalog",
		routeSearch:    "/api/search",
		routeProduct:   "/api/products/" + arg,
		routeInventory: "/api/inventory/" + arg,
		routeCartNew:   "/api/cart",
		routeCart:      "/api/cart/" + arg,
		routeCartItems: "/api/cart/" + arg + "/items",
		routeCheckout:  "/api/checkout",
	}[rt]
}
