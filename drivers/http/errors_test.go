package http

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers"
)

func TestStatusClasses(t *testing.T) {
	s, _ := startRecorder(t, func(w nethttp.ResponseWriter, r *nethttp.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
	})
	env := TemplateEnv{OwnKeyspace: "code"}
	for _, be := range backends {
		c := newTestClient(t, Config{BaseURL: s.URL, Ops: []*OpConfig{{Path: mustTemplate(t, "/{key}", env)}}}, be.netHTTP1)
		for _, tc := range []struct {
			code int
			want drivers.Class
		}{
			{200, drivers.ClassOK},
			{204, drivers.ClassOK},
			{304, drivers.ClassOK},
			{400, drivers.ClassHTTP400},
			{404, drivers.ClassHTTP404},
			{418, drivers.ClassHTTP4xx},
			{429, drivers.ClassHTTP429},
			{500, drivers.ClassHTTP500},
			{503, drivers.ClassHTTP503},
			{504, drivers.ClassHTTP504},
			{599, drivers.ClassHTTP5xx},
		} {
			err := do(t, c, drivers.Op{Key: uint64(tc.code)})
			if got := drivers.ClassOf(err); got != tc.want {
				t.Errorf("%s: status %d: class %v (%v); want %v", be.name, tc.code, got, err, tc.want)
			}
			if tc.want != drivers.ClassOK && !strings.Contains(err.Error(), "unexpected status "+strconv.Itoa(tc.code)) {
				t.Errorf("%s: status %d: error %q; want it to name the status", be.name, tc.code, err)
			}
		}
	}
}

// TestNetworkClasses provokes each failure of the exchange itself.
func TestNetworkClasses(t *testing.T) {
	release := make(chan struct{})
	var entered sync.WaitGroup
	s := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		switch r.URL.Path {
		case "/block": // until the test ends
			entered.Done()
			<-release
		case "/close", "/reset": // hang up without answering
			conn, _, err := w.(nethttp.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if r.URL.Path == "/reset" {
				conn.(*net.TCPConn).SetLinger(0)
			}
			conn.Close()
		}
	}))
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(release) }) // before s.Close, which waits for the handlers
	ops := []*OpConfig{{Path: LiteralTemplate("/block")}, {Path: LiteralTemplate("/close")}, {Path: LiteralTemplate("/reset")}, {}}
	const block, hangUp, reset, ok = 0, 1, 2, 3
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			c := newTestClient(t, Config{BaseURL: s.URL, Ops: ops, Timeout: 100 * time.Millisecond}, be.netHTTP1)
			entered.Add(1)
			if err := do(t, c, drivers.Op{Index: block}); drivers.ClassOf(err) != drivers.ClassTimeout {
				t.Errorf("a blocked response: %v; want class timeout", err)
			}
			if err := do(t, c, drivers.Op{Index: hangUp}); drivers.ClassOf(err) != drivers.ClassNetwork {
				t.Errorf("a connection closed without an answer: %v; want class network", err)
			}
			if err := do(t, c, drivers.Op{Index: reset}); drivers.ClassOf(err) != drivers.ClassNetwork {
				t.Errorf("a connection reset: %v; want class network", err)
			}
			if err := do(t, c, drivers.Op{Index: ok}); err != nil {
				t.Errorf("a good request after the failures: %v", err)
			}
		})
	}
	t.Run("waiting for a connection", func(t *testing.T) {
		// The second request's deadline (from its context, which bounds
		// Config.Timeout) comes well before the first's, which holds the
		// only connection until then.
		for _, be := range backends {
			c := newTestClient(t, Config{BaseURL: s.URL, Ops: ops, Connections: 1}, be.netHTTP1)
			entered.Add(1)
			first := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				defer cancel()
				first <- c.Do(ctx, &drivers.Op{Index: block})
			}()
			entered.Wait() // the only connection is taken
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			if err := c.Do(ctx, &drivers.Op{Index: ok}); drivers.ClassOf(err) != drivers.ClassTimeout {
				t.Errorf("%s: no free connection: %v; want class timeout", be.name, err)
			}
			cancel()
			if err := <-first; drivers.ClassOf(err) != drivers.ClassTimeout {
				t.Errorf("%s: the blocked request: %v; want class timeout", be.name, err)
			}
		}
	})
	t.Run("refused", func(t *testing.T) {
		down := httptest.NewServer(nethttp.HandlerFunc(func(nethttp.ResponseWriter, *nethttp.Request) {}))
		clients := make([]*Client, len(backends))
		for i, be := range backends {
			clients[i] = newTestClient(t, Config{BaseURL: down.URL, Ops: ops}, be.netHTTP1)
			if err := do(t, clients[i], drivers.Op{Index: ok}); err != nil { // a kept-alive connection
				t.Fatal(err)
			}
		}
		down.Close()
		for i, be := range backends {
			if err := do(t, clients[i], drivers.Op{Index: ok}); drivers.ClassOf(err) != drivers.ClassRefused {
				t.Errorf("%s: a stopped server: %v; want class refused", be.name, err)
			}
		}
	})
}

