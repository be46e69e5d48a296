package aerospike

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers/aerospike/astest"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		in   string
		want *as.Host // nil: an error
	}{
		{"10.0.0.1", &as.Host{Name: "10.0.0.1", Port: 3000}},
		{"10.0.0.1:3100", &as.Host{Name: "10.0.0.1", Port: 3100}},
		{"db.example:tls-a:4333", &as.Host{Name: "db.example", TLSName: "tls-a", Port: 4333}},
		{"[::1]", &as.Host{Name: "::1", Port: 3000}},
		{"[::1]:3100", &as.Host{Name: "::1", Port: 3100}},
		{"[fe80::1]:tls-b:4333", &as.Host{Name: "fe80::1", TLSName: "tls-b", Port: 4333}},
		{"", nil},
		{":3000", nil},
		{"host:", nil},
		{"host::4333", nil},       // empty TLS name
		{"host:tls:", nil},        // empty port
		{"host:0", nil},           // port out of range
		{"host:65536", nil},       // port out of range
		{"host:+80", nil},         // a sign is not a port
		{"host:tls:80:81", nil},   // one colon too many
		{"::1", nil},              // IPv6 needs brackets
		{"[::1", nil},             // unclosed
		{"[::1]3000", nil},        // no colon after the bracket
		{"[]:3000", nil},          // empty host
		{"[::1]:", nil},           // empty port
		{"host:port", nil},        // not a number
		{"host:tls:port", nil},    // not a number
		{"host:99999999999", nil}, // overflows
	}
	for _, tt := range tests {
		got, err := parseHost(tt.in)
		switch {
		case tt.want == nil && err == nil:
			t.Errorf("parseHost(%q) = %+v; want an error", tt.in, got)
		case tt.want != nil && err != nil:
			t.Errorf("parseHost(%q) = %v; want %+v", tt.in, err, tt.want)
		case tt.want != nil && *got != *tt.want:
			t.Errorf("parseHost(%q) = %+v; want %+v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseHost checks that parseHost never panics and that whatever it
// accepts formats back to a string it parses the same way.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "h:3000", "h:tls:3000", "[::1]:3000", "[::1]:t:1", "::1", "[", "h:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHost(s)
		if err != nil {
			return
		}
		again, err := parseHost(formatHost(h))
		if err != nil {
			t.Fatalf("parseHost(%q) = %+v, but parseHost(%q) = %v", s, h, formatHost(h), err)
		}
		if *again != *h {
			t.Fatalf("parseHost(%q) = %+v; its round trip through %q gives %+v", s, h, formatHost(h), again)
		}
	})
}

func TestPasswordNeverPrinted(t *testing.T) {
	const secret = "hunter2-s3cret"
	cfg := Config{Hosts: []string{"127.0.0.1:1"}, Namespace: "test", User: "alice", Password: secret}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, cfg)
		if strings.Contains(out, secret) {
			t.Errorf("Sprintf(%q, cfg) = %s; shows the password", format, out)
		}
		if !strings.Contains(out, "alice") || !strings.Contains(out, redacted) {
			t.Errorf("Sprintf(%q, cfg) = %s; want the user and %s", format, out, redacted)
		}
	}
	if out := fmt.Sprintf("%v", &cfg); strings.Contains(out, secret) {
		t.Errorf("Sprintf(%%v, &cfg) = %s; shows the password", out)
	}
}

