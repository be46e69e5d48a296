// Package shop is an e-commerce HTTP API for tests and demos, in the manner
// of net/http/httptest and drivers/aerospike/astest: it plays the services
// behind a sale (catalog, search, product page, inventory, cart, checkout)
// on loopback, so that surge's HTTP driver, its user journeys and its
// capacity analysis run end to end without a real shop.
//
// In the DESIGN.md data flow it stands where the system under test would:
// behind drivers/http, and `surge target http` serves it for demos.
//
// # Capacity
//
// Each endpoint has its own drivers/sim capacity model, so it queues and
// saturates like a service of its own: a request first waits in its
// endpoint's model (a FIFO queue in front of a pool of servers, then a
// drawn service time), and only then does the handler do its work, which is
// in memory and cheap: the model is what a load test measures. A request
// that finds the queue full is answered 503 at once; a model error is 500.
//
// The default models ([DefaultModel]) are lognormal service times (the
// median is the service time, p99 is 3× it, 4× for checkout; the mean is
// 1.118× the median with p99 3×, 1.194× with p99 4×). Capacity is servers /
// mean service time. Every queue holds 16 requests per server, so under
// overload a request waits at most about 16 mean service times before its
// own, and sheds load as 503 past that:
//
//	endpoint   median  servers  mean      capacity    queue  max wait
//	catalog     3 ms     32     3.35 ms    9,540 /s     512   54 ms
//	search      5 ms     12     5.59 ms    2,150 /s     192   89 ms
//	product     1 ms     64     1.12 ms   57,250 /s    1024   18 ms
//	inventory   1 ms     32     1.12 ms   28,620 /s     512   18 ms
//	cart        2 ms     32     2.24 ms   14,310 /s     512   36 ms
//	checkout   20 ms     16    23.9 ms       670 /s     256  382 ms
//
// A sale funnel of catalog 20%, search 15%, product 35%, inventory 15%,
// cart 10% and checkout 5% at 2,000 requests/s uses at most 15% of any
// endpoint (search 300/s of 2,150, checkout 100/s of 670). Ten times that,
// 20,000/s, saturates the two expensive endpoints (search 3,000/s and
// checkout 1,000/s, about 1.4× and 1.5× their capacity) while the cheap
// ones stay under half of theirs (catalog 4,000/s of 9,540). [Options.Scale]
// multiplies every endpoint's servers and queue limit, so the capacities
// scale and the maximum waits stay put, as when a service scales out;
// [Options.Endpoints] replaces an endpoint's model.
//
// # API
//
// Bodies are JSON with Content-Type application/json; prices and totals are
// whole currency units. Products are ids from 0 up to, not including,
// [Options.Products], named "product-ID", with a price drawn from the id.
//
//	GET  /api/catalog?page=N&size=M   catalog    {"page":N,"products":[{"id","name","price"}...]}
//	GET  /api/search?q=TEXT           search     {"query","total","results":[{"id","name","price"}...]}
//	GET  /api/products/{id}           product    {"id","name","price","stock"}
//	GET  /api/inventory/{id}          inventory  {"id","stock"}
//	POST /api/cart                    cart       201 {"cart_id"} and Set-Cookie: sid
//	POST /api/cart/{cart_id}/items    cart       {"product_id":ID,"qty":Q} → {"cart_id","items"}
//	GET  /api/cart/{cart_id}          cart       {"cart_id","items":[{"product_id","qty"}...]}
//	POST /api/checkout                checkout   {"cart_id"} → {"order_id","status":"confirmed","total"}
//	GET  /healthz                     (no model) 200 ok
//
// Pages count from 1 and hold 20 products unless size says otherwise (at
// most 100); a page or size that is not a positive number is 400. Search
// results are a function of the query text: up to 10 of a total drawn from
// its hash; no q is 400. A cart belongs to the session of the sid cookie
// its POST /api/cart carried, or to a new session whose cookie the answer
// sets; its other routes answer 404 for a cart that does not exist (or was
// evicted), then 401 without that session's cookie. Items is the number of
// distinct products in the cart, at most 100 (then 409 "cart is full"),
// each added 1 to 100 at a time (qty defaults to 1). Checkout takes the
// whole cart's stock at once or nothing (409 "out of stock"), and empties
// the cart (409 "cart is empty" when it is). The server keeps
// [Options.Carts] carts and evicts the oldest past that, so a long run does
// not grow without bound. Errors are {"error":"..."}; an unknown route is
// 404 and a wrong method 405 (HEAD is served where GET is).
//
// Identifiers (cart ids, sids, order ids) are drawn from [Options.Seed] and
// a counter: they are unique, and repeat from run to run, but they are not
// secret. This is a test server.
package shop
