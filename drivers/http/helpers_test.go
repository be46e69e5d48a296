package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	nethttp "net/http"
	"net/http/httptest"
	"testing"
)

func mustTemplate(tb testing.TB, src string, env TemplateEnv) *Template {
	tb.Helper()
	t, err := ParseTemplate(src, env)
	if err != nil {
		tb.Fatalf("ParseTemplate(%q): %v", src, err)
	}
	return t
}

func mustPath(tb testing.TB, src string) *JSONPath {
	tb.Helper()
	p, err := ParseJSONPath(src)
	if err != nil {
		tb.Fatalf("ParseJSONPath(%q): %v", src, err)
	}
	return p
}

// newTestClient returns a client of cfg, on net/http for HTTP/1.1 if
// netHTTP1, closed when the test ends.
func newTestClient(tb testing.TB, cfg Config, netHTTP1 bool) *Client {
	tb.Helper()
	c, err := newClient(context.Background(), cfg, netHTTP1)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// startH2C starts a loopback server of h that speaks h2c with prior
// knowledge (and HTTP/1.1).
func startH2C(tb testing.TB, h nethttp.HandlerFunc) *httptest.Server {
	tb.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.Protocols = new(nethttp.Protocols)
	s.Config.Protocols.SetHTTP1(true)
	s.Config.Protocols.SetUnencryptedHTTP2(true)
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// startH2TLS starts a loopback server of h that speaks HTTP/2 over TLS.
func startH2TLS(tb testing.TB, h nethttp.HandlerFunc) *httptest.Server {
	tb.Helper()
	s := httptest.NewUnstartedServer(h)
	s.EnableHTTP2 = true
	s.StartTLS()
	tb.Cleanup(s.Close)
	return s
}

// tlsFor returns a client TLS configuration that trusts TLS server s.
func tlsFor(tb testing.TB, s *httptest.Server) *tls.Config {
	tb.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(s.Certificate())
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
}
