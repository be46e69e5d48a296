package astest

import (
	"errors"
	"sync"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/aerospike/aerospike-client-go/v7/types"

	"github.com/surgeload/surge/drivers/sim"
)

// matches reports whether err or an error it wraps carries one of codes.
func matches(err error, codes ...types.ResultCode) bool {
	var ae *as.AerospikeError
	return errors.As(err, &ae) && ae.Matches(codes...)
}

// putOne writes the record the fault tests read.
func putOne(t *testing.T, c *as.Client) *as.Key {
	t.Helper()
	k := key(t, "sku-1")
	if err := c.Put(nil, k, as.BinMap{"stock": 7}); err != nil {
		t.Fatal(err)
	}
	return k
}

// An injected result code reaches the caller as an AerospikeError with
// that code, for single-record reads and writes and for batches.
func TestFaultResultCodes(t *testing.T) {
	for _, tt := range []struct {
		name string
		code types.ResultCode
	}{
		{"key busy", types.KEY_BUSY},
		{"device overload", types.DEVICE_OVERLOAD},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, s := newClient(t, Options{})
			k := putOne(t, c)
			s.SetFaults(Faults{ResultCode: byte(tt.code), ErrorRate: 1})
			if _, err := c.Get(nil, k); resultCode(err) != tt.code {
				t.Errorf("Get = %v; want result code %v", err, tt.code)
			}
			if err := c.Put(nil, k, as.BinMap{"stock": 6}); resultCode(err) != tt.code {
				t.Errorf("Put = %v; want result code %v", err, tt.code)
			}
			keys := []*as.Key{k, key(t, "sku-2"), key(t, "sku-3")}
			if _, err := c.BatchGet(nil, keys); !matches(err, tt.code) {
				t.Errorf("BatchGet = %v; want result code %v", err, tt.code)
			}
			s.SetFaults(Faults{})
			if rec, err := c.Get(nil, k); err != nil || rec.Bins["stock"] != 7 {
				t.Errorf("Get after the faults are off = %v, %v; want stock 7 (the failed Put wrote nothing)", rec, err)
			}
		})
	}
}

// A code injected on a batch of a code the client reads past (2, not
// found) still ends the batch: the reply carries LAST.
func TestFaultNotFoundOnBatch(t *testing.T) {
	c, s := newClient(t, Options{})
	keys := putKeys(t, c, 4)
	s.SetFaults(Faults{ResultCode: byte(types.KEY_NOT_FOUND_ERROR), ErrorRate: 1})
	policy := as.NewBatchPolicy()
	policy.TotalTimeout = 5 * time.Second
	recs, err := c.BatchGet(policy, keys)
	if err != nil {
		t.Fatalf("BatchGet = %v; want no error (a timeout: the client waited for more rows)", err)
	}
	for i, r := range recs {
		if r != nil {
			t.Errorf("BatchGet[%d] = %v; want nil, not found", i, r.Bins)
		}
	}
}

