package aerospike

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/aerospike/astest"
)

// The op table most tests share: ops[i] serves Op.Index i.
const (
	opGet = iota
	opPut
	opDelete
	opTouch
	opExists
	opAdd
	opOperate
	opBatchGet
	opOther // another target's op
	opPutBins
	opGetBins
)

var allOps = []OpConfig{
	opGet:      {Kind: "get"},
	opPut:      {Kind: "put"},
	opDelete:   {Kind: "delete"},
	opTouch:    {Kind: "touch"},
	opExists:   {Kind: "exists"},
	opAdd:      {Kind: "add", Bin: "stock", Delta: -1},
	opOperate:  {Kind: "operate", Bin: "stock", Delta: 5},
	opBatchGet: {Kind: "batch-get"},
	opOther:    {},
	opPutBins:  {Kind: "put", Bins: []string{"a", "b", "c"}},
	opGetBins:  {Kind: "get", Bins: []string{"b"}},
}

// binSizes returns the size of each []byte bin of rec; any other bin
// fails the test.
func binSizes(t *testing.T, rec *as.Record) map[string]int {
	t.Helper()
	out := map[string]int{}
	for name, v := range rec.Bins {
		b, ok := v.([]byte)
		if !ok {
			t.Fatalf("bin %q is %T; want []byte", name, v)
		}
		out[name] = len(b)
	}
	return out
}

func TestPutThenGet(t *testing.T) {
	s := newServer(t, astest.Options{})
	cfg := testConfig(s)
	c := newTarget(t, cfg, allOps...)
	raw := rawClient(t, s.Addr())
	tests := []struct {
		name string
		op   int
		size int
		want map[string]int // bin sizes read back
	}{
		{"empty", opPut, 0, map[string]int{"value": 0}},
		{"one byte", opPut, 1, map[string]int{"value": 1}},
		{"typical", opPut, 700, map[string]int{"value": 700}},
		{"bigger than the initial buffer", opPut, initialValueBuffer + 12345, map[string]int{"value": initialValueBuffer + 12345}},
		{"three bins share the value", opPutBins, 1000, map[string]int{"a": 334, "b": 333, "c": 333}},
		{"fewer bytes than bins", opPutBins, 2, map[string]int{"a": 1, "b": 1, "c": 0}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := uint64(100 + i)
			mustRun(t, c, tt.op, k, tt.size, drivers.ClassOK)
			mustRun(t, c, opGet, k, 0, drivers.ClassOK)
			rec, err := raw.Get(nil, rawKey(t, cfg, k))
			if err != nil {
				t.Fatalf("raw Get after put = %v", err)
			}
			if diff := cmp.Diff(tt.want, binSizes(t, rec)); diff != "" {
				t.Errorf("bin sizes after put of %d bytes (-want +got):\n%s", tt.size, diff)
			}
			var got []byte
			for _, name := range putOrder(tt.op) {
				got = append(got, rec.Bins[name].([]byte)...)
			}
			if want := c.vals.bytes(tt.size); !bytes.Equal(got, want) {
				t.Errorf("the bins do not hold the value buffer's first %d bytes", tt.size)
			}
		})
	}
	t.Run("get named bins", func(t *testing.T) {
		mustRun(t, c, opPutBins, 7, 30, drivers.ClassOK)
		mustRun(t, c, opGetBins, 7, 0, drivers.ClassOK)
	})
}

// putOrder is the order in which the bins of put op holds the value.
func putOrder(op int) []string {
	if op == opPutBins {
		return allOps[opPutBins].Bins
	}
	return []string{defaultBin}
}

func TestWritesBumpGeneration(t *testing.T) {
	s := newServer(t, astest.Options{})
	cfg := testConfig(s)
	c := newTarget(t, cfg, allOps...)
	raw := rawClient(t, s.Addr())
	const k = 3
	for i, op := range []int{opPut, opPut, opTouch, opAdd, opOperate, opPutBins} {
		mustRun(t, c, op, k, 10, drivers.ClassOK)
		rec, err := raw.GetHeader(nil, rawKey(t, cfg, k))
		if err != nil {
			t.Fatal(err)
		}
		if want := uint32(i + 1); rec.Generation != want {
			t.Errorf("generation after write %d (%v) = %d; want %d", i+1, c.ops[op].kind, rec.Generation, want)
		}
	}
}

