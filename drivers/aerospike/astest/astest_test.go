package astest

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/aerospike/aerospike-client-go/v7/types"
)

// fakeNow is a clock for record expiry that tests move by hand.
type fakeNow struct{ unix atomic.Int64 }

func (f *fakeNow) now() time.Time      { return time.Unix(f.unix.Load(), 0) }
func (f *fakeNow) add(d time.Duration) { f.unix.Add(int64(d / time.Second)) }

// newClient starts a server and connects the real v7 client to it.
func newClient(t *testing.T, opts Options) (*as.Client, *Server) {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	policy := as.NewClientPolicy()
	policy.Timeout = 5 * time.Second
	c, err := as.NewClientWithPolicyAndHost(policy, as.NewHost(s.Host(), s.Port()))
	if err != nil {
		t.Fatalf("connect the v7 client: %v", err)
	}
	t.Cleanup(c.Close)
	return c, s
}

func key(t *testing.T, k any) *as.Key {
	t.Helper()
	key, err := as.NewKey("test", "demo", k)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func resultCode(err error) types.ResultCode {
	var ae *as.AerospikeError
	if errors.As(err, &ae) {
		return ae.ResultCode
	}
	return types.OK
}

func TestReadYourWrite(t *testing.T) {
	c, _ := newClient(t, Options{})
	k := key(t, "sku-1")
	bins := as.BinMap{"name": "kettle", "stock": 7, "price": 19.5, "blob": []byte{1, 2, 3}}
	if err := c.Put(nil, k, bins); err != nil {
		t.Fatal(err)
	}
	rec, err := c.Get(nil, k)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Bins["name"] != "kettle" || rec.Bins["stock"] != 7 || rec.Bins["price"] != 19.5 || string(rec.Bins["blob"].([]byte)) != "\x01\x02\x03" {
		t.Errorf("Get = %v; want %v", rec.Bins, bins)
	}
	if rec.Generation != 1 {
		t.Errorf("generation %d after one write; want 1", rec.Generation)
	}
	rec, err = c.Get(nil, k, "stock", "missing")
	if err != nil || len(rec.Bins) != 1 || rec.Bins["stock"] != 7 {
		t.Errorf("Get(stock, missing) = %v, %v; want only stock", rec, err)
	}
	if err := c.Put(nil, k, as.BinMap{"stock": 6}); err != nil {
		t.Fatal(err)
	}
	if rec, err = c.GetHeader(nil, k); err != nil || rec.Generation != 2 {
		t.Errorf("GetHeader after a second write = %v, %v; want generation 2", rec, err)
	}
	if ok, err := c.Exists(nil, k); !ok || err != nil {
		t.Errorf("Exists = %v, %v; want true", ok, err)
	}
}

func TestNotFoundAndDelete(t *testing.T) {
	c, _ := newClient(t, Options{})
	k := key(t, 42)
	if _, err := c.Get(nil, k); resultCode(err) != types.KEY_NOT_FOUND_ERROR {
		t.Errorf("Get of a missing key = %v; want KEY_NOT_FOUND_ERROR", err)
	}
	if err := c.Touch(nil, k); resultCode(err) != types.KEY_NOT_FOUND_ERROR {
		t.Errorf("Touch of a missing key = %v; want KEY_NOT_FOUND_ERROR", err)
	}
	if err := c.Put(nil, k, as.BinMap{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if existed, err := c.Delete(nil, k); !existed || err != nil {
		t.Errorf("Delete = %v, %v; want true", existed, err)
	}
	if ok, err := c.Exists(nil, k); ok || err != nil {
		t.Errorf("Exists after Delete = %v, %v; want false", ok, err)
	}
}

// Inventory decrements are atomic counters read back in the same round trip.
func TestOperateCounter(t *testing.T) {
	c, _ := newClient(t, Options{})
	k := key(t, "sku-hot")
	if err := c.Put(nil, k, as.BinMap{"stock": 100, "log": "a"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Operate(nil, k, as.AddOp(as.NewBin("stock", -1))); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := c.Operate(nil, k, as.AddOp(as.NewBin("stock", -1)), as.AppendOp(as.NewBin("log", "b")),
		as.PrependOp(as.NewBin("log", "z")), as.GetBinOp("stock"), as.GetBinOp("log"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Bins["stock"] != 96 || rec.Bins["log"] != "zab" || rec.Generation != 5 {
		t.Errorf("Operate = %v (generation %d); want stock 96, log zab, generation 5", rec.Bins, rec.Generation)
	}
	if _, err := c.Operate(nil, k, as.AddOp(as.NewBin("log", 1))); resultCode(err) != types.BIN_TYPE_ERROR {
		t.Errorf("adding to a string bin = %v; want BIN_TYPE_ERROR", err)
	}
	if rec, err := c.Get(nil, k); err != nil || rec.Bins["log"] != "zab" {
		t.Errorf("a failed operate changed the record: %v, %v", rec, err)
	}
}

func TestWritePolicies(t *testing.T) {
	c, _ := newClient(t, Options{})
	k := key(t, "cart-9")
	create := as.NewWritePolicy(0, 0)
	create.RecordExistsAction = as.CREATE_ONLY
	if err := c.Put(create, k, as.BinMap{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(create, k, as.BinMap{"n": 2}); resultCode(err) != types.KEY_EXISTS_ERROR {
		t.Errorf("CREATE_ONLY on an existing key = %v; want KEY_EXISTS_ERROR", err)
	}
	gen := as.NewWritePolicy(7, 0)
	gen.GenerationPolicy = as.EXPECT_GEN_EQUAL
	if err := c.Put(gen, k, as.BinMap{"n": 3}); resultCode(err) != types.GENERATION_ERROR {
		t.Errorf("a write expecting generation 7 of 1 = %v; want GENERATION_ERROR", err)
	}
	gen.Generation = 1
	if err := c.Put(gen, k, as.BinMap{"n": 3}); err != nil {
		t.Errorf("a write expecting the right generation = %v", err)
	}
	replace := as.NewWritePolicy(0, 0)
	replace.RecordExistsAction = as.REPLACE
	if err := c.Put(replace, k, as.BinMap{"m": 1}); err != nil {
		t.Fatal(err)
	}
	if rec, err := c.Get(nil, k); err != nil || len(rec.Bins) != 1 || rec.Bins["m"] != 1 {
		t.Errorf("after REPLACE = %v, %v; want only bin m", rec, err)
	}
}

func TestTTLExpiry(t *testing.T) {
	clock := &fakeNow{}
	clock.unix.Store(1795400000)
	c, _ := newClient(t, Options{Now: clock.now})
	k := key(t, "session")
	if err := c.Put(as.NewWritePolicy(0, 10), k, as.BinMap{"v": 1}); err != nil {
		t.Fatal(err)
	}
	clock.add(9 * time.Second)
	if _, err := c.Get(nil, k); err != nil {
		t.Errorf("Get before the TTL = %v", err)
	}
	clock.add(2 * time.Second)
	if _, err := c.Get(nil, k); resultCode(err) != types.KEY_NOT_FOUND_ERROR {
		t.Errorf("Get after the TTL = %v; want KEY_NOT_FOUND_ERROR", err)
	}
}

// BenchmarkClientGet is a Get from the real v7 client over loopback,
// client and server in one process: the emulator's cost per request plus
// the client's.
func BenchmarkClientGet(b *testing.B) {
	s, err := NewServer(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, err := as.NewClientWithPolicyAndHost(as.NewClientPolicy(), as.NewHost(s.Host(), s.Port()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	k, _ := as.NewKey("test", "demo", "sku-1")
	if err := c.Put(nil, k, as.BinMap{"v": make([]byte, 2048)}); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(32) // many requests in flight, as a load generator has
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(nil, k); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "gets/s")
}
