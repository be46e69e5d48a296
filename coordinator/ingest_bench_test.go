package coordinator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// benchScenario has ten ops: a report carries ten op intervals.
const benchScenario = `
name: ingest
targets:
  kv: {driver: sim, servers: 8, service_time: 1ms}
keyspaces:
  items: {count: 1M}
mix:
  op0: {weight: 1, target: kv, op: get, keyspace: items}
  op1: {weight: 1, target: kv, op: get, keyspace: items}
  op2: {weight: 1, target: kv, op: get, keyspace: items}
  op3: {weight: 1, target: kv, op: get, keyspace: items}
  op4: {weight: 1, target: kv, op: get, keyspace: items}
  op5: {weight: 1, target: kv, op: put, keyspace: items, value_size: 100}
  op6: {weight: 1, target: kv, op: put, keyspace: items, value_size: 100}
  op7: {weight: 1, target: kv, op: put, keyspace: items, value_size: 100}
  op8: {weight: 1, target: kv, op: put, keyspace: items, value_size: 100}
  op9: {weight: 1, target: kv, op: put, keyspace: items, value_size: 100}
profile:
  - {name: peak, duration: 1h, rate: 1M}
`

// benchReports encodes one interval of each of n drivers: ten ops, each
// with perOp latencies from a lognormal around 2 ms with a long tail, as
// a driver at 10,000 ops/s would report.
func benchReports(b *testing.B, plan *scenarios.Plan, n, perOp int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	iv := &drivers.Interval{Start: 0, End: time.Second}
	for op := range plan.Ops {
		o := drivers.OpInterval{Stage: 0, Op: op, Count: int64(perOp), Completed: int64(perOp),
			Latency: drivers.NewHistogram(), Service: drivers.NewHistogram(), Lag: drivers.NewHistogram()}
		o.Errors[drivers.ClassTimeout] = 3
		for range perOp {
			lat := int64(2000 * math.Exp(rng.NormFloat64()*0.6))
			lag := int64(rng.ExpFloat64() * 50)
			o.Latency.RecordValue(lat + lag + 1)
			o.Service.RecordValue(lat + 1)
			o.Lag.RecordValue(lag + 1)
		}
		iv.Ops = append(iv.Ops, o)
	}
	iv.Stages = []drivers.StageInterval{{Stage: 0, Scheduled: int64(perOp * len(plan.Ops))}}
	var r wire.Report
	r.FromInterval(iv, 900*time.Millisecond)
	body := r.Marshal(nil)
	bodies := make([][]byte, n)
	for d := range bodies {
		bodies[d] = body // the same interval from every driver
	}
	return bodies
}

// BenchmarkIngest measures the coordinator's ingest path as a driver
// connection drives it: decode a report, drop duplicates, merge its op
// intervals into the window, and close each window once every driver is
// in (aggregator, interval log, checkpoint with fsync, acks). One op is
// one report of ten op intervals, each three histograms.
func BenchmarkIngest(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("drivers=%d", n), func(b *testing.B) {
			plan, err := scenarios.Parse("ingest.yaml", []byte(benchScenario))
			if err != nil {
				b.Fatal(err)
			}
			s := benchServer(b, plan, n)
			bodies := benchReports(b, plan, n, 1000)
			var rep wire.Report
			b.ReportAllocs()
			b.ResetTimer()
			seq := uint64(0)
			for i := 0; i < b.N; i++ {
				d := i % n
				if err := rep.Unmarshal(bodies[d]); err != nil {
					b.Fatal(err)
				}
				rep.Seq = seq
				s.mu.Lock()
				err := s.ingest(s.drivers[d], &rep)
				s.mu.Unlock()
				if err != nil {
					b.Fatal(err)
				}
				if d == n-1 {
					seq++
				}
			}
			b.StopTimer()
			ops := float64(b.N) * float64(len(plan.Ops))
			b.ReportMetric(ops/b.Elapsed().Seconds(), "op-intervals/s")
			if s.runErr != nil {
				b.Fatal(s.runErr)
			}
		})
	}
}

// benchServer is a started server with n running drivers and no
// connections.
func benchServer(b *testing.B, plan *scenarios.Plan, n int) *server {
	dir := b.TempDir()
	opts := ServeOptions{Options: Options{OutDir: dir}, Drivers: n, Spec: &wire.RunSpec{}}
	opts.defaults()
	s := &server{plan: plan, opts: opts, done: make(chan struct{}), drivers: make([]*driverState, n),
		wins: newWindows(len(plan.Stages), len(plan.Ops)), started: true, shards: n}
	var err error
	if s.out, err = newOutput(plan, opts.Options, time.Now(), func(error) {}); err != nil {
		b.Fatal(err)
	}
	if err := s.fresh(dir + "/" + CheckpointFile); err != nil {
		b.Fatal(err)
	}
	for i := range s.drivers {
		s.drivers[i] = &driverState{id: i, name: fmt.Sprint("d", i), phase: running, received: -1, acked: -1, doneAt: -1}
	}
	b.Cleanup(func() { s.ck.close(); s.out.hlog.Close() })
	return s
}
