package aerospike

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	as "github.com/aerospike/aerospike-client-go/v7"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/aerospike/astest"
)

// The benchmarks run the adapter, and the client called directly, against
// astest in the same process, with many calls in flight as under a load
// generator. Each reports ops/s. Three variants:
//
//   - adapter: Client.Do;
//   - raw: the client with keys and bins built before the loop, the least
//     any caller can do, so adapter − raw is the adapter's own overhead;
//   - raw-newkey: the client as typical code calls it, building the key
//     (and for a put the bin) per op with as.NewKey and as.NewBin.
const (
	benchKeys        = 10000
	benchValueSize   = 512
	benchBatch       = 10
	benchParallelism = 16 // goroutines per GOMAXPROCS
)

// benchEnv is a server holding benchKeys records, the adapter and a raw
// client on it, and the raw client's keys.
type benchEnv struct {
	c    *Client
	raw  *as.Client
	keys []*as.Key
	cfg  Config
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	s := newServer(b, astest.Options{})
	cfg := testConfig(s)
	e := &benchEnv{cfg: cfg, raw: rawClient(b, s.Addr()), keys: make([]*as.Key, benchKeys)}
	e.c = newTarget(b, cfg, OpConfig{Kind: "get"}, OpConfig{Kind: "put"}, OpConfig{Kind: "batch-get"})
	value := make([]byte, benchValueSize)
	for i := range e.keys {
		e.keys[i] = rawKey(b, cfg, uint64(i))
		if err := e.raw.PutBins(nil, e.keys[i], as.NewBin(defaultBin, value)); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// measure runs op(i) on parallel goroutines, i running through the keys,
// and reports ops/s. Each goroutine gets its op from worker, so that state
// it reuses, as the engine reuses its Op, is not counted per op.
func measure(b *testing.B, worker func() func(i int) error) {
	var next atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		op := worker()
		for pb.Next() {
			if err := op(int(next.Add(1) % benchKeys)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// each is a worker without state of its own.
func each(op func(i int) error) func() func(int) error {
	return func() func(int) error { return op }
}

func BenchmarkGet(b *testing.B) {
	e := newBenchEnv(b)
	b.Run("adapter", func(b *testing.B) {
		measure(b, func() func(int) error {
			op := &drivers.Op{Index: 0}
			return func(i int) error {
				op.Key = uint64(i)
				return e.c.Do(context.Background(), op)
			}
		})
	})
	b.Run("raw", func(b *testing.B) {
		measure(b, each(func(i int) error { _, err := e.raw.Get(nil, e.keys[i]); return err }))
	})
	b.Run("raw-newkey", func(b *testing.B) {
		measure(b, each(func(i int) error {
			k, err := as.NewKey(e.cfg.Namespace, e.cfg.Set, e.cfg.KeyPrefix+strconv.Itoa(i))
			if err != nil {
				return err
			}
			_, err = e.raw.Get(nil, k)
			return err
		}))
	})
}

func BenchmarkPut(b *testing.B) {
	e := newBenchEnv(b)
	value := make([]byte, benchValueSize)
	b.Run("adapter", func(b *testing.B) {
		measure(b, func() func(int) error {
			op := &drivers.Op{Index: 1, ValueSize: benchValueSize}
			return func(i int) error {
				op.Key = uint64(i)
				return e.c.Do(context.Background(), op)
			}
		})
	})
	b.Run("raw", func(b *testing.B) {
		bin := &as.Bin{Name: defaultBin, Value: as.BytesValue(value)}
		measure(b, each(func(i int) error { return e.raw.PutBins(nil, e.keys[i], bin) }))
	})
	b.Run("raw-newkey", func(b *testing.B) {
		measure(b, each(func(i int) error {
			k, err := as.NewKey(e.cfg.Namespace, e.cfg.Set, e.cfg.KeyPrefix+strconv.Itoa(i))
			if err != nil {
				return err
			}
			return e.raw.PutBins(nil, k, as.NewBin(defaultBin, value[:benchValueSize]))
		}))
	})
}

func BenchmarkBatchGet(b *testing.B) {
	e := newBenchEnv(b)
	window := func(i int) int { return min(i, benchKeys-benchBatch) }
	b.Run("adapter", func(b *testing.B) {
		measure(b, func() func(int) error {
			op := &drivers.Op{Index: 2, Keys: make([]uint64, benchBatch)}
			return func(i int) error {
				for j := range op.Keys {
					op.Keys[j] = uint64(window(i) + j)
				}
				op.Key = op.Keys[0]
				return e.c.Do(context.Background(), op)
			}
		})
	})
	b.Run("raw", func(b *testing.B) {
		measure(b, each(func(i int) error {
			_, err := e.raw.BatchGet(nil, e.keys[window(i):window(i)+benchBatch])
			return err
		}))
	})
	b.Run("raw-newkey", func(b *testing.B) {
		measure(b, each(func(i int) error {
			keys := make([]*as.Key, benchBatch)
			for j := range keys {
				k, err := as.NewKey(e.cfg.Namespace, e.cfg.Set, e.cfg.KeyPrefix+strconv.Itoa(window(i)+j))
				if err != nil {
					return err
				}
				keys[j] = k
			}
			_, err := e.raw.BatchGet(nil, keys)
			return err
		}))
	})
}

// BenchmarkKey is the adapter's own work per op: the key of an index,
// against as.NewKey of the same user key.
func BenchmarkKey(b *testing.B) {
	cfg := Config{Namespace: "test", Set: "demo", KeyPrefix: "sku:"}
	m := newKeyMaker(&cfg)
	s := &scratch{key: m.newKey()}
	prefix := []byte(cfg.KeyPrefix)
	b.Run("adapter", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			m.key(s, prefix, uint64(i), false)
		}
	})
	b.Run("NewKey", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			if _, err := as.NewKey(cfg.Namespace, cfg.Set, cfg.KeyPrefix+strconv.Itoa(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAllocsMatchClient checks that Do allocates no more than the client
// itself does for the same call with everything prebuilt.
func TestAllocsMatchClient(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	s := newServer(t, astest.Options{})
	cfg := testConfig(s)
	c := newTarget(t, cfg, OpConfig{Kind: "get"}, OpConfig{Kind: "put"}, OpConfig{Kind: "batch-get"},
		OpConfig{Kind: "put", Bins: []string{"a", "b"}}, OpConfig{Kind: "operate"})
	raw := rawClient(t, s.Addr())
	keys := []*as.Key{rawKey(t, cfg, 0), rawKey(t, cfg, 1), rawKey(t, cfg, 2)}
	value := make([]byte, 100)
	bins := []*as.Bin{{Name: defaultBin, Value: as.BytesValue(value)}}
	twoBins := []*as.Bin{{Name: "a", Value: as.BytesValue(value[:50])}, {Name: "b", Value: as.BytesValue(value[50:])}}
	ops := []*as.Operation{as.AddOp(as.NewBin(defaultCounter, 1)), as.GetBinOp(defaultCounter)}
	rp, wp, bp := as.NewPolicy(), as.NewWritePolicy(0, 0), as.NewBatchPolicy()
	tests := []struct {
		name string
		op   drivers.Op
		raw  func() error
	}{
		{"put", drivers.Op{Index: 1, Key: 0, ValueSize: 100}, func() error { return raw.PutBins(wp, keys[0], bins...) }},
		{"put 2 bins", drivers.Op{Index: 3, Key: 1, ValueSize: 100}, func() error { return raw.PutBins(wp, keys[1], twoBins...) }},
		{"get", drivers.Op{Index: 0, Key: 0}, func() error { _, err := raw.Get(rp, keys[0]); return err }},
		{"operate", drivers.Op{Index: 4, Key: 2}, func() error { _, err := raw.Operate(wp, keys[2], ops...); return err }},
		{"batch-get", drivers.Op{Index: 2, Key: 0, Keys: []uint64{0, 1, 2}}, func() error { _, err := raw.BatchGet(bp, keys); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			adapter := testing.AllocsPerRun(200, func() {
				if e := c.Do(context.Background(), &tt.op); e != nil {
					err = e
				}
			})
			client := testing.AllocsPerRun(200, func() {
				if e := tt.raw(); e != nil {
					err = e
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if adapter > client {
				t.Errorf("Do allocates %v times per op; the client alone %v", adapter, client)
			}
			t.Logf("allocs/op: adapter %v, client alone %v", adapter, client)
		})
	}
}