// TestTLSClass serves a certificate the client does not trust once the
// client has connected.
func TestTLSClass(t *testing.T) {
	var untrusted atomic.Bool
	other := selfSigned(t)
	s := httptest.NewUnstartedServer(nethttp.HandlerFunc(func(nethttp.ResponseWriter, *nethttp.Request) {}))
	s.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		if untrusted.Load() {
			return &tls.Config{Certificates: []tls.Certificate{other}}, nil
		}
		return nil, nil
	}}
	s.StartTLS()
	t.Cleanup(s.Close)
	ca := tlsFor(t, s)
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			untrusted.Store(false)
			c := newTestClient(t, Config{BaseURL: s.URL, TLS: ca, Ops: []*OpConfig{{}}}, be.netHTTP1)
			if err := do(t, c, drivers.Op{}); err != nil {
				t.Fatalf("https with the CA: %v", err)
			}
			c.be.closeIdle() // the next op shakes hands again
			untrusted.Store(true)
			if err := do(t, c, drivers.Op{}); drivers.ClassOf(err) != drivers.ClassTLS {
				t.Errorf("an untrusted certificate: %v; want class tls", err)
			}
		})
	}
}

// selfSigned returns a certificate for 127.0.0.1 that nothing trusts.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestHTTP2 checks that protocol http2 speaks HTTP/2, over TLS and as h2c.
func TestHTTP2(t *testing.T) {
	var proto atomic.Int32
	h := func(w nethttp.ResponseWriter, r *nethttp.Request) {
		proto.Store(int32(r.ProtoMajor))
		w.Header().Set("X-Id", "7")
		nethttp.SetCookie(w, &nethttp.Cookie{Name: "sid", Value: "s1"})
		io.WriteString(w, `{"id":"7"}`)
	}
	tlsServer := startH2TLS(t, h)
	h2c := startH2C(t, h)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"tls", Config{BaseURL: tlsServer.URL, TLS: tlsFor(t, tlsServer)}},
		{"h2c", Config{BaseURL: h2c.URL}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proto.Store(0)
			cfg := tc.cfg
			cfg.Protocol = "http2"
			cfg.Ops = []*OpConfig{{Expect: Expect{JSON: []JSONCheck{{Path: mustPath(t, "id"), Equals: "7", HasEquals: true}}},
				Extract: []Extract{{Var: 0, Header: "X-Id"}}}}
			c := newTestClient(t, cfg, false)
			sess := &drivers.Session{}
			sess.Reset(1)
			if err := do(t, c, drivers.Op{Session: sess}); err != nil {
				t.Fatal(err)
			}
			if got := proto.Load(); got != 2 {
				t.Errorf("server saw HTTP/%d; want HTTP/2", got)
			}
			if sess.Vars[0] != "7" || len(sess.Cookies) != 1 {
				t.Errorf("variables %q, cookies %v; want [7] and sid", sess.Vars, sess.Cookies)
			}
		})
	}
}

func TestNewFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Run("refused", func(t *testing.T) {
		_, err := New(context.Background(), Config{BaseURL: "http://" + addr})
		if !errorsIsRefused(err) || err.Error() != "http: connect "+addr+": connection refused" {
			t.Errorf("New against a closed port: %v; want %q wrapping ECONNREFUSED", err, "http: connect "+addr+": connection refused")
		}
	})
	t.Run("tls without the ca", func(t *testing.T) {
		s := httptest.NewTLSServer(nethttp.HandlerFunc(func(nethttp.ResponseWriter, *nethttp.Request) {}))
		defer s.Close()
		_, err := New(context.Background(), Config{BaseURL: s.URL})
		if drivers.ClassOf(err) != drivers.ClassTLS || !strings.Contains(err.Error(), "tls handshake with") {
			t.Errorf("New against an untrusted server: %v; want a tls handshake error of class tls", err)
		}
	})
	t.Run("http2 without h2", func(t *testing.T) {
		s := httptest.NewTLSServer(nethttp.HandlerFunc(func(nethttp.ResponseWriter, *nethttp.Request) {}))
		defer s.Close()
		_, err := New(context.Background(), Config{BaseURL: s.URL, Protocol: "http2", TLS: tlsFor(t, s)})
		if err == nil || !strings.Contains(err.Error(), "does not offer http2") {
			t.Errorf("New with http2 against an HTTP/1.1 server: %v; want a protocol error", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := New(ctx, Config{BaseURL: "http://" + addr}); drivers.ClassOf(err) != drivers.ClassCanceled {
			t.Errorf("New with a cancelled context: %v; want class canceled", err)
		}
	})
}