func TestCounters(t *testing.T) {
	s := newServer(t, astest.Options{})
	cfg := testConfig(s)
	c := newTarget(t, cfg, allOps...)
	raw := rawClient(t, s.Addr())
	const k = 42
	stock := func() any {
		t.Helper()
		rec, err := raw.Get(nil, rawKey(t, cfg, k), "stock")
		if err != nil {
			t.Fatal(err)
		}
		return rec.Bins["stock"]
	}
	for range 3 {
		mustRun(t, c, opAdd, k, 0, drivers.ClassOK) // a missing bin starts at the delta
	}
	if got := stock(); got != -3 {
		t.Errorf("stock after 3 adds of -1 = %v; want -3", got)
	}
	s1 := c.pool.Get().(*scratch)
	defer c.pool.Put(s1)
	rec, err := c.operate(s1, &c.ops[opOperate], &drivers.Op{Index: opOperate, Key: k})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Bins["stock"]; got != 2 {
		t.Errorf("operate (+5) returned stock %v; want the new value 2", got)
	}
	if got := stock(); got != 2 {
		t.Errorf("stock after operate = %v; want 2", got)
	}
	mustRun(t, c, opOperate, k, 0, drivers.ClassOK)
	if got := stock(); got != 7 {
		t.Errorf("stock after a second operate = %v; want 7", got)
	}
}

func TestNotFound(t *testing.T) {
	s := newServer(t, astest.Options{})
	c := newTarget(t, testConfig(s), allOps...)
	const k = 9
	tests := []struct {
		name string
		op   int
		want drivers.Class
	}{
		{"get", opGet, drivers.ClassNotFound},
		{"get bins", opGetBins, drivers.ClassNotFound},
		{"touch", opTouch, drivers.ClassNotFound},
		{"delete", opDelete, drivers.ClassNotFound},
		{"exists", opExists, drivers.ClassOK}, // false is an answer, not a failure
		{"batch-get", opBatchGet, drivers.ClassOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Do(context.Background(), &drivers.Op{Index: tt.op, Key: k})
			if got := drivers.ClassOf(err); got != tt.want {
				t.Errorf("Do(%v) of a missing key = %v (class %v); want class %v", c.ops[tt.op].kind, err, got, tt.want)
			}
			if tt.want == drivers.ClassNotFound && err != ErrNotFound {
				t.Errorf("Do(%v) of a missing key = %v; want ErrNotFound itself", c.ops[tt.op].kind, err)
			}
		})
	}
	t.Run("delete then get", func(t *testing.T) {
		mustRun(t, c, opPut, k, 8, drivers.ClassOK)
		mustRun(t, c, opExists, k, 0, drivers.ClassOK)
		mustRun(t, c, opDelete, k, 0, drivers.ClassOK)
		mustRun(t, c, opGet, k, 0, drivers.ClassNotFound)
	})
}

