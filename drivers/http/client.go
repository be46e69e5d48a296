package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/surgeload/surge/drivers"
)

// Client is a connected HTTP target. It is safe for concurrent use: the
// engine calls Do from all its workers at once.
type Client struct {
	origin
	seed   uint64
	scope  string
	ops    []*op
	be     backend
	closed atomic.Bool

	exchanges sync.Pool // *exchange
}

var _ drivers.Target = (*Client)(nil)

// backend is the client library that carries the requests: fasthttp for
// HTTP/1.1, net/http for HTTP/2.
type backend interface {
	// roundTrip sends the request rendered in x and reads the response,
	// whose status and body it returns; the body and x's response stay
	// valid until the next roundTrip with x.
	roundTrip(ctx context.Context, o *op, x *exchange) (status int, body []byte, r response, err error)
	// closeIdle closes the idle connections.
	closeIdle()
}

// New checks cfg, connects to the host once within cfg.ConnectTimeout
// (with the TLS handshake for https, and ALPN for HTTP/2 over TLS) so that
// a target that is down fails here, and returns a client. A refused
// connection fails with an error that wraps the errno, so that
// errors.Is(err, syscall.ECONNREFUSED) holds; a bad config wraps
// [ErrBadConfig]. New does not keep ctx.
func New(ctx context.Context, cfg Config) (*Client, error) {
	return newClient(ctx, cfg, false)
}

// newClient is New; netHTTP1 puts HTTP/1.1 on net/http rather than
// fasthttp, for the benchmarks and tests that compare the two.
func newClient(ctx context.Context, cfg Config, netHTTP1 bool) (*Client, error) {
	o, tc, err := configure(&cfg)
	if err != nil {
		return nil, fmt.Errorf("http: %w: %w", ErrBadConfig, err)
	}
	ops, err := compileOps(&cfg, o)
	if err != nil {
		return nil, fmt.Errorf("http: %w: %w", ErrBadConfig, err)
	}
	if err := probe(ctx, o, tc, cfg.ConnectTimeout); err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	c := &Client{origin: o, seed: cfg.Seed, scope: cfg.Scope, ops: ops}
	if o.http2 || netHTTP1 {
		c.be = newStdBackend(cfg, o, tc)
	} else {
		c.be = newFastBackend(cfg, o, tc)
	}
	c.exchanges.New = func() any { return new(exchange) }
	return c, nil
}

// configure validates cfg, fills in its defaults and loads its TLS files.
func configure(cfg *Config) (origin, *tls.Config, error) {
	o, err := parseBase(cfg)
	if err != nil {
		return o, nil, err
	}
	if err := cfg.defaults(); err != nil {
		return o, nil, err
	}
	tc, err := tlsConfig(cfg, o)
	return o, tc, err
}

// probe dials o.addr once, shakes hands for https, and hangs up.
func probe(ctx context.Context, o origin, tc *tls.Config, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", o.addr)
	if err != nil {
		return fmt.Errorf("connect %s: %w", o.addr, dialCause(err))
	}
	defer conn.Close()
	if tc == nil {
		return nil
	}
	tc = tc.Clone()
	if o.http2 {
		// Offering http/1.1 too gets an HTTP/1.1 server to answer, so that
		// the error below can say what is wrong.
		tc.NextProtos = []string{"h2", "http/1.1"}
	}
	tconn := tls.Client(conn, tc)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("tls handshake with %s: %w", o.addr, err)
	}
	if o.http2 && tconn.ConnectionState().NegotiatedProtocol != "h2" {
		return fmt.Errorf("connect %s: the server does not offer http2 (alpn h2): use protocol http1", o.addr)
	}
	return nil
}

// dialCause strips a dial error down to its cause, "connection refused"
// rather than "dial tcp 127.0.0.1:8080: connect: connection refused": the
// caller names the address.
func dialCause(err error) error {
	var op *net.OpError
	if !errors.As(err, &op) || op.Err == nil {
		return err
	}
	var sys *os.SyscallError
	if errors.As(op.Err, &sys) {
		if errno, ok := sys.Err.(syscall.Errno); ok {
			return errno
		}
	}
	return op.Err
}

