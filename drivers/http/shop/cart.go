package shop

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/surgeload/surge/drivers/sim"
)

// item is one line of a cart.
type item struct{ product, qty int64 }

// cart is a cart and the session it belongs to.
type cart struct {
	owner string
	items []item // at most maxLines, one per product
}

// store is the shop's state: stock and carts. Memory is bounded by the
// catalog (8 bytes a product, its units sold) and by the cap on carts
// (about 150 bytes a cart, plus 16 a line).
type store struct {
	initial int64          // every product's stock at start
	sold    []atomic.Int64 // by product; written under mu, read without it

	mu    sync.Mutex
	carts map[uint64]*cart
	order []uint64 // cart ids in creation order; a ring once it holds max
	next  int      // the oldest cart in order, once it is full
	max   int
}

func newStore(products, stock, maxCarts int) *store {
	return &store{initial: int64(stock), sold: make([]atomic.Int64, products), carts: map[uint64]*cart{}, max: maxCarts}
}

// stock returns product id's stock.
func (st *store) stock(id int64) int64 { return st.initial - st.sold[id].Load() }

// create adds cart id owned by session sid, evicting the oldest cart when
// the store holds max.
func (st *store) create(id uint64, sid string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.order) < st.max {
		st.order = append(st.order, id)
	} else {
		delete(st.carts, st.order[st.next])
		st.order[st.next] = id
		st.next = (st.next + 1) % st.max
	}
	st.carts[id] = &cart{owner: sid}
}

// owned returns cart id if session sid owns it, or else the status and
// message to answer; st.mu must be held.
func (st *store) owned(id uint64, sid string) (*cart, int, string) {
	c, ok := st.carts[id]
	switch {
	case !ok:
		return nil, http.StatusNotFound, "no such cart"
	case sid == "":
		return nil, http.StatusUnauthorized, "missing sid cookie"
	case sid != c.owner:
		return nil, http.StatusUnauthorized, "cart belongs to another session"
	}
	return c, 0, ""
}

// Identifier streams: each kind of identifier is drawn from the server's
// counter with a stream of its own.
const (
	streamCart  = 5
	streamSID   = 6
	streamOrder = 7
)

// newCart answers POST /api/cart: a new cart, owned by the request's
// session or a new one.
func (s *Server) newCart(w http.ResponseWriter, r *http.Request, _ string, b []byte) (int, []byte) {
	n := s.ids.Add(1)
	sid := sessionID(r)
	if sid == "" {
		sid = string(appendHex(nil, sim.Hash(s.seed, n, streamSID)))
	}
	id := sim.Hash(s.seed, n, streamCart)
	s.store.create(id, sid)
	w.Header().Add("Set-Cookie", "sid="+sid+"; Path=/; HttpOnly") // sid is a token: no quoting needed
	b = append(appendField(append(b, '{'), "cart_id"), '"')
	return http.StatusCreated, append(appendHex(b, id), '"', '}')
}

// cart answers GET /api/cart/{cart_id}.
func (s *Server) cart(_ http.ResponseWriter, r *http.Request, arg string, b []byte) (int, []byte) {
	id, ok := parseHex(arg)
	if !ok {
		return http.StatusNotFound, appendError(b, "no such cart")
	}
	sid := sessionID(r) // parsed before taking the store's lock
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	c, status, msg := st.owned(id, sid)
	if c == nil {
		return status, appendError(b, msg)
	}
	b = append(appendField(append(b, '{'), "cart_id"), '"')
	b = append(appendHex(b, id), '"', ',')
	b = append(appendField(b, "items"), '[')
	for i, it := range c.items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendInt(append(b, '{'), "product_id", it.product), ',')
		b = append(appendInt(b, "qty", it.qty), '}')
	}
	return http.StatusOK, append(b, ']', '}')
}

// addItem answers POST /api/cart/{cart_id}/items.
func (s *Server) addItem(w http.ResponseWriter, r *http.Request, arg string, b []byte) (int, []byte) {
	id, ok := parseHex(arg)
	if !ok {
		return http.StatusNotFound, appendError(b, "no such cart")
	}
	body, err := readBody(w, r)
	var it item
	if err == nil {
		it, err = parseItem(body, s.cat.products)
	}
	sid := sessionID(r)
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	c, status, msg := st.owned(id, sid)
	switch {
	case c == nil:
		return status, appendError(b, msg)
	case err != nil:
		return http.StatusBadRequest, appendError(b, err.Error())
	}
	if !c.add(it) {
		return http.StatusConflict, appendError(b, "cart is full")
	}
	b = append(appendField(append(b, '{'), "cart_id"), '"')
	b = append(appendHex(b, id), '"', ',')
	return http.StatusOK, append(appendInt(b, "items", int64(len(c.items))), '}')
}

// add adds it to c, merging it with a line of the same product, and
// reports whether the cart had room for it.
func (c *cart) add(it item) bool {
	for i := range c.items {
		if c.items[i].product == it.product {
			c.items[i].qty += it.qty
			return true
		}
	}
	if len(c.items) == maxLines {
		return false
	}
	c.items = append(c.items, it)
	return true
}

// checkout answers POST /api/checkout: it takes the stock of every line
// of the cart or, if any is short, none, and empties the cart.
func (s *Server) checkout(w http.ResponseWriter, r *http.Request, _ string, b []byte) (int, []byte) {
	body, err := readBody(w, r)
	var cartID string
	if err == nil {
		cartID, err = parseCheckout(body)
	}
	if err != nil {
		return http.StatusBadRequest, appendError(b, err.Error())
	}
	id, ok := parseHex(cartID)
	if !ok {
		return http.StatusNotFound, appendError(b, "no such cart")
	}
	total, status, msg := s.store.checkout(id, sessionID(r), &s.cat)
	if status != 0 {
		return status, appendError(b, msg)
	}
	b = append(appendField(append(b, '{'), "order_id"), '"')
	b = append(appendHex(b, sim.Hash(s.seed, s.ids.Add(1), streamOrder)), '"', ',')
	b = append(b, `"status":"confirmed",`...)
	return http.StatusOK, append(appendInt(b, "total", total), '}')
}

// checkout takes the stock of cart id's lines, all or none, empties it
// and returns its total; or the status and message to answer.
func (st *store) checkout(id uint64, sid string, cat *catalog) (int64, int, string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, status, msg := st.owned(id, sid)
	switch {
	case c == nil:
		return 0, status, msg
	case len(c.items) == 0:
		return 0, http.StatusConflict, "cart is empty"
	}
	for _, it := range c.items {
		if st.stock(it.product) < it.qty {
			return 0, http.StatusConflict, "out of stock"
		}
	}
	var total int64
	for _, it := range c.items {
		st.sold[it.product].Add(it.qty)
		total += it.qty * cat.price(it.product)
	}
	c.items = c.items[:0]
	return total, 0, ""
}

// maxBody bounds a request body; the shop's are a few dozen bytes.
const maxBody = 4 << 10

// readBody reads the request's body, at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, errBadJSON
	}
	return body, nil
}

// sessionID returns the request's sid cookie, or "" when it has none or
// one that is not a token of 1 to 64 letters, digits, '-' or '_'.
func sessionID(r *http.Request) string {
	c, err := r.Cookie("sid")
	if err != nil || !validSID(c.Value) {
		return ""
	}
	return c.Value
}

func validSID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// appendHex appends v as 16 lowercase hex digits: an identifier.
func appendHex(b []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hex[v>>uint(shift)&0xf])
	}
	return b
}

// parseHex reads an identifier written by appendHex, and only that form.
func parseHex(s string) (uint64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var v uint64
	for i := range len(s) {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
