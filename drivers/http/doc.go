// Package http is the [drivers.Target] adapter for HTTP services. The
// engine calls [Client.Do] from its worker pool for every op that the
// scenario routes to an HTTP target, and for every step of a user journey
// on one; Do renders the op's request from its templates, sends it, checks
// the response and, for a journey step, keeps its cookies and extracts its
// variables into the journey's [drivers.Session]. It returns nil or an
// error that [drivers.ClassOf] maps to a class: the status code's class
// (http_404, http_503, …), check_failed, timeout, refused, tls or network.
// In the DESIGN.md data flow it is one of the targets at the end of the
// engine, beside drivers/sim, drivers/aerospike and drivers/redis;
// cmd/surge builds its [Config] from the scenario's http target, binding
// the templates and JSON paths the scenario loader parsed with
// [CompileTemplate] and [NewJSONPath].
//
// # Two clients
//
// HTTP/1.1 goes through github.com/valyala/fasthttp's HostClient, chosen
// for generator throughput: its requests and responses are reused
// objects whose buffers survive from op to op, so that Do renders the
// path, headers and body straight into reused byte slices and a
// successful op allocates nothing (BenchmarkDo/fasthttp, TestDoAllocs),
// where net/http allocates a request, a response, header maps and a
// context per op (BenchmarkDo/nethttp1, BenchmarkNetHTTP). Each
// connection of the pool ([Config.Connections]) carries one request at a
// time; a request waits for a free connection within its timeout rather
// than fail. drivers/http/testdata/compare.sh compares the requests per
// generator CPU-second with wrk and vegeta.
//
// HTTP/2 goes through net/http's Transport, the maintained HTTP/2 client:
// over https:// negotiated with ALPN, over http:// as h2c with prior
// knowledge ([nethttp.Protocols].SetUnencryptedHTTP2).
//
// Templates, checks, extraction and cookies are the same code for both:
// a client library only moves the rendered request and hands back the
// status, the body and a view of the headers.
//
// Neither client retries a failed request, with one exception both make:
// an idempotent request on a kept-alive connection that the server closed
// before answering is sent once more on a new connection. Redirects are
// not followed: a 3xx is a response like any other (and within the
// default expected statuses, 200 to 399).
//
// [nethttp.Protocols]: https://pkg.go.dev/net/http#Protocols
package http
