package shop

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// newCart creates a cart as c and returns its id; c keeps the sid cookie
// it is given.
func (c *client) newCart() string {
	c.t.Helper()
	r := c.do("POST", "/api/cart", "")
	var got struct {
		CartID string `json:"cart_id"`
	}
	r.decode(c.t, http.StatusCreated, &got)
	cookies, err := http.ParseSetCookie(r.header.Get("Set-Cookie"))
	if err != nil || cookies.Name != "sid" || cookies.Path != "/" || !cookies.HttpOnly || cookies.Value == "" {
		c.t.Fatalf("Set-Cookie %q (%v); want sid=...; Path=/; HttpOnly", r.header.Get("Set-Cookie"), err)
	}
	if validSID(c.sid) && cookies.Value != c.sid {
		c.t.Errorf("POST /api/cart with sid %s set sid %s; want the same session", c.sid, cookies.Value)
	}
	c.sid = cookies.Value
	return got.CartID
}

type cartItem struct {
	ProductID int64 `json:"product_id"`
	Qty       int64 `json:"qty"`
}

type cartBody struct {
	CartID string     `json:"cart_id"`
	Items  []cartItem `json:"items"`
}

type order struct {
	OrderID string `json:"order_id"`
	Status  string `json:"status"`
	Total   int64  `json:"total"`
}

// add adds qty of product to the cart and checks the line count.
func (c *client) add(cartID string, product, qty int64, lines int) {
	c.t.Helper()
	var got struct {
		CartID string `json:"cart_id"`
		Items  int    `json:"items"`
	}
	c.do("POST", "/api/cart/"+cartID+"/items", fmt.Sprintf(`{"product_id":%d,"qty":%d}`, product, qty)).
		decode(c.t, http.StatusOK, &got)
	if got.CartID != cartID || got.Items != lines {
		c.t.Errorf("add to cart = %+v; want cart %s with %d items", got, cartID, lines)
	}
}

func (c *client) checkout(cartID string) response {
	c.t.Helper()
	return c.do("POST", "/api/checkout", `{"cart_id":"`+cartID+`"}`)
}