func TestOpsOfOtherTargets(t *testing.T) {
	s := newServer(t, astest.Options{})
	c := newTarget(t, testConfig(s), allOps...)
	for _, idx := range []int{opOther, -1, len(allOps)} {
		if err := c.Do(context.Background(), &drivers.Op{Index: idx}); drivers.ClassOf(err) != drivers.ClassOther {
			t.Errorf("Do(op %d) = %v; want an error of class other", idx, err)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	s := newServer(t, astest.Options{})
	c := newTarget(t, testConfig(s), allOps...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := s.Requests()
	if err := c.Do(ctx, &drivers.Op{Index: opPut, ValueSize: 1}); drivers.ClassOf(err) != drivers.ClassCanceled {
		t.Errorf("Do with a cancelled context = %v; want class canceled", err)
	}
	if got := s.Requests(); got != before {
		t.Errorf("a cancelled op reached the server (%d requests, had %d)", got, before)
	}
}

func TestTTL(t *testing.T) {
	clock := newFakeNow()
	s := newServer(t, astest.Options{Now: clock.now})
	cfg := testConfig(s)
	const (
		opPutTTL = iota
		opTouchTTL
		opGet
		opPutNever
		opAddTTL
	)
	c := newTarget(t, cfg,
		OpConfig{Kind: "put", TTL: 10 * time.Second},
		OpConfig{Kind: "touch", TTL: 10 * time.Second},
		OpConfig{Kind: "get"},
		OpConfig{Kind: "put", NoExpire: true},
		OpConfig{Kind: "add", TTL: 1500 * time.Millisecond}, // rounds up to 2s
	)
	mustRun(t, c, opPutTTL, 1, 5, drivers.ClassOK)
	mustRun(t, c, opPutTTL, 2, 5, drivers.ClassOK)
	mustRun(t, c, opPutNever, 3, 5, drivers.ClassOK)
	mustRun(t, c, opAddTTL, 4, 0, drivers.ClassOK)
	clock.add(1 * time.Second)
	mustRun(t, c, opGet, 4, 0, drivers.ClassOK)
	clock.add(8 * time.Second) // 9s: nothing with a 10s TTL has expired
	mustRun(t, c, opGet, 4, 0, drivers.ClassNotFound)
	mustRun(t, c, opGet, 1, 0, drivers.ClassOK)
	mustRun(t, c, opTouchTTL, 2, 0, drivers.ClassOK) // key 2 now lives until 19s
	clock.add(2 * time.Second)                       // 11s
	mustRun(t, c, opGet, 1, 0, drivers.ClassNotFound)
	mustRun(t, c, opGet, 2, 0, drivers.ClassOK)
	clock.add(9 * time.Second) // 20s
	mustRun(t, c, opGet, 2, 0, drivers.ClassNotFound)
	clock.add(100 * 365 * 24 * time.Hour)
	mustRun(t, c, opGet, 3, 0, drivers.ClassOK)
}

func TestIntegerKeys(t *testing.T) {
	s := newServer(t, astest.Options{})
	cfg := testConfig(s)
	cfg.KeyType, cfg.KeyPrefix = "integer", ""
	c := newTarget(t, cfg, allOps...)
	raw := rawClient(t, s.Addr())
	for _, k := range []uint64{0, 7, 1 << 40, math.MaxInt64, math.MaxUint64} {
		mustRun(t, c, opPut, k, 16, drivers.ClassOK)
		if ok, err := raw.Exists(nil, rawKey(t, cfg, k)); !ok || err != nil {
			t.Errorf("raw Exists(int64(%d)) after put = %v, %v; want true", k, ok, err)
		}
	}
}

func TestStringKeys(t *testing.T) {
	s := newServer(t, astest.Options{})
	for _, cfg := range []Config{
		{KeyPrefix: "sku:", Set: "demo"},
		{KeyPrefix: "", Set: ""},
		{KeyPrefix: "a-rather-long-prefix-to-cross-a-64-byte-hash-block/", Set: "carts"},
	} {
		cfg.Hosts, cfg.Namespace, cfg.MaxRetries = []string{s.Addr()}, "test", -1
		c := newTarget(t, cfg, allOps...)
		raw := rawClient(t, s.Addr())
		for _, k := range []uint64{0, 123456789, math.MaxUint64} {
			mustRun(t, c, opPut, k, 16, drivers.ClassOK)
			if ok, err := raw.Exists(nil, rawKey(t, cfg, k)); !ok || err != nil {
				t.Errorf("prefix %q set %q: raw Exists(%d) after put = %v, %v; want true", cfg.KeyPrefix, cfg.Set, k, ok, err)
			}
		}
	}
}

// TestOpKeyPrefix checks that an op's own KeyPrefix follows the target's,
// for single-record ops and batches alike, so that two keyspaces on one set
// never share a record.
func TestOpKeyPrefix(t *testing.T) {
	s := newServer(t, astest.Options{})
	cfg := testConfig(s)
	cfg.KeyPrefix = "t:"
	c := newTarget(t, cfg,
		OpConfig{Kind: "put", KeyPrefix: "sku:"},
		OpConfig{Kind: "add", KeyPrefix: "stock:"},
		OpConfig{Kind: "batch-get", KeyPrefix: "sku:"})
	raw := rawClient(t, s.Addr())
	mustRun(t, c, 0, 9, 4, drivers.ClassOK)
	mustRun(t, c, 1, 9, 0, drivers.ClassOK)
	for _, prefix := range []string{"t:sku:", "t:stock:"} {
		k, err := as.NewKey(cfg.Namespace, cfg.Set, prefix+"9")
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := raw.Exists(nil, k); !ok || err != nil {
			t.Errorf("raw Exists(%s9) = %v, %v; want true", prefix, ok, err)
		}
	}
	if ok, _ := raw.Exists(nil, rawKey(t, cfg, 9)); ok {
		t.Errorf("raw Exists(t:9) = true; want false: every op has its own prefix")
	}
	recs, err := c.batchGet(c.pool.Get().(*scratch), &c.ops[2], &drivers.Op{Index: 2, Keys: []uint64{9, 10}})
	if err != nil || len(recs) != 2 || recs[0] == nil || recs[1] != nil {
		t.Errorf("batch-get of sku 9 and 10 = %v, %v; want the record of 9, then nil", recs, err)
	}
}

func TestBatchGetAcrossNodes(t *testing.T) {
	cl, err := astest.NewCluster(3, astest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	cfg := Config{Hosts: []string{cl.Nodes[0].Addr()}, Namespace: "test", Set: "demo", MaxRetries: -1, KeyPrefix: "sku:"}
	c := newTarget(t, cfg, allOps...)
	raw := rawClient(t, cl.Nodes[0].Addr())
	if n := len(raw.GetNodes()); n != 3 {
		t.Fatalf("the raw client sees %d nodes; want 3", n)
	}

	// Keys 0..29, every third missing, each record holding its own index.
	const n = 30
	idx := make([]uint64, n)
	owners := map[int]bool{}
	for i := range idx {
		idx[i] = uint64(1000 + i)
		owners[rawKey(t, cfg, idx[i]).PartitionId()%3] = true
		if i%3 == 2 {
			continue
		}
		if err := raw.Put(nil, rawKey(t, cfg, idx[i]), as.BinMap{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	if len(owners) != 3 {
		t.Fatalf("the keys fall on %d nodes; want all 3", len(owners))
	}

	before := make([]int64, 3)
	for i, node := range cl.Nodes {
		before[i] = node.Requests()
	}
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	recs, aerr := c.batchGet(s, &c.ops[opBatchGet], &drivers.Op{Index: opBatchGet, Key: idx[0], Keys: idx})
	if aerr != nil {
		t.Fatal(aerr)
	}
	for i, node := range cl.Nodes {
		if node.Requests() == before[i] {
			t.Errorf("node %d served no part of the batch", i)
		}
	}
	if len(recs) != n {
		t.Fatalf("batch returned %d records; want %d", len(recs), n)
	}
	for i, r := range recs {
		switch {
		case i%3 == 2 && r != nil:
			t.Errorf("record %d was never written but came back: %v", i, r.Bins)
		case i%3 != 2 && r == nil:
			t.Errorf("record %d is missing", i)
		case i%3 != 2 && r.Bins["i"] != i:
			t.Errorf("record %d holds i=%v; want %d (out of order)", i, r.Bins["i"], i)
		}
	}

	for _, tt := range []struct {
		name string
		op   drivers.Op
	}{
		{"all keys", drivers.Op{Index: opBatchGet, Key: idx[0], Keys: idx}},
		{"only missing keys", drivers.Op{Index: opBatchGet, Key: idx[2], Keys: []uint64{idx[2], idx[5], idx[8]}}},
		{"no Keys: Key alone", drivers.Op{Index: opBatchGet, Key: idx[0]}},
	} {
		if err := c.Do(context.Background(), &tt.op); err != nil {
			t.Errorf("%s: Do(batch-get) = %v; want nil", tt.name, err)
		}
	}
}

func TestConcurrentOps(t *testing.T) {
	s := newServer(t, astest.Options{})
	c := newTarget(t, testConfig(s), allOps...)
	const (
		workers = 32
		perG    = 200
		keys    = 64
	)
	mix := []int{opGet, opPut, opPut, opExists, opAdd, opOperate, opBatchGet, opTouch, opDelete, opPutBins, opGetBins}
	errs := make(chan error, workers) // one result per worker
	for g := range workers {
		go func() {
			batch := make([]uint64, 5)
			for i := range perG {
				op := drivers.Op{Index: mix[(g+i)%len(mix)], Key: uint64(g*7+i) % keys, ValueSize: 50 + i}
				if op.Index == opBatchGet {
					for j := range batch {
						batch[j] = (op.Key + uint64(j)) % keys
					}
					op.Keys = batch
				}
				err := c.Do(context.Background(), &op)
				if cl := drivers.ClassOf(err); cl != drivers.ClassOK && cl != drivers.ClassNotFound {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestPoolBound checks that Do lets at most ConnectionQueueSize ops per
// node into the client and parks the rest until one finishes or their ctx
// ends: in the client they would spin for a connection, burning CPU.
func TestPoolBound(t *testing.T) {
	cl, err := astest.NewCluster(3, astest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	cfg := Config{Hosts: []string{cl.Nodes[0].Addr()}, Namespace: "test", ConnectionQueueSize: 4, MaxRetries: -1}
	c := newTarget(t, cfg, allOps...)
	if cap(c.slots) != 12 {
		t.Fatalf("%d slots; want 12: 4 connections for each of 3 nodes", cap(c.slots))
	}
	for range cap(c.slots) { // every connection busy
		c.slots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	op := drivers.Op{Index: opPut, Key: 1, ValueSize: 8}
	if err := c.Do(ctx, &op); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do with every slot taken = %v; want it to wait until its ctx ends", err)
	}
	done := make(chan error)
	go func() { done <- c.Do(context.Background(), &op) }()
	<-c.slots // one op finishes: the waiting one runs
	if err := <-done; err != nil {
		t.Errorf("Do once a slot is free = %v; want nil", err)
	}
	if n := len(c.slots); n != cap(c.slots)-1 {
		t.Errorf("%d slots taken after the op; want %d: it gives its own back", n, cap(c.slots)-1)
	}
}

func TestSendKey(t *testing.T) {
	s := newServer(t, astest.Options{})
	p := newTapProxy(t, s.Addr())
	raw := rawClient(t, s.Addr())
	tests := []struct {
		name    string
		keyType string
		op      OpConfig
		k       uint64
		want    []byte // the KEY field on the wire: size, type 2, particle type, key
		sent    bool
	}{
		{"put string", "string", OpConfig{Kind: "put", SendKey: true}, 77, []byte("\x00\x00\x00\x08\x02\x03sku:77"), true},
		{"put integer", "integer", OpConfig{Kind: "put", SendKey: true}, 0x0102, []byte("\x00\x00\x00\x0a\x02\x01\x00\x00\x00\x00\x00\x00\x01\x02"), true},
		{"add string", "string", OpConfig{Kind: "add", SendKey: true}, 78, []byte("\x00\x00\x00\x08\x02\x03sku:78"), true},
		{"operate string", "string", OpConfig{Kind: "operate", SendKey: true}, 79, []byte("\x00\x00\x00\x08\x02\x03sku:79"), true},
		{"put without", "string", OpConfig{Kind: "put"}, 80, []byte("\x00\x00\x00\x08\x02\x03sku:80"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(s)
			cfg.Hosts, cfg.KeyType = []string{p.addr()}, tt.keyType
			if tt.keyType == "integer" {
				cfg.KeyPrefix = ""
			}
			c := newTarget(t, cfg, tt.op)
			p.reset()
			mustRun(t, c, 0, tt.k, 4, drivers.ClassOK)
			msgs := p.messages()
			if len(msgs) != 1 {
				t.Fatalf("the op sent %d messages; want 1", len(msgs))
			}
			if got := bytes.Contains(msgs[0], tt.want); got != tt.sent {
				t.Errorf("user key %q in the request = %v; want %v", tt.want, got, tt.sent)
			}
			if ok, err := raw.Exists(nil, rawKey(t, cfg, tt.k)); !ok || err != nil {
				t.Errorf("raw Exists after the op = %v, %v; want true (same digest with and without the key)", ok, err)
			}
		})
	}
}

// TestPutOnTheWire checks that a put's request is byte for byte the one
// the client sends for an as.BytesValue bin, though the adapter hands it a
// *as.RawBlobValue to save the boxing.
func TestPutOnTheWire(t *testing.T) {
	s := newServer(t, astest.Options{})
	p := newTapProxy(t, s.Addr())
	cfg := testConfig(s)
	cfg.Hosts = []string{p.addr()}
	c := newTarget(t, cfg, allOps...)
	raw := rawClient(t, p.addr())
	for _, tt := range []struct {
		name string
		op   int
		size int
		bins []*as.Bin
	}{
		{"one bin", opPut, 300, []*as.Bin{as.NewBin(defaultBin, c.vals.bytes(300))}},
		{"empty value", opPut, 0, []*as.Bin{as.NewBin(defaultBin, []byte{})}},
		{"three bins", opPutBins, 10, []*as.Bin{as.NewBin("a", c.vals.bytes(4)), as.NewBin("b", c.vals.bytes(7)[4:]), as.NewBin("c", c.vals.bytes(10)[7:])}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p.reset()
			mustRun(t, c, tt.op, 11, tt.size, drivers.ClassOK)
			adapter := p.messages()
			p.reset()
			if err := raw.PutBins(c.ops[tt.op].write, rawKey(t, cfg, 11), tt.bins...); err != nil {
				t.Fatal(err)
			}
			client := p.messages()
			if len(adapter) != 1 || len(client) != 1 {
				t.Fatalf("%d and %d messages; want one each", len(adapter), len(client))
			}
			// transaction_ttl, the time left to the deadline, differs.
			clear(adapter[0][14:18])
			clear(client[0][14:18])
			if !bytes.Equal(adapter[0], client[0]) {
				t.Errorf("the adapter's put differs from the client's:\n%x\n%x", adapter[0], client[0])
			}
		})
	}
}

func TestClose(t *testing.T) {
	s := newServer(t, astest.Options{})
	c, err := New(context.Background(), testConfig(s), allOps)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := c.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
	if err := c.Do(context.Background(), &drivers.Op{Index: opGet}); err != errClosed {
		t.Errorf("Do after Close = %v; want %v", err, errClosed)
	}
}
