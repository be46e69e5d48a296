package shop

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// route is one of the shop's routes.
type route uint8

const (
	routeNone route = iota
	routeHealth
	routeCatalog
	routeSearch
	routeProduct
	routeInventory
	routeCartNew
	routeCart
	routeCartItems
	routeCheckout
)

// handlerFunc answers a request to a route whose argument (the {id} of
// its path) is arg, appending the body to b. It returns the status and
// the body.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request, arg string, b []byte) (int, []byte)

// routes are each route's method, endpoint and handler.
var routes = [...]struct {
	method string
	ep     endpointID
	handle handlerFunc
}{
	routeCatalog:   {http.MethodGet, epCatalog, (*Server).catalogPage},
	routeSearch:    {http.MethodGet, epSearch, (*Server).search},
	routeProduct:   {http.MethodGet, epProduct, (*Server).product},
	routeInventory: {http.MethodGet, epInventory, (*Server).inventory},
	routeCartNew:   {http.MethodPost, epCart, (*Server).newCart},
	routeCart:      {http.MethodGet, epCart, (*Server).cart},
	routeCartItems: {http.MethodPost, epCart, (*Server).addItem},
	routeCheckout:  {http.MethodPost, epCheckout, (*Server).checkout},
}

// parseRoute finds the route of a request path and its argument, the
// {id} segment, which is never empty and holds no slash. It is the
// inverse of routePath.
func parseRoute(path string) (route, string) {
	switch path {
	case "/healthz":
		return routeHealth, ""
	case "/api/catalog":
		return routeCatalog, ""
	case "/api/search":
		return routeSearch, ""
	case "/api/cart":
		return routeCartNew, ""
	case "/api/checkout":
		return routeCheckout, ""
	}
	if id, ok := strings.CutPrefix(path, "/api/products/"); ok && segment(id) {
		return routeProduct, id
	}
	if id, ok := strings.CutPrefix(path, "/api/inventory/"); ok && segment(id) {
		return routeInventory, id
	}
	if rest, ok := strings.CutPrefix(path, "/api/cart/"); ok {
		id, tail, more := strings.Cut(rest, "/")
		switch {
		case !segment(id):
		case !more:
			return routeCart, id
		case tail == "items":
			return routeCartItems, id
		}
	}
	return routeNone, ""
}

// segment reports whether s can be a path's {id}.
func segment(s string) bool { return s != "" && !strings.Contains(s, "/") }

// parseID reads a product id: a decimal number below n, written the way
// strconv.Itoa writes it (no sign, no leading zero).
func parseID(s string, n int) (int, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.Atoi(s)
	return id, err == nil && id < n
}

// bufPool holds response buffers; a catalog page of 100 is about 5 KiB.
// Buffers that grew past maxPooled are left to the garbage collector.
const maxPooled = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// serveHTTP routes a request, puts it through its endpoint's faults and
// model, and answers it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt, arg := parseRoute(r.URL.Path)
	switch {
	case rt == routeNone:
		replyError(w, http.StatusNotFound, "not found")
		return
	case rt == routeHealth:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok")) // a client gone is not the server's error
		return
	}
	want := routes[rt].method
	if r.Method != want && !(r.Method == http.MethodHead && want == http.MethodGet) {
		w.Header().Set("Allow", want)
		replyError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if !s.enter() {
		replyError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	defer s.leave()
	ep := &s.eps[routes[rt].ep]
	n := uint64(ep.requests.Add(1) - 1)
	status, msg := s.admit(r.Context(), ep, n)
	switch {
	case status == statusGone:
		// Returning would answer 200 with an empty body; this closes the
		// connection unanswered, and net/http does not log it.
		panic(http.ErrAbortHandler)
	case status != 0:
		ep.errors.Add(1)
		replyError(w, status, msg)
		return
	}
	bp := bufPool.Get().(*[]byte)
	status, b := routes[rt].handle(s, w, r, arg, (*bp)[:0])
	write(w, status, b)
	if cap(b) <= maxPooled { // a long search query must not pin a big buffer
		*bp = b[:0]
		bufPool.Put(bp)
	}
}

// replyError answers with status and the error body {"error":msg}.
func replyError(w http.ResponseWriter, status int, msg string) {
	write(w, status, appendError(nil, msg))
}

// write answers with status and the JSON body b.
func write(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b) // a client gone is not the server's error
}
