package redis

import (
	"context"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/internal/closedloop"
	"github.com/surgeload/surge/drivers/redis/redistest"
)

// benchKeys is the keyspace of the benchmarks; BenchmarkGet fills it first
// so that every GET hits.
const benchKeys = 10000

// benchParallelism times GOMAXPROCS is the number of goroutines calling
// Do: 25 gives 50 on two cores, redis-benchmark's default -c.
const benchParallelism = 25

// benchModes are the client settings each benchmark runs under.
var benchModes = []struct {
	name string
	cfg  Config
}{
	{"pipelined", Config{}},
	{"not_pipelined", Config{Pipeline: 1, Connections: 50}},
}

func BenchmarkGet(b *testing.B) { benchOp(b, OpConfig{Kind: "get"}) }

func BenchmarkSet(b *testing.B) { benchOp(b, OpConfig{Kind: "set"}) }

// BenchmarkSetTimeout is BenchmarkSet with a per-command timeout, which
// costs a context and a timer per op.
func BenchmarkSetTimeout(b *testing.B) {
	s := redistest.Start(b)
	benchRun(b, s, Config{Timeout: time.Second}, OpConfig{Kind: "set"})
}

func benchOp(b *testing.B, oc OpConfig) {
	s := redistest.Start(b)
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) { benchRun(b, s, m.cfg, oc) })
	}
}

// benchRun runs oc from benchParallelism×GOMAXPROCS goroutines against s
// and reports, besides allocations, ops/s and the whole process's CPU time
// per op (user+sys: the client's own goroutines included, the server not).
func benchRun(b *testing.B, s *redistest.Server, cfg Config, oc OpConfig) {
	cfg.Addrs, cfg.KeyPrefix = []string{s.Addr}, "key:"
	c, err := New(context.Background(), cfg, []OpConfig{oc, {Kind: "set"}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if oc.Kind == "get" {
		for k := range uint64(benchKeys) {
			if err := c.Do(context.Background(), &drivers.Op{Index: 1, Key: k, ValueSize: 3}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := closedloop.CPUTime()
	b.RunParallel(func(pb *testing.PB) {
		op := drivers.Op{ValueSize: 3}
		for pb.Next() {
			op.Key = (op.Key + 7919) % benchKeys
			if err := c.Do(context.Background(), &op); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpu := closedloop.CPUTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
