package shop

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
)

// Options configure a [Server]. The zero value is a shop of 100,000
// products on a free loopback port with the default models.
type Options struct {
	// Addr is the listen address; "" means 127.0.0.1:0, a free loopback port.
	Addr string
	// Products is the catalog size: product ids are 0 to Products−1; 0 means
	// 100,000, and at most [MaxProducts].
	Products int
	// Stock is every product's initial stock; 0 means 1,000,000.
	Stock int
	// Carts is how many carts the server keeps; creating one more evicts
	// the oldest. 0 means 1,000,000.
	Carts int
	// Scale multiplies every endpoint's servers and queue limit, so its
	// capacity, as when a service scales out; 0 means 1.
	Scale float64
	// ErrorRate is a fraction of requests, on every endpoint and on top of
	// its model's own error rate, answered 500 after their service time.
	ErrorRate float64
	// Endpoints replaces the model of the endpoints it names (see
	// [Endpoints]); the others keep [DefaultModel]. Scale and ErrorRate
	// apply to these too.
	Endpoints map[string]sim.Config
	// Seed makes the models' draws, injected faults, prices and
	// identifiers repeat: the same seed and request order give the same
	// answers.
	Seed uint64
	// Clock is the models' and Delay faults' time; nil means
	// [drivers.WallClock].
	Clock drivers.Clock
}

// MaxProducts bounds [Options.Products]: the server keeps 8 bytes of
// stock a product.
const MaxProducts = 10_000_000

// The defaults and bounds of [Options].
const (
	defaultProducts = 100_000
	defaultStock    = 1_000_000
	defaultCarts    = 1_000_000
	maxServers      = 1 << 20 // a model's server heap is 8 bytes a server
)

// Endpoints names the shop's endpoints, each with its own capacity model,
// in the order of [DefaultModel]'s table. Callers must not modify it.
var Endpoints = slices.Clone(endpointNames[:])

// endpointID indexes the endpoints, in the order of Endpoints.
type endpointID uint8

const (
	epCatalog endpointID = iota
	epSearch
	epProduct
	epInventory
	epCart
	epCheckout
	numEndpoints
)

// endpointNames is a private copy of Endpoints, which callers could change.
var endpointNames = [numEndpoints]string{"catalog", "search", "product", "inventory", "cart", "checkout"}

// defaultModels are the default capacity models; see the package doc.
var defaultModels = [numEndpoints]sim.Config{
	epCatalog:   {Servers: 32, ServiceTime: 3 * time.Millisecond, Dist: sim.Lognormal, QueueLimit: 16 * 32},
	epSearch:    {Servers: 12, ServiceTime: 5 * time.Millisecond, Dist: sim.Lognormal, QueueLimit: 16 * 12},
	epProduct:   {Servers: 64, ServiceTime: time.Millisecond, Dist: sim.Lognormal, QueueLimit: 16 * 64},
	epInventory: {Servers: 32, ServiceTime: time.Millisecond, Dist: sim.Lognormal, QueueLimit: 16 * 32},
	epCart:      {Servers: 32, ServiceTime: 2 * time.Millisecond, Dist: sim.Lognormal, QueueLimit: 16 * 32},
	epCheckout:  {Servers: 16, ServiceTime: 20 * time.Millisecond, Dist: sim.Lognormal, P99Ratio: 4, QueueLimit: 16 * 16},
}

// DefaultModel returns the default capacity model of the named endpoint
// (see the package doc for the numbers), or a zero Config, which no
// server accepts, for a name not in [Endpoints].
func DefaultModel(endpoint string) sim.Config {
	if i, ok := endpointIndex(endpoint); ok {
		return defaultModels[i]
	}
	return sim.Config{}
}

func endpointIndex(name string) (endpointID, bool) {
	i := slices.Index(endpointNames[:], name)
	return endpointID(i), i >= 0
}

// Errors of [Start] and [Server.SetFault].
var (
	// ErrBadConfig reports impossible options or faults. A bad model is
	// [sim.ErrBadConfig] instead.
	ErrBadConfig = errors.New("bad shop config")
	// ErrUnknownEndpoint reports an endpoint name not in [Endpoints].
	ErrUnknownEndpoint = errors.New("unknown endpoint")
)

// EndpointStats count one endpoint's requests.
type EndpointStats struct {
	// Requests is how many requests reached the endpoint: every request
	// to one of its routes, with a known method, before the server closed.
	Requests int64
	// Errors is how many of them were answered with an error status by a
	// fault or the model: 5xx, or a fault's Status.
	Errors int64
	// Overloads is how many of the Errors the model shed with 503 because
	// its queue was full.
	Overloads int64
}

// Server is a shop serving on loopback. Start one with [Start]; Close
// stops it. Its methods are safe for concurrent use.
type Server struct {
	ln    net.Listener
	srv   *http.Server
	clock drivers.Clock
	seed  uint64
	cat   catalog
	store *store
	eps   [numEndpoints]endpoint
	ids   atomic.Uint64 // draws cart ids, sids and order ids

	// stop cancels every request's context: Close uses it to release
	// requests held by a stall, a delay or a model queue.
	stop   context.CancelFunc
	served chan error // Serve's result; size 1 so Serve never waits for Close

	mu       sync.Mutex
	closed   bool
	handlers sync.WaitGroup // requests past enter
}

