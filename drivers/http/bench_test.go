package http

import (
	"context"
	"io"
	"net"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/surgeload/surge/drivers"
)

// benchBody is what the benchmark servers answer: a small JSON document
// that the benchmarked op checks.
const benchBody = `{"id":42,"name":"widget","tags":["a","b"],"price":9.5}`

// benchParallelism times GOMAXPROCS is the number of goroutines calling
// Do: 25 gives 50 on two cores, the connection count of compare.sh.
const benchParallelism = 25

// startFastServer serves benchBody with fasthttp on a loopback port: a
// server cheap enough that the benchmarks measure the client.
func startFastServer(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("application/json")
		ctx.SetBodyString(benchBody)
	}}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	tb.Cleanup(func() {
		if err := s.Shutdown(); err != nil {
			tb.Error(err)
		}
		if err := <-done; err != nil {
			tb.Error(err)
		}
	})
	return "http://" + ln.Addr().String()
}

// benchOp is the benchmarked op: a GET whose path has the key, a header,
// and a status, JSON and substring check.
func benchOp(tb testing.TB) *OpConfig {
	tb.Helper()
	return &OpConfig{
		Path:    mustTemplate(tb, "/products/{key}?v=1", TemplateEnv{OwnKeyspace: "products"}),
		Headers: []HeaderTemplate{{Name: "Accept", Value: LiteralTemplate("application/json")}},
		Expect: Expect{
			Status:   []StatusRange{{200, 299}},
			JSON:     []JSONCheck{{Path: mustPath(tb, "name"), Equals: "widget", HasEquals: true}, {Path: mustPath(tb, "tags.1")}},
			Contains: "price",
		},
	}
}

// BenchmarkDo runs benchOp from benchParallelism×GOMAXPROCS goroutines on
// each client path: fasthttp (HTTP/1.1, what New uses), net/http carrying
// HTTP/1.1 (for comparison), and net/http carrying h2c and HTTP/2 over TLS
// (what New uses for protocol http2).
func BenchmarkDo(b *testing.B) {
	fast := startFastServer(b)
	b.Run("fasthttp", func(b *testing.B) { benchDo(b, Config{BaseURL: fast}, false) })
	b.Run("nethttp1", func(b *testing.B) { benchDo(b, Config{BaseURL: fast}, true) })
	h2c := startH2C(b, benchHandler)
	b.Run("h2c", func(b *testing.B) { benchDo(b, Config{BaseURL: h2c.URL, Protocol: "http2"}, false) })
	h2 := startH2TLS(b, benchHandler)
	b.Run("h2tls", func(b *testing.B) {
		benchDo(b, Config{BaseURL: h2.URL, Protocol: "http2", TLS: tlsFor(b, h2)}, false)
	})
}

func benchHandler(w nethttp.ResponseWriter, _ *nethttp.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, benchBody)
}

func benchDo(b *testing.B, cfg Config, netHTTP1 bool) {
	cfg.Connections = 50
	cfg.Ops = []*OpConfig{benchOp(b)}
	c, err := newClient(context.Background(), cfg, netHTTP1)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		op := drivers.Op{}
		for pb.Next() {
			op.Seq++
			op.Key = op.Seq % 1000
			if err := c.Do(context.Background(), &op); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkNetHTTP is the baseline of BenchmarkDo/fasthttp: plain net/http,
// tuned as a load generator would tune it (a pool of 50 connections, one
// reused request per goroutine, the body drained into a reused buffer), with
// no templates and no checks, against the same server.
func BenchmarkNetHTTP(b *testing.B) {
	url := startFastServer(b) + "/products/1?v=1"
	tr := &nethttp.Transport{MaxIdleConns: 50, MaxIdleConnsPerHost: 50, MaxConnsPerHost: 50,
		DisableCompression: true, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, err := nethttp.NewRequest("GET", url, nil)
		if err != nil {
			b.Error(err)
			return
		}
		buf := make([]byte, 4096)
		for pb.Next() {
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Error(err)
				return
			}
			for {
				if _, err := resp.Body.Read(buf); err != nil {
					break
				}
			}
			resp.Body.Close()
		}
	})
}

// TestDoAllocs checks that a successful op on the HTTP/1.1 path does not
// allocate.
func TestDoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c := newTestClient(t, Config{BaseURL: startFastServer(t), Ops: []*OpConfig{benchOp(t)}}, false)
	op := drivers.Op{Key: 7}
	if err := c.Do(context.Background(), &op); err != nil { // warm the pools
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		op.Seq++
		if err := c.Do(context.Background(), &op); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Do allocates %v times per op; want 0", allocs)
	}
}

// BenchmarkLookup finds a field near the end of a 1 KiB document.
func BenchmarkLookup(b *testing.B) {
	doc := []byte(`{"meta":{"page":1,"tags":["a","b","c"],"note":"` + strings.Repeat("n", 800) +
		`"},"items":[{"sku":"a","price":1},{"sku":"b","price":2}],"cart":{"id":"c-1"}}`)
	p := mustPath(b, "cart.id")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if v, ok := p.lookup(doc); !ok || !scalarEquals(v, "c-1") {
			b.Fatal("cart.id not found")
		}
	}
}
