package astest

import (
	"net"
	"strconv"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
)

// clusterClient connects the v7 client to cl through its first node.
func clusterClient(t *testing.T, cl *Cluster, policy *as.ClientPolicy) *as.Client {
	t.Helper()
	policy.Timeout = 5 * time.Second
	seed := as.NewHost(cl.Nodes[0].Host(), cl.Nodes[0].Port())
	if policy.TlsConfig != nil {
		seed.TLSName = "astest"
	}
	c, err := as.NewClientWithPolicyAndHost(policy, seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if got := len(c.GetNodes()); got != len(cl.Nodes) {
		t.Fatalf("the client sees %d nodes; want %d", got, len(cl.Nodes))
	}
	return c
}

// freePorts finds n consecutive free loopback ports, trying a bounded
// number of starting points.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if base+n-1 > 65535 {
			continue
		}
		ok := true
		for i := 1; i < n && ok; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+i)))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Skip("found no run of free ports")
	return 0
}

func TestClusterAddr(t *testing.T) {
	t.Run("fixed port", func(t *testing.T) {
		base := freePorts(t, 3)
		cl, err := NewCluster(3, Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(base))})
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for i, s := range cl.Nodes {
			if s.Host() != "127.0.0.1" || s.Port() != base+i {
				t.Errorf("node %d listens on %s; want 127.0.0.1:%d", i, s.Addr(), base+i)
			}
		}
		testBatches(t, clusterClient(t, cl, as.NewClientPolicy()), 30)
	})
	t.Run("port 0", func(t *testing.T) {
		cl, err := NewCluster(2, Options{Addr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		if a, b := cl.Nodes[0].Port(), cl.Nodes[1].Port(); a == 0 || b == 0 || a == b {
			t.Errorf("ports %d and %d; want two free ports", a, b)
		}
	})
	t.Run("port taken", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		if cl, err := NewCluster(2, Options{Addr: ln.Addr().String()}); err == nil {
			cl.Close()
			t.Error("NewCluster on a port in use succeeded")
		}
	})
	for _, addr := range []string{"127.0.0.1:65535", "nonsense", "127.0.0.1:x"} {
		if cl, err := NewCluster(2, Options{Addr: addr}); err == nil {
			cl.Close()
			t.Errorf("NewCluster(2, %q) succeeded", addr)
		}
	}
}

// A node listening on every interface advertises, to peers and service
// requests, the address the client reached it on.
func TestAdvertisedAddress(t *testing.T) {
	s := &Server{ip: net.IPv4zero, port: 3100, node: "N1", opts: Options{Namespaces: []string{"test"}}}
	other := &Server{ip: net.ParseIP("127.0.0.2"), port: 3101, node: "N2", opts: s.opts}
	s.cluster = &Cluster{Nodes: []*Server{s, other}}
	other.cluster = s.cluster
	got := string(s.info([]byte("service-clear-std\nservice-tls-std\npeers-clear-std\npeers-tls-std\n"), "10.1.2.3"))
	want := "service-clear-std\t10.1.2.3:3100\nservice-tls-std\t\n" +
		"peers-clear-std\t1,3100,[[N2,,[127.0.0.2:3101]]]\npeers-tls-std\t1,3100,[]\n"
	if got != want {
		t.Errorf("info = %q; want %q", got, want)
	}
}
