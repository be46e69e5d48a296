package http

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/surgeload/surge/drivers"
)

// fastBackend carries HTTP/1.1 requests on a fasthttp.HostClient: a pool
// of keep-alive connections, each serving one request at a time, with
// pooled buffers, so that a request costs no allocation.
type fastBackend struct {
	hc      *fasthttp.HostClient
	timeout time.Duration
}

// fastExchange is an exchange's fasthttp request and response, reused
// from op to op.
type fastExchange struct {
	req  fasthttp.Request
	resp fasthttp.Response
}

// Sizes of the fasthttp client.
const (
	// readBufferSize bounds the response header (fasthttp fails a larger
	// one); 16 KiB leaves room for cookies.
	readBufferSize = 16 << 10
	// maxBody is the largest response body a check reads; a larger one
	// fails the op.
	maxBody = 16 << 20
)

func newFastBackend(cfg Config, o origin, tc *tls.Config) *fastBackend {
	connect := cfg.ConnectTimeout
	hc := &fasthttp.HostClient{
		Addr:      o.addr,
		IsTLS:     o.https,
		TLSConfig: tc,
		MaxConns:  cfg.Connections,
		// Requests wait for a free connection rather than fail; their own
		// deadline, shorter, ends the wait with ErrTimeout.
		MaxConnWaitTimeout: cfg.Timeout + time.Second,
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			return dial(addr, tc, min(timeout, connect))
		},
		NoDefaultUserAgentHeader:  true, // the op's headers carry User-Agent
		MaxIdemponentCallAttempts: 2,
		RetryIfErr:                retryStale,
		ReadBufferSize:            readBufferSize,
		MaxResponseBodySize:       maxBody,
		DisablePathNormalizing:    true, // send paths as rendered
	}
	return &fastBackend{hc: hc, timeout: cfg.Timeout}
}

// dial connects to addr and, with tc, shakes hands, all within timeout:
// ConnectTimeout covers the handshake, as it does with net/http.
func dial(addr string, tc *tls.Config, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		return nil, fasthttp.ErrDialTimeout
	}
	d := &net.Dialer{Timeout: timeout}
	if tc == nil {
		return d.Dial("tcp", addr)
	}
	return tls.DialWithDialer(d, "tcp", addr, tc)
}

// retryStale retries an idempotent request once when the server closed the
// connection before answering: a kept-alive connection that the server
// closed while it was idle, which net/http retries too. Any other failure
// is the op's result.
func retryStale(req *fasthttp.Request, attempts int, err error) (resetTimeout, retry bool) {
	if attempts > 1 || !(errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed)) {
		return false, false
	}
	h := &req.Header
	return false, h.IsGet() || h.IsHead() || h.IsPut() || h.IsDelete() || h.IsOptions()
}

func (b *fastBackend) roundTrip(ctx context.Context, o *op, x *exchange) (int, []byte, response, error) {
	f := &x.fast
	req := &f.req
	req.Reset()
	req.Header.SetNoDefaultContentType(true) // send only the Content-Type the op gives
	req.Header.SetMethod(o.method)
	req.SetRequestURIBytes(x.uri)
	for i := range o.headers {
		h := &o.headers[i]
		v := x.hbuf[x.hvals[i].lo:x.hvals[i].hi]
		if h.host {
			req.UseHostHeader = true
			req.Header.SetHostBytes(v)
			continue
		}
		req.Header.AddBytesV(h.name, v)
	}
	if len(x.cookie) > 0 {
		req.Header.AddBytesV("Cookie", x.cookie)
	}
	if o.body != nil {
		req.SetBodyRaw(x.body)
	}
	deadline := time.Now().Add(b.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := b.hc.DoDeadline(req, &f.resp, deadline); err != nil {
		return 0, nil, nil, fastError(ctx, err)
	}
	return f.resp.StatusCode(), f.resp.Body(), f, nil
}

func (b *fastBackend) closeIdle() { b.hc.CloseIdleConnections() }

func (f *fastExchange) header(name string) []byte { return f.resp.Header.Peek(name) }

func (f *fastExchange) keepCookies(s *drivers.Session, scope string) {
	for _, v := range f.resp.Header.Cookies() {
		keepCookie(s, scope, v)
	}
}

// Failures of the fasthttp path that carry no detail.
var (
	errFastTimeout   = &drivers.Error{Class: drivers.ClassTimeout, Err: fasthttp.ErrTimeout}
	errFastNoConn    = &drivers.Error{Class: drivers.ClassTimeout, Err: errors.New("no free connection within the timeout")}
	errFastDial      = &drivers.Error{Class: drivers.ClassTimeout, Err: fasthttp.ErrDialTimeout}
	errFastHandshake = &drivers.Error{Class: drivers.ClassTimeout, Err: fasthttp.ErrTLSHandshakeTimeout}
	errFastClosed    = &drivers.Error{Class: drivers.ClassNetwork, Err: errors.New("the server closed the connection before answering")}
)

// fastError classifies an error of fasthttp's DoDeadline. Its sentinels
// map to preallocated errors; anything else is classified by
// [drivers.ClassOf].
func fastError(ctx context.Context, err error) error {
	if ctx.Err() == context.Canceled {
		return context.Canceled // the run cancelled the op under way
	}
	switch {
	case errors.Is(err, fasthttp.ErrTimeout):
		return errFastTimeout
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		return errFastNoConn
	case errors.Is(err, fasthttp.ErrDialTimeout):
		return errFastDial
	case errors.Is(err, fasthttp.ErrTLSHandshakeTimeout):
		return errFastHandshake
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return errFastClosed
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return errBodyTooBig
	}
	return &drivers.Error{Class: drivers.ClassOf(err), Err: err}
}