// Do sends op's request and checks its response. It returns nil for a
// response that meets the op's expectations, and otherwise an error whose
// class [drivers.ClassOf] reads without unwrapping: the status's class for
// an unexpected status, check_failed for a failed check, and timeout,
// refused, tls or network for a failed exchange. Do is safe for concurrent
// use; on the HTTP/1.1 path it does not allocate when the op succeeds
// (BenchmarkDo), except for the journey variables it sets.
//
// Each exchange ends within Config.Timeout, or at ctx's deadline if that is
// sooner. A ctx cancelled before the op is sent fails it with
// [context.Canceled]; on the HTTP/2 path cancelling ctx also aborts the
// exchange under way, while fasthttp, which takes no context, finishes it
// (within its deadline) and then reports it cancelled.
func (c *Client) Do(ctx context.Context, op *drivers.Op) error {
	if uint(op.Index) >= uint(len(c.ops)) || c.ops[op.Index] == nil {
		return errNoOp
	}
	if c.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	o := c.ops[op.Index]
	x := c.exchanges.Get().(*exchange)
	err := c.render(o, op, x)
	if err == nil {
		var (
			status int
			body   []byte
			r      response
		)
		status, body, r, err = c.be.roundTrip(ctx, o, x)
		if err == nil {
			err = c.checkResponse(o, op, status, body, r)
		}
	}
	x.release()
	c.exchanges.Put(x)
	return err
}

// Close closes the idle connections; Do fails afterwards.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.be.closeIdle()
	return nil
}

// exchange is the reusable state of one request in flight: rendering
// buffers and each client library's request and response.
type exchange struct {
	r      renderer
	uri    []byte // origin prefix + path and query
	hbuf   []byte // the rendered header values, back to back
	hvals  []span // by op header: its value in hbuf
	cookie []byte // the Cookie header of the session's cookies, for an op without one of its own
	body   []byte
	fast   fastExchange
	std    stdExchange
}

type span struct{ lo, hi int }

// maxKeptBuffer is the largest buffer an exchange keeps for the next op;
// larger ones, grown for an unusual request or response, go to the GC.
const maxKeptBuffer = 1 << 20

// release drops what x must not keep across ops.
func (x *exchange) release() {
	x.r.op = nil
	if cap(x.body) > maxKeptBuffer {
		x.body = nil
	}
	x.std.release()
}

// render renders op's path, headers, cookies and body into x.
func (c *Client) render(o *op, op *drivers.Op, x *exchange) error {
	x.r.reset(op, c.seed)
	x.uri = append(x.uri[:0], c.prefix...)
	var err error
	if o.path == nil {
		x.uri = append(x.uri, c.rawPath...)
	} else {
		x.uri = append(x.uri, c.basePath...)
		if o.slash {
			x.uri = append(x.uri, '/')
		}
		if x.uri, err = o.path.appendTo(x.uri, &x.r, escPath); err != nil {
			return err
		}
	}
	x.hbuf, x.hvals = x.hbuf[:0], x.hvals[:0]
	cookies := op.Session != nil && len(op.Session.Cookies) > 0
	for i := range o.headers {
		h := &o.headers[i]
		lo := len(x.hbuf)
		if x.hbuf, err = h.value.appendTo(x.hbuf, &x.r, escHeader); err != nil {
			return err
		}
		if cookies && h.name == "Cookie" {
			x.hbuf = appendCookies(x.hbuf, lo, op.Session, c.scope) // after the op's own
			cookies = false
		}
		x.hvals = append(x.hvals, span{lo, len(x.hbuf)})
	}
	x.cookie = x.cookie[:0]
	if cookies {
		x.cookie = appendCookies(x.cookie, 0, op.Session, c.scope)
	}
	if o.body != nil {
		x.body, err = o.body.appendTo(x.body[:0], &x.r, escNone)
	}
	return err
}