func TestCartAndCheckout(t *testing.T) {
	s := start(t, Options{Products: 100, Stock: 10})
	c := newClient(t, s)
	id := c.newCart()
	c.add(id, 5, 2, 1)
	c.add(id, 7, 1, 2)
	c.add(id, 5, 3, 2)                                                                               // merges with the line of product 5
	c.do("POST", "/api/cart/"+id+"/items", `{"product_id":9}`).decode(t, http.StatusOK, &struct{}{}) // qty 1
	var got cartBody
	c.do("GET", "/api/cart/"+id, "").decode(t, http.StatusOK, &got)
	want := cartBody{CartID: id, Items: []cartItem{{5, 5}, {7, 1}, {9, 1}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /api/cart/%s (-want +got):\n%s", id, diff)
	}
	var o order
	c.checkout(id).decode(t, http.StatusOK, &o)
	wantTotal := 5*s.cat.price(5) + s.cat.price(7) + s.cat.price(9)
	if o.Status != "confirmed" || o.Total != wantTotal || len(o.OrderID) != 16 {
		t.Errorf("checkout = %+v; want confirmed, total %d, a 16-digit order id", o, wantTotal)
	}
	for _, p := range []struct{ id, stock int64 }{{5, 5}, {7, 9}, {9, 9}, {6, 10}} {
		var inv struct{ ID, Stock int64 }
		c.do("GET", fmt.Sprintf("/api/inventory/%d", p.id), "").decode(t, http.StatusOK, &inv)
		if inv.Stock != p.stock {
			t.Errorf("product %d stock %d after checkout; want %d", p.id, inv.Stock, p.stock)
		}
	}
	c.checkout(id).wantError(t, http.StatusConflict, "cart is empty")
	var again cartBody
	c.do("GET", "/api/cart/"+id, "").decode(t, http.StatusOK, &again)
	if len(again.Items) != 0 {
		t.Errorf("cart after checkout holds %v; want it empty", again.Items)
	}
	// A second cart in the same session keeps the session.
	second := c.newCart()
	if second == id {
		t.Errorf("two carts with one id %s", id)
	}
}

func TestOutOfStock(t *testing.T) {
	s := start(t, Options{Products: 10, Stock: 3})
	c := newClient(t, s)
	first := c.newCart()
	c.add(first, 1, 2, 1)
	c.checkout(first).decode(t, http.StatusOK, &order{})
	// Product 1 has 1 left: a cart of 1 of product 2 and 2 of product 1
	// takes nothing.
	second := c.newCart()
	c.add(second, 2, 1, 1)
	c.add(second, 1, 2, 2)
	c.checkout(second).wantError(t, http.StatusConflict, "out of stock")
	if got := s.store.stock(2); got != 3 {
		t.Errorf("product 2 stock %d after a refused checkout; want 3, untouched", got)
	}
	third := c.newCart()
	c.add(third, 1, 1, 1)
	c.checkout(third).decode(t, http.StatusOK, &order{})
	if got := s.store.stock(1); got != 0 {
		t.Errorf("product 1 stock %d; want 0", got)
	}
}

// TestConcurrentCheckouts races checkouts of the last units: exactly the
// stock is sold.
func TestConcurrentCheckouts(t *testing.T) {
	const stock, buyers = 5, 12
	s := start(t, Options{Products: 1, Stock: stock})
	carts := make([]*client, buyers)
	ids := make([]string, buyers)
	for i := range carts {
		carts[i] = newClient(t, s)
		ids[i] = carts[i].newCart()
		carts[i].add(ids[i], 0, 1, 1)
	}
	statuses := make([]int, buyers)
	done := make(chan struct{})
	for i := range carts {
		go func() {
			defer func() { done <- struct{}{} }()
			req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL()+"/api/checkout", strings.NewReader(`{"cart_id":"`+ids[i]+`"}`))
			req.AddCookie(&http.Cookie{Name: "sid", Value: carts[i].sid})
			resp, err := carts[i].hc.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	for range carts {
		<-done
	}
	sold := 0
	for _, st := range statuses {
		switch st {
		case http.StatusOK:
			sold++
		case http.StatusConflict:
		default:
			t.Errorf("checkout status %d; want 200 or 409", st)
		}
	}
	if sold != stock || s.store.stock(0) != 0 {
		t.Errorf("%d checkouts succeeded leaving stock %d; want %d and 0", sold, s.store.stock(0), stock)
	}
}

func TestCartOwnership(t *testing.T) {
	s := start(t, Options{Products: 10})
	owner := newClient(t, s)
	id := owner.newCart()
	stranger := newClient(t, s)
	stranger.newCart() // a session of its own
	anonymous := newClient(t, s)
	tests := []struct {
		name string
		c    *client
		msg  string
	}{
		{"no cookie", anonymous, "missing sid cookie"},
		{"another session", stranger, "cart belongs to another session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.do("GET", "/api/cart/"+id, "").wantError(t, http.StatusUnauthorized, tt.msg)
			tt.c.do("POST", "/api/cart/"+id+"/items", `{"product_id":1}`).wantError(t, http.StatusUnauthorized, tt.msg)
			tt.c.checkout(id).wantError(t, http.StatusUnauthorized, tt.msg)
		})
	}
	t.Run("a bad sid cookie is no session", func(t *testing.T) {
		bad := newClient(t, s)
		bad.sid = strings.Repeat("x", 65)
		bad.do("GET", "/api/cart/"+id, "").wantError(t, http.StatusUnauthorized, "missing sid cookie")
		fresh := bad.newCart() // and a new one is minted
		if len(bad.sid) != 16 {
			t.Errorf("sid %q minted for cart %s; want 16 hex digits", bad.sid, fresh)
		}
	})
	var got cartBody
	owner.do("GET", "/api/cart/"+id, "").decode(t, http.StatusOK, &got)
	if len(got.Items) != 0 {
		t.Errorf("the strangers changed the cart: %v", got.Items)
	}
}

func TestCartErrors(t *testing.T) {
	s := start(t, Options{Products: 10})
	c := newClient(t, s)
	id := c.newCart()
	const unknown = "0123456789abcdef"
	tests := []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"unknown cart", "GET", "/api/cart/" + unknown, "", 404, "no such cart"},
		{"not a cart id", "GET", "/api/cart/xyz", "", 404, "no such cart"},
		{"upper-case cart id", "GET", "/api/cart/" + strings.ToUpper(id), "", 404, "no such cart"},
		{"add to unknown cart", "POST", "/api/cart/" + unknown + "/items", `{"product_id":1}`, 404, "no such cart"},
		{"add no body", "POST", "/api/cart/" + id + "/items", "", 400, errBadJSON.Error()},
		{"add not json", "POST", "/api/cart/" + id + "/items", "product=1", 400, errBadJSON.Error()},
		{"add a string id", "POST", "/api/cart/" + id + "/items", `{"product_id":"1"}`, 400, errBadJSON.Error()},
		{"add no product", "POST", "/api/cart/" + id + "/items", `{"qty":1}`, 400, errBadProduct.Error()},
		{"add unknown product", "POST", "/api/cart/" + id + "/items", `{"product_id":10}`, 400, errNoProduct.Error()},
		{"add negative product", "POST", "/api/cart/" + id + "/items", `{"product_id":-1}`, 400, errNoProduct.Error()},
		{"add zero qty", "POST", "/api/cart/" + id + "/items", `{"product_id":1,"qty":0}`, 400, errBadQty.Error()},
		{"add too many", "POST", "/api/cart/" + id + "/items", `{"product_id":1,"qty":101}`, 400, errBadQty.Error()},
		{"add a huge body", "POST", "/api/cart/" + id + "/items", `{"product_id":1,"x":"` + strings.Repeat("a", maxBody) + `"}`, 400, errBadJSON.Error()},
		{"checkout no body", "POST", "/api/checkout", "", 400, errBadJSON.Error()},
		{"checkout no cart id", "POST", "/api/checkout", `{}`, 400, errNoCartID.Error()},
		{"checkout unknown cart", "POST", "/api/checkout", `{"cart_id":"` + unknown + `"}`, 404, "no such cart"},
		{"checkout not a cart id", "POST", "/api/checkout", `{"cart_id":"nope"}`, 404, "no such cart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.do(tt.method, tt.path, tt.body).wantError(t, tt.status, tt.msg)
		})
	}
}