// unusedPort is a loopback port that nothing listens on.
func unusedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestBadConfig(t *testing.T) {
	good := Config{Hosts: []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(unusedPort(t)))}, Namespace: "test", MaxRetries: -1}
	tests := []struct {
		name string
		edit func(*Config, *[]OpConfig)
	}{
		{"no hosts", func(c *Config, _ *[]OpConfig) { c.Hosts = nil }},
		{"bad host", func(c *Config, _ *[]OpConfig) { c.Hosts = []string{"::1"} }},
		{"no namespace", func(c *Config, _ *[]OpConfig) { c.Namespace = "" }},
		{"key type", func(c *Config, _ *[]OpConfig) { c.KeyType = "uuid" }},
		{"negative timeout", func(c *Config, _ *[]OpConfig) { c.TotalTimeout = -time.Second }},
		{"max retries", func(c *Config, _ *[]OpConfig) { c.MaxRetries = -2 }},
		{"min connections above the queue", func(c *Config, _ *[]OpConfig) { c.ConnectionQueueSize, c.MinConnectionsPerNode = 10, 11 }},
		{"min connections above the default queue", func(c *Config, _ *[]OpConfig) { c.MinConnectionsPerNode = 101 }},
		{"unknown kind", func(_ *Config, o *[]OpConfig) { (*o)[0].Kind = "scan" }},
		{"negative ttl", func(_ *Config, o *[]OpConfig) { (*o)[0].TTL = -time.Second }},
		{"ttl and never", func(_ *Config, o *[]OpConfig) { (*o)[0].TTL, (*o)[0].NoExpire = time.Second, true }},
		{"ttl too long", func(_ *Config, o *[]OpConfig) { (*o)[0].TTL = 1 << 62 }},
		{"long bin name", func(_ *Config, o *[]OpConfig) { (*o)[0].Bins = []string{"sixteen-bytes-xx"} }},
		{"empty bin name", func(_ *Config, o *[]OpConfig) { (*o)[0].Bins = []string{""} }},
		{"bin twice", func(_ *Config, o *[]OpConfig) { (*o)[0].Bins = []string{"a", "a"} }},
		{"long counter name", func(_ *Config, o *[]OpConfig) { (*o)[1].Bin = "sixteen-bytes-xx" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, ops := good, []OpConfig{{Kind: "put"}, {Kind: "add"}}
			tt.edit(&cfg, &ops)
			c, err := New(context.Background(), cfg, ops)
			if err == nil {
				c.Close()
			}
			if !errors.Is(err, ErrBadConfig) {
				t.Errorf("New = %v; want ErrBadConfig", err)
			}
		})
	}
}

// silentListener accepts connections on loopback and never answers, as a
// host whose Aerospike is hung; it returns the port.
func silentListener(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() { // ends when the listener closes
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

func TestConnectFailsFast(t *testing.T) {
	tests := []struct {
		name    string
		port    int
		wantMsg string
	}{
		{"nothing listens", unusedPort(t), "connection refused"},
		{"nothing answers", silentListener(t), "no cluster found within 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Hosts: []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(tt.port))}, Namespace: "test",
				ConnectTimeout: 500 * time.Millisecond, MaxRetries: -1, User: "alice", Password: "hunter2-s3cret"}
			start := time.Now()
			c, err := New(context.Background(), cfg, nil)
			took := time.Since(start)
			if err == nil {
				c.Close()
				t.Fatal("New succeeded")
			}
			msg := err.Error()
			if want := fmt.Sprintf("aerospike: connect to 127.0.0.1:%d", tt.port); !strings.HasPrefix(msg, want) {
				t.Errorf("New = %q; want it to start with %q", msg, want)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("New = %q; want it to say %q", msg, tt.wantMsg)
			}
			if strings.Contains(msg, cfg.Password) {
				t.Errorf("New = %q; shows the password", msg)
			}
			// A generous bound: the point is that New does not wait for the
			// client's 30s default.
			if took > 3*time.Second {
				t.Errorf("New took %v with a 500ms connect timeout", took)
			}
			t.Logf("failed in %v: %v", took, err)
		})
	}
}