// A Delay past the client's timeout is a client-side timeout, whatever the
// machine's speed: the delay is a minute and the client waits 50ms. Close
// interrupts the delayed request instead of waiting the minute out.
func TestFaultDelayTimesOut(t *testing.T) {
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := as.NewClientWithPolicyAndHost(as.NewClientPolicy(), as.NewHost(s.Host(), s.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k := putOne(t, c)
	delayed := make(chan struct{}, 1)
	hook := func() {
		select {
		case delayed <- struct{}{}:
		default:
		}
	}
	s.delayHook.Store(&hook)
	s.SetFaults(Faults{Delay: time.Minute})
	policy := as.NewPolicy()
	policy.TotalTimeout, policy.SocketTimeout, policy.MaxRetries = 50*time.Millisecond, 50*time.Millisecond, 0
	_, err = c.Get(policy, k)
	if !matches(err, types.TIMEOUT) || !errors.Is(err, as.ErrTimeout) {
		t.Errorf("Get against a minute's delay = %v; want a client timeout", err)
	}
	<-delayed // the server holds the request now
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close waited for a delayed request")
	}
}

// DropRate 1 closes the connection unanswered: a network error, after the
// client's retries. Without the fault the client serves again.
func TestFaultDropAndRecover(t *testing.T) {
	c, s := newClient(t, Options{})
	k := putOne(t, c)
	s.SetFaults(Faults{DropRate: 1})
	if _, err := c.Get(nil, k); !matches(err, types.NETWORK_ERROR) {
		t.Errorf("Get on a dropping server = %v; want NETWORK_ERROR", err)
	}
	if err := c.Put(nil, k, as.BinMap{"stock": 1}); !matches(err, types.NETWORK_ERROR) {
		t.Errorf("Put on a dropping server = %v; want NETWORK_ERROR", err)
	}
	s.SetFaults(Faults{})
	if rec, err := c.Get(nil, k); err != nil || rec.Bins["stock"] == nil {
		t.Errorf("Get after the faults are off = %v, %v", rec, err)
	}
}

// The faults are a function of (Seed, request number), so an ErrorRate
// of one half fails the same requests on every run.
func TestFaultErrorRateRepeats(t *testing.T) {
	pattern := func() []bool {
		c, s := newClient(t, Options{Seed: 7})
		k := putOne(t, c)
		s.SetFaults(Faults{ResultCode: byte(types.KEY_BUSY), ErrorRate: 0.5})
		var failed []bool
		for range 40 {
			_, err := c.Get(nil, k)
			failed = append(failed, err != nil)
		}
		return failed
	}
	a, b := pattern(), pattern()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d failed in one run and not the other", i)
		}
		if a[i] {
			n++
		}
	}
	if n == 0 || n == len(a) {
		t.Errorf("%d of %d requests failed at ErrorRate 0.5", n, len(a))
	}
}

// SetFaults while many goroutines use the server is race-free, and no
// fault panics the server.
func TestSetFaultsConcurrently(t *testing.T) {
	c, s := newClient(t, Options{Seed: 3})
	k := putOne(t, c)
	policy := as.NewPolicy()
	policy.TotalTimeout = 2 * time.Second
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Get(policy, k) // errors are the point; the race detector watches
			}
		})
	}
	faults := []Faults{
		{ResultCode: byte(types.KEY_BUSY), ErrorRate: 0.5},
		{DropRate: 0.1},
		{Delay: time.Microsecond, ResultCode: 255, ErrorRate: 2},
		{},
		{ErrorRate: -1, DropRate: -1},
	}
	for i := range 200 {
		s.SetFaults(faults[i%len(faults)])
	}
	wg.Wait()
}

// A node with one server of 2ms and room for one waiting request refuses
// some of 50 concurrent Gets with 18 DEVICE_OVERLOAD. Arrival times depend
// on the scheduler, so it tries up to 20 rounds of 50.
func TestModelOverloads(t *testing.T) {
	model := &sim.Config{Servers: 1, ServiceTime: 2 * time.Millisecond, QueueLimit: 1}
	c, _ := newClient(t, Options{Model: model})
	k := putOne(t, c)
	var overloaded, served int
	for round := 0; round < 20 && overloaded == 0; round++ {
		errs := make([]error, 50)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { _, errs[i] = c.Get(nil, k) })
		}
		wg.Wait()
		for _, err := range errs {
			switch {
			case err == nil:
				served++
			case resultCode(err) == types.DEVICE_OVERLOAD:
				overloaded++
			default:
				t.Fatalf("Get = %v; want success or DEVICE_OVERLOAD", err)
			}
		}
	}
	if overloaded == 0 || served == 0 {
		t.Errorf("%d Gets served and %d overloaded; want some of each", served, overloaded)
	}
}

// Cluster.SetFaults reaches every node: keys spread over all three fail.
func TestClusterSetFaults(t *testing.T) {
	cl, err := NewCluster(3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := clusterClient(t, cl, as.NewClientPolicy())
	keys := putKeys(t, c, 30)
	cl.SetFaults(Faults{ResultCode: byte(types.DEVICE_OVERLOAD), ErrorRate: 1})
	for i, k := range keys {
		if _, err := c.Get(nil, k); resultCode(err) != types.DEVICE_OVERLOAD {
			t.Errorf("Get k%d = %v; want DEVICE_OVERLOAD", i, err)
		}
	}
	for i, s := range cl.Nodes {
		if s.faults.Load() == nil {
			t.Errorf("node %d has no faults", i)
		}
	}
}
