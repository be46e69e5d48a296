package shop

import (
	"net/http"
	"strconv"

	"github.com/surgeload/surge/drivers/sim"
)

// catalog is the products: ids 0 to products−1, each with a name and a
// price drawn from its id, so nothing per product is stored but stock.
type catalog struct {
	products int
	seed     uint64
}

// price returns a product's price: 99 to 9,998 whole currency units.
func (c *catalog) price(id int64) int64 {
	return 99 + int64(sim.Hash(c.seed, uint64(id), 2)%9900)
}

// appendProduct appends "id":..,"name":"product-ID","price":.. without
// braces, so callers can add fields.
func (c *catalog) appendProduct(b []byte, id int64) []byte {
	b = appendInt(b, "id", id)
	b = append(appendField(append(b, ','), "name"), `"product-`...)
	b = append(strconv.AppendInt(b, id, 10), '"', ',')
	return appendInt(b, "price", c.price(id))
}

// Catalog pages.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// catalogPage answers GET /api/catalog?page=N&size=M.
func (s *Server) catalogPage(_ http.ResponseWriter, r *http.Request, _ string, b []byte) (int, []byte) {
	q := r.URL.Query()
	page, ok := queryInt(q.Get("page"), 1)
	if !ok {
		return http.StatusBadRequest, appendError(b, "page must be a positive number")
	}
	size, ok := queryInt(q.Get("size"), defaultPageSize)
	if !ok {
		return http.StatusBadRequest, appendError(b, "size must be a positive number")
	}
	size = min(size, maxPageSize)
	b = append(appendInt(append(b, '{'), "page", int64(page)), ',')
	b = append(appendField(b, "products"), '[')
	first := int64(s.cat.products) // past the end
	if page-1 < s.cat.products/size+1 {
		first = int64(page-1) * int64(size)
	}
	for id := first; id < min(first+int64(size), int64(s.cat.products)); id++ {
		if id > first {
			b = append(b, ',')
		}
		b = append(s.cat.appendProduct(append(b, '{'), id), '}')
	}
	return http.StatusOK, append(b, ']', '}')
}

// queryInt reads a positive query parameter, def when it is absent.
func queryInt(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}

// Search results.
const (
	maxSearchTotal   = 500
	maxSearchResults = 10
)

// search answers GET /api/search?q=TEXT: the results are a function of
// the query text, so the same query always finds the same products.
func (s *Server) search(_ http.ResponseWriter, r *http.Request, _ string, b []byte) (int, []byte) {
	query := r.URL.Query().Get("q")
	if query == "" {
		return http.StatusBadRequest, appendError(b, "missing q")
	}
	sum := fnv64a(query)
	total := int64(sim.Hash(s.seed, sum, 3) % (maxSearchTotal + 1))
	b = appendField(append(b, '{'), "query")
	b = append(appendString(b, query), ',')
	b = append(appendInt(b, "total", total), ',')
	b = append(appendField(b, "results"), '[')
	for i := range min(total, maxSearchResults) {
		if i > 0 {
			b = append(b, ',')
		}
		id := int64(sim.Hash(sum, uint64(i), 4) % uint64(s.cat.products))
		b = append(s.cat.appendProduct(append(b, '{'), id), '}')
	}
	return http.StatusOK, append(b, ']', '}')
}

// product answers GET /api/products/{id}.
func (s *Server) product(_ http.ResponseWriter, _ *http.Request, arg string, b []byte) (int, []byte) {
	id, ok := parseID(arg, s.cat.products)
	if !ok {
		return http.StatusNotFound, appendError(b, errNoProduct.Error())
	}
	b = append(s.cat.appendProduct(append(b, '{'), int64(id)), ',')
	b = appendInt(b, "stock", s.store.stock(int64(id)))
	return http.StatusOK, append(b, '}')
}

// inventory answers GET /api/inventory/{id}.
func (s *Server) inventory(_ http.ResponseWriter, _ *http.Request, arg string, b []byte) (int, []byte) {
	id, ok := parseID(arg, s.cat.products)
	if !ok {
		return http.StatusNotFound, appendError(b, errNoProduct.Error())
	}
	b = append(appendInt(append(b, '{'), "id", int64(id)), ',')
	b = appendInt(b, "stock", s.store.stock(int64(id)))
	return http.StatusOK, append(b, '}')
}

// fnv64a is the 64-bit FNV-1a hash of s (hash/fnv without its allocations).
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(s) {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
