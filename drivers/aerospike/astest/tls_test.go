package astest

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
)

// testPKI is NewTLS, failing the test on error.
func testPKI(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	server, roots, err := NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	return server, roots
}

// tlsPolicy trusts the test CA and checks the name "astest".
func tlsPolicy(pool *x509.CertPool) *as.ClientPolicy {
	p := as.NewClientPolicy()
	p.Timeout = 5 * time.Second
	p.TlsConfig = &tls.Config{RootCAs: pool, ServerName: "astest", MinVersion: tls.VersionTLS12}
	return p
}

// The client talks TLS to a node and to a cluster, whose peers it learns
// from peers-tls-std with the certificate's name, which it verifies.
func TestTLS(t *testing.T) {
	cfg, pool := testPKI(t)
	s, err := NewServer(Options{TLS: cfg, Users: map[string]string{"surge": "s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	host := as.NewHost(s.Host(), s.Port())
	host.TLSName = "astest"
	policy := tlsPolicy(pool)
	policy.User, policy.Password = "surge", "s3cret"
	c, err := as.NewClientWithPolicyAndHost(policy, host)
	if err != nil {
		t.Fatalf("connect over TLS: %v", err)
	}
	defer c.Close()
	k := key(t, "sku-1")
	if err := c.Put(nil, k, as.BinMap{"stock": 7}); err != nil {
		t.Fatal(err)
	}
	if rec, err := c.Get(nil, k); err != nil || rec.Bins["stock"] != 7 {
		t.Errorf("Get over TLS = %v, %v", rec, err)
	}

	cl, err := NewCluster(3, Options{TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if got := cl.Nodes[0].infoValue("peers-tls-std", "127.0.0.1"); !strings.Contains(got, ",astest,[127.0.0.1:") {
		t.Errorf("peers-tls-std = %q; want peers named astest", got)
	}
	testBatches(t, clusterClient(t, cl, tlsPolicy(pool)), 30)
	for i, s := range cl.Nodes {
		if s.Requests() == 0 {
			t.Errorf("node %d served no request", i)
		}
	}
}

// A client without TLS cannot talk to a TLS node, and the reverse.
func TestTLSMismatch(t *testing.T) {
	cfg, pool := testPKI(t)
	s, err := NewServer(Options{TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := as.NewClientPolicy()
	p.Timeout = 2 * time.Second
	if c, err := as.NewClientWithPolicyAndHost(p, as.NewHost(s.Host(), s.Port())); err == nil {
		c.Close()
		t.Error("a clear-text client connected to a TLS node")
	}
	plain, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	tp := tlsPolicy(pool)
	tp.Timeout = 2 * time.Second
	host := as.NewHost(plain.Host(), plain.Port())
	host.TLSName = "astest"
	if c, err := as.NewClientWithPolicyAndHost(tp, host); err == nil {
		c.Close()
		t.Error("a TLS client connected to a clear-text node")
	}
	if _, err := NewServer(Options{TLS: &tls.Config{}}); err == nil {
		t.Error("NewServer with a TLS config without a certificate succeeded")
	}
}