func TestConnectContext(t *testing.T) {
	s := newServer(t, astest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := New(ctx, testConfig(s), nil)
	if err == nil {
		c.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("New with a cancelled context = %v; want context.Canceled", err)
	}
}

func TestConnectChecks(t *testing.T) {
	s := newServer(t, astest.Options{ClusterName: "sale", Namespaces: []string{"test", "carts"}})
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string // "" for success
		wantIs  error
	}{
		{"defaults", func(*Config) {}, "", nil},
		{"cluster name", func(c *Config) { c.ClusterName = "sale" }, "", nil},
		{"second namespace", func(c *Config) { c.Namespace = "carts" }, "", nil},
		{"wrong cluster name", func(c *Config) { c.ClusterName = "other" }, `cluster name is not "other"`, nil},
		{"unknown namespace", func(c *Config) { c.Namespace = "tset" }, `namespace "tset" not found`, ErrBadConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(s)
			tt.edit(&cfg)
			c, err := New(context.Background(), cfg, []OpConfig{{Kind: "get"}})
			if err == nil {
				c.Close()
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("New = %v; want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("New = %v; want an error saying %q", err, tt.wantErr)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("New = %v; want errors.Is %v", err, tt.wantIs)
			}
			if err != nil && !strings.Contains(err.Error(), s.Addr()) {
				t.Errorf("New = %v; want it to name %s", err, s.Addr())
			}
		})
	}
}

func TestExpiration(t *testing.T) {
	tests := []struct {
		op   OpConfig
		want uint32
	}{
		{OpConfig{}, 0},
		{OpConfig{TTL: time.Second}, 1},
		{OpConfig{TTL: time.Millisecond}, 1}, // never rounds to the namespace default
		{OpConfig{TTL: 90 * time.Minute}, 5400},
		{OpConfig{NoExpire: true}, as.TTLDontExpire},
	}
	for _, tt := range tests {
		got, err := tt.op.expiration()
		if err != nil || got != tt.want {
			t.Errorf("%+v.expiration() = %d, %v; want %d", tt.op, got, err, tt.want)
		}
	}
}

func TestPolicies(t *testing.T) {
	cfg := Config{TotalTimeout: 80 * time.Millisecond, SocketTimeout: 30 * time.Millisecond, MaxRetries: 4,
		RackAware: true, RackID: 2, ConnectionQueueSize: 64, MinConnectionsPerNode: 8, ClusterName: "sale"}
	o, err := compileOp(&cfg, &OpConfig{Kind: "put", TTL: 10 * time.Second, SendKey: true})
	if err != nil {
		t.Fatal(err)
	}
	type timeouts struct {
		Total, Socket time.Duration
		Retries       int
		Replica       as.ReplicaPolicy
	}
	want := timeouts{80 * time.Millisecond, 30 * time.Millisecond, 4, as.PREFER_RACK}
	for name, p := range map[string]*as.BasePolicy{"read": o.read, "write": &o.write.BasePolicy, "batch": &o.batch.BasePolicy} {
		got := timeouts{p.TotalTimeout, p.SocketTimeout, p.MaxRetries, p.ReplicaPolicy}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s policy (-want +got):\n%s", name, diff)
		}
	}
	if o.write.Expiration != 10 || !o.write.SendKey {
		t.Errorf("write policy expiration %d, send key %v; want 10, true", o.write.Expiration, o.write.SendKey)
	}
	cp := cfg.clientPolicy()
	if cp.Timeout != defaultConnectTimeout || cp.ConnectionQueueSize != 64 || cp.MinConnectionsPerNode != 8 ||
		!cp.RackAware || !cmp.Equal(cp.RackIds, []int{2}) || cp.ClusterName != "sale" || !cp.FailIfNotConnected {
		t.Errorf("client policy = %+v; want the config's values", cp)
	}

	// -1 keeps the client's retries: 2 for reads, none for writes.
	cfg = Config{MaxRetries: -1}
	if o, err = compileOp(&cfg, &OpConfig{Kind: "get"}); err != nil {
		t.Fatal(err)
	}
	if o.read.MaxRetries != 2 || o.write.MaxRetries != 0 || o.read.TotalTimeout != time.Second {
		t.Errorf("default retries %d/%d, timeout %v; want the client's 2/0, 1s", o.read.MaxRetries, o.write.MaxRetries, o.read.TotalTimeout)
	}
}

// formatHost is the inverse of parseHost.
func formatHost(h *as.Host) string {
	name := h.Name
	if strings.Contains(name, ":") {
		name = "[" + name + "]"
	}
	if h.TLSName != "" {
		name += ":" + h.TLSName
	}
	return name + ":" + strconv.Itoa(h.Port)
}
