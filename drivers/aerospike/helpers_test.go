package aerospike

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/aerospike/astest"
)

// fakeNow is the expiry clock of an astest server, moved by hand.
type fakeNow struct{ unix atomic.Int64 }

func newFakeNow() *fakeNow {
	f := &fakeNow{}
	f.unix.Store(1795400000) // 2026-11-22, well after the 2010 Aerospike epoch
	return f
}

func (f *fakeNow) now() time.Time      { return time.Unix(f.unix.Load(), 0) }
func (f *fakeNow) add(d time.Duration) { f.unix.Add(int64(d / time.Second)) }

// newServer starts an astest node for the test.
func newServer(t testing.TB, opts astest.Options) *astest.Server {
	t.Helper()
	s, err := astest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// addr is host:port of s.
// testConfig is a Config for s with the client's defaults.
func testConfig(s *astest.Server) Config {
	return Config{Hosts: []string{s.Addr()}, Namespace: "test", Set: "demo", MaxRetries: -1, KeyPrefix: "sku:"}
}

// newTarget connects a Client for the test.
func newTarget(t testing.TB, cfg Config, ops ...OpConfig) *Client {
	t.Helper()
	c, err := New(context.Background(), cfg, ops)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawClient connects the v7 client itself, to check what the adapter
// wrote.
func rawClient(t testing.TB, hosts ...string) *as.Client {
	t.Helper()
	hs, err := as.NewHosts(hosts...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := as.NewClientWithPolicyAndHost(as.NewClientPolicy(), hs...)
	if err != nil {
		t.Fatalf("connect the raw client: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// rawKey is the key the adapter uses for key index i, built the client's
// own way from the user key.
func rawKey(t testing.TB, cfg Config, i uint64) *as.Key {
	t.Helper()
	var user any = cfg.KeyPrefix + strconv.FormatUint(i, 10)
	if cfg.KeyType == "integer" {
		user = int64(i)
	}
	k, err := as.NewKey(cfg.Namespace, cfg.Set, user)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// run calls Do with op index idx on key k and returns the class of the
// result; an error that is not a *drivers.Error fails the test.
func run(t testing.TB, c *Client, idx int, k uint64, size int) drivers.Class {
	t.Helper()
	err := c.Do(context.Background(), &drivers.Op{Index: idx, Key: k, ValueSize: size})
	var de *drivers.Error
	if err != nil && !errors.As(err, &de) {
		t.Errorf("Do(op %d, key %d) = %v (%T); want a *drivers.Error", idx, k, err, err)
	}
	return drivers.ClassOf(err)
}

// mustRun is run that wants class want.
func mustRun(t testing.TB, c *Client, idx int, k uint64, size int, want drivers.Class) {
	t.Helper()
	if got := run(t, c, idx, k, size); got != want {
		t.Fatalf("Do(op %d %s, key %d) class = %v; want %v", idx, c.ops[idx].kind, k, got, want)
	}
}
