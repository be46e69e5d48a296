package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	nethttp "net/http"
	"net/url"
	"time"

	"github.com/surgeload/surge/drivers"
)

// stdBackend carries requests on a net/http Transport: the HTTP/2 path
// (over TLS with ALPN, or h2c with prior knowledge over http://), where
// many requests share a connection as streams. It allocates per request
// what net/http allocates.
type stdBackend struct {
	tr        *nethttp.Transport
	timeout   time.Duration
	scheme    string
	host      string
	prefixLen int // of origin.prefix in exchange.uri
}

// stdExchange is an exchange's net/http state, reused from op to op where
// net/http allows it.
type stdExchange struct {
	url  url.URL
	hdr  nethttp.Header
	body bytes.Reader
	resp *nethttp.Response
	buf  []byte // the response body
}

// newStdBackend returns the net/http path, for o's protocol: HTTP/1.1 on
// net/http is for the benchmarks and tests that compare the two clients.
func newStdBackend(cfg Config, o origin, tc *tls.Config) *stdBackend {
	d := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &nethttp.Transport{
		DialContext:            d.DialContext,
		TLSClientConfig:        tc,
		TLSHandshakeTimeout:    cfg.ConnectTimeout,
		MaxIdleConns:           cfg.Connections,
		MaxIdleConnsPerHost:    cfg.Connections,
		MaxConnsPerHost:        cfg.Connections,
		IdleConnTimeout:        90 * time.Second,
		DisableCompression:     true, // checks read the body as the server sent it, as on the fasthttp path
		MaxResponseHeaderBytes: readBufferSize,
		Protocols:              new(nethttp.Protocols),
	}
	switch {
	case o.http2 && o.https:
		tr.Protocols.SetHTTP2(true)
	case o.http2:
		tr.Protocols.SetUnencryptedHTTP2(true)
	default:
		tr.Protocols.SetHTTP1(true)
	}
	scheme := "http"
	if o.https {
		scheme = "https"
	}
	return &stdBackend{tr: tr, timeout: cfg.Timeout, scheme: scheme, host: o.host, prefixLen: len(o.prefix)}
}

func (b *stdBackend) roundTrip(ctx context.Context, o *op, x *exchange) (int, []byte, response, error) {
	s := &x.std
	req := b.request(o, x)
	tctx, cancel := context.WithTimeout(ctx, b.timeout)
	resp, err := b.tr.RoundTrip(req.WithContext(tctx))
	if err != nil {
		cancel()
		return 0, nil, nil, stdError(ctx, tctx, err)
	}
	s.resp = resp
	s.buf, err = readBody(s.buf[:0], resp.Body)
	resp.Body.Close()
	if err != nil {
		err = stdError(ctx, tctx, err)
	}
	cancel()
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, s.buf, s, nil
}

// request builds the request rendered in x, without its context.
func (b *stdBackend) request(o *op, x *exchange) *nethttp.Request {
	s := &x.std
	if s.hdr == nil {
		s.hdr = make(nethttp.Header, len(o.headers)+1)
	} else {
		clear(s.hdr)
	}
	path, query, hasQuery := bytes.Cut(x.uri[b.prefixLen:], []byte{'?'})
	// Opaque carries the path as rendered: net/http would re-escape Path.
	s.url = url.URL{Scheme: b.scheme, Host: b.host, Opaque: string(path), RawQuery: string(query),
		ForceQuery: hasQuery && len(query) == 0}
	req := &nethttp.Request{Method: o.method, URL: &s.url, Header: s.hdr, Host: b.host}
	for i := range o.headers {
		h := &o.headers[i]
		v := x.hbuf[x.hvals[i].lo:x.hvals[i].hi]
		prev := s.hdr[h.name]
		switch {
		case h.host:
			req.Host = string(v)
		case prev == nil && h.vals != nil && h.name != "Cookie": // a literal value: shared, net/http does not change it
			s.hdr[h.name] = h.vals
		default:
			s.hdr[h.name] = append(prev[:len(prev):len(prev)], string(v))
		}
	}
	if len(x.cookie) > 0 {
		s.hdr["Cookie"] = []string{string(x.cookie)}
	}
	if o.body != nil {
		req.ContentLength = int64(len(x.body))
		req.Body = nethttp.NoBody
		if len(x.body) > 0 {
			s.body.Reset(x.body)
			req.Body = io.NopCloser(&s.body)
		}
	}
	return req
}

// readBody appends what r holds to dst, up to maxBody bytes.
func readBody(dst []byte, r io.Reader) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst) > maxBody {
			return dst, errBodyTooBig
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

func (b *stdBackend) closeIdle() { b.tr.CloseIdleConnections() }

func (s *stdExchange) header(name string) []byte {
	if v := s.resp.Header[name]; len(v) > 0 {
		return []byte(v[0])
	}
	return nil
}

func (s *stdExchange) keepCookies(sess *drivers.Session, scope string) {
	for _, line := range s.resp.Header["Set-Cookie"] {
		keepCookie(sess, scope, []byte(line))
	}
}

// release drops what s must not keep across ops.
func (s *stdExchange) release() {
	s.resp = nil
	s.url = url.URL{}
	if cap(s.buf) > maxKeptBuffer {
		s.buf = nil
	}
}

// Failures of the net/http path that carry no detail.
var (
	errStdTimeout = &drivers.Error{Class: drivers.ClassTimeout, Err: errors.New("no response within the timeout")}
)

// stdError classifies an error of the net/http path: ctx is the op's
// context, tctx the one bounded by Config.Timeout.
func stdError(ctx, tctx context.Context, err error) error {
	var de *drivers.Error
	switch {
	case ctx.Err() == context.Canceled:
		return context.Canceled // the run cancelled the op under way
	case tctx.Err() == context.DeadlineExceeded:
		return errStdTimeout
	case errors.As(err, &de):
		return err
	}
	return &drivers.Error{Class: drivers.ClassOf(err), Err: err}
}
