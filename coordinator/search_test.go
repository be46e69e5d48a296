package coordinator

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/synctest"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/report/capacity/queueing"
	"github.com/surgeload/surge/scenarios"
)

// searchScenario is an M/M/4 sim target (mean service 20 ms) searched at
// one and two replicas against p90 ≤ 200 ms: p90 needs 1,000 samples a
// stage where p99 needs 10,000, which keeps the test quick under -race.
const searchScenario = `
name: search
seed: 9
targets:
  kv: {driver: sim, servers: 4, service_time: 20ms, service_dist: exponential}
keyspaces:
  items: {count: 1k}
mix:
  read: {weight: 1, target: kv, op: get, keyspace: items}
slo:
  - {op: "*", p90: 200ms}
  - {op: "*", error_rate: 0.1%}
capacity: {start_rate: 50, stage: 10s, warmup: 2s, confirm: 30s, cooldown: 1s, replicas: [1, 2]}
options: {workers: 2}
`

// fleetFactory builds sim targets with their distribution and replicas.
func fleetFactory(_ context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	s := plan.Targets[i].Sim
	dist, err := sim.ParseDist(s.ServiceDist)
	if err != nil {
		return nil, err
	}
	return sim.New(sim.Config{Servers: s.Servers, ServiceTime: s.ServiceTime, Dist: dist, Replicas: s.Replicas, Seed: plan.Seed}, clock)
}

// TestSearchVirtualTime runs a whole capacity search, the real engine
// against the sim target, in virtual time: the MST at one replica is the
// Erlang-C truth within ±10 %, two replicas behind random routing hold
// twice as much, every probe is a stage of results.json, and the same seed
// gives the same search.
func TestSearchVirtualTime(t *testing.T) {
	truth := queueing.MST(4, 50, 0.9, 0.2)
	run := func(t *testing.T) *report.Results {
		var res *report.Results
		synctest.Test(t, func(t *testing.T) {
			var err error
			res, err = Run(context.Background(), testPlan(t, searchScenario), Options{OutDir: t.TempDir(), NewTarget: fleetFactory, Clock: drivers.WallClock()})
			if err != nil {
				t.Fatal(err)
			}
		})
		return res
	}
	res := run(t)
	searches := res.Capacity.Searches
	if len(searches) != 2 {
		t.Fatalf("%d searches; want 2", len(searches))
	}
	for i, s := range searches {
		want := truth * float64(s.Replicas)
		if s.Status != "found" || math.Abs(s.MST-want)/want > 0.10 {
			t.Errorf("search %d (x%d): %s, MST %v; want %.1f ±10 %%", i, s.Replicas, s.Status, s.MST, want)
		}
		t.Logf("x%d: MST %v (truth %.1f), %d probes, skew %v", s.Replicas, s.MST, want, len(s.Probes), s.Skew)
	}
	if searches[1].Skew < 1 {
		t.Errorf("two replicas: skew %v not measured", searches[1].Skew)
	}
	n := 0
	for _, s := range searches {
		n += len(s.Probes)
	}
	if len(res.Stages) != n {
		t.Errorf("%d stages for %d probes", len(res.Stages), n)
	}
	if again := run(t); !reflect.DeepEqual(again.Capacity.Searches, searches) {
		t.Errorf("a second run with the same seed searched differently")
	}
}

// TestSearchNothingPasses: a target that cannot meet its SLO at any rate
// ends the search as none_passed, an SLO failure, with the results on disk.
func TestSearchNothingPasses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := `
name: slow
targets:
  kv: {driver: sim, servers: 1, service_time: 50ms}
keyspaces:
  items: {count: 10}
mix:
  read: {weight: 1, target: kv, op: get, keyspace: items}
slo:
  - {op: "*", p90: 10ms}
capacity: {start_rate: 20, stage: 10s, warmup: 1s, confirm: 20s, cooldown: 1s}
`
		dir := t.TempDir()
		res, err := Run(context.Background(), testPlan(t, src), Options{OutDir: dir, NewTarget: fleetFactory, Clock: drivers.WallClock()})
		if !errors.Is(err, ErrNoCapacity) || !errors.Is(err, report.ErrSLOFailed) {
			t.Fatalf("err %v; want ErrNoCapacity", err)
		}
		if s := res.Capacity.Searches[0]; s.Status != "none_passed" || len(s.Probes) != 5 {
			t.Errorf("search %s with %d probes; want none_passed after 5", s.Status, len(s.Probes))
		}
		if _, err := os.Stat(filepath.Join(dir, ResultsFile)); err != nil {
			t.Error(err)
		}
	})
}