func TestCartIsFull(t *testing.T) {
	s := start(t, Options{Products: maxLines + 1})
	c := newClient(t, s)
	id := c.newCart()
	for p := range int64(maxLines) {
		c.add(id, p, 1, int(p)+1)
	}
	c.add(id, 0, 1, maxLines) // an existing line still takes more
	c.do("POST", "/api/cart/"+id+"/items", fmt.Sprintf(`{"product_id":%d}`, maxLines)).
		wantError(t, http.StatusConflict, "cart is full")
}

func TestCartEviction(t *testing.T) {
	s := start(t, Options{Products: 10, Carts: 3})
	c := newClient(t, s)
	ids := make([]string, 7)
	for i := range ids {
		ids[i] = c.newCart()
	}
	for i, id := range ids {
		want := http.StatusOK
		if i < len(ids)-3 {
			want = http.StatusNotFound // evicted, oldest first
		}
		if r := c.do("GET", "/api/cart/"+id, ""); r.status != want {
			t.Errorf("cart %d of %d with a cap of 3: status %d; want %d", i+1, len(ids), r.status, want)
		}
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if len(s.store.carts) != 3 || len(s.store.order) != 3 {
		t.Errorf("%d carts, %d in order; want 3 and 3", len(s.store.carts), len(s.store.order))
	}
}