// Start listens on opts.Addr and serves in the background until Close.
// The listener is open when it returns, so requests to [Server.URL] are
// served from then on.
func Start(opts Options) (*Server, error) {
	if err := defaults(&opts); err != nil {
		return nil, fmt.Errorf("shop: %w", err)
	}
	s := &Server{clock: opts.Clock, seed: opts.Seed,
		cat:   catalog{products: opts.Products, seed: opts.Seed},
		store: newStore(opts.Products, opts.Stock, opts.Carts)}
	for i := range s.eps {
		model, err := newModel(&opts, endpointID(i))
		if err != nil {
			return nil, fmt.Errorf("shop: %s model: %w", endpointNames[i], err)
		}
		s.eps[i].model = model
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("shop: listen: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s.ln, s.stop, s.served = ln, stop, make(chan error, 1)
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// Connection-level noise (a client resetting mid-request) is not
		// the shop's to report; a load test counts its own errors.
		ErrorLog: log.New(io.Discard, "", 0),
		// HTTP/1.1, and HTTP/2 with prior knowledge (h2c) for clients
		// that load it over HTTP/2.
		Protocols: shopProtocols(),
	}
	go func() { s.served <- s.srv.Serve(ln) }() // Close waits for it
	return s, nil
}

// defaults fills in and checks opts.
func defaults(opts *Options) error {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Clock == nil {
		opts.Clock = drivers.WallClock()
	}
	opts.Products = cmp.Or(opts.Products, defaultProducts)
	opts.Stock = cmp.Or(opts.Stock, defaultStock)
	opts.Carts = cmp.Or(opts.Carts, defaultCarts)
	opts.Scale = cmp.Or(opts.Scale, 1)
	switch {
	case opts.Products < 1 || opts.Products > MaxProducts:
		return fmt.Errorf("%w: products %d: want 1 to %d", ErrBadConfig, opts.Products, MaxProducts)
	case opts.Stock < 0:
		return fmt.Errorf("%w: stock %d: want a positive number", ErrBadConfig, opts.Stock)
	case opts.Carts < 1:
		return fmt.Errorf("%w: carts %d: want a positive number", ErrBadConfig, opts.Carts)
	case !(opts.Scale > 0) || math.IsInf(opts.Scale, 1):
		return fmt.Errorf("%w: scale %g: want a positive number", ErrBadConfig, opts.Scale)
	case !(opts.ErrorRate >= 0 && opts.ErrorRate <= 1):
		return fmt.Errorf("%w: error rate %g: want 0 to 1", ErrBadConfig, opts.ErrorRate)
	}
	for _, name := range slices.Sorted(maps.Keys(opts.Endpoints)) {
		if _, ok := endpointIndex(name); !ok {
			return fmt.Errorf("endpoint model %q: %w", name, ErrUnknownEndpoint)
		}
	}
	return nil
}

// newModel builds endpoint i's model.
func newModel(opts *Options, i endpointID) (*sim.Target, error) {
	cfg, err := scaledModel(opts, i)
	if err != nil {
		return nil, err
	}
	return sim.New(cfg, opts.Clock)
}

// scaledModel is endpoint i's model: its default or opts' override,
// scaled, with opts' error rate on top, and a seed of its own.
func scaledModel(opts *Options, i endpointID) (sim.Config, error) {
	cfg, ok := opts.Endpoints[endpointNames[i]]
	if !ok {
		cfg = defaultModels[i]
	}
	if cfg.Servers > 0 {
		servers := math.Round(float64(cfg.Servers) * opts.Scale)
		if servers > maxServers {
			return cfg, fmt.Errorf("%w: scale %g gives %g servers: want at most %d", ErrBadConfig, opts.Scale, servers, maxServers)
		}
		cfg.Servers = max(1, int(servers))
	}
	if cfg.QueueLimit > 0 {
		cfg.QueueLimit = max(1, int(min(math.Round(float64(cfg.QueueLimit)*opts.Scale), math.MaxInt32)))
	}
	if opts.ErrorRate > 0 {
		cfg.ErrorRate = 1 - (1-cfg.ErrorRate)*(1-opts.ErrorRate) // either fails
	}
	cfg.Seed += opts.Seed + uint64(i+1)*0x9e3779b97f4a7c15 // endpoints do not fail in lockstep
	return cfg, nil
}

// URL returns the server's base URL, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return "http://" + s.Addr() }

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stats returns each endpoint's counts by name.
func (s *Server) Stats() map[string]EndpointStats {
	out := make(map[string]EndpointStats, numEndpoints)
	for i := range s.eps {
		ep := &s.eps[i]
		out[endpointNames[i]] = EndpointStats{Requests: ep.requests.Load(),
			Errors: ep.errors.Load(), Overloads: ep.overloads.Load()}
	}
	return out
}

// Close stops listening, closes every connection, interrupts requests held
// by a stall, a delay or a model's queue, and waits for every request's
// handler to return. Later calls do nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.srv.Close() // no new requests; the connections of those in flight are closed
	s.stop()
	if serveErr := <-s.served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	s.handlers.Wait()
	if err != nil {
		return fmt.Errorf("shop: close: %w", err)
	}
	return nil
}

// enter admits a request unless the server is closing; leave must follow.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.handlers.Add(1)
	return true
}

func (s *Server) leave() { s.handlers.Done() }

// shopProtocols is HTTP/1.1 and unencrypted HTTP/2.
func shopProtocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return p
}
