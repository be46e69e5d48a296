package http

import (
	"context"
	"encoding/pem"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// caFile writes the certificate of TLS server s to a PEM file and returns
// its path.
func caFile(tb testing.TB, s *httptest.Server) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
