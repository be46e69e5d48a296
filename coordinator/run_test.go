package coordinator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
)

const testScenario = `
name: coord
seed: 5
targets:
  kv: {driver: sim, servers: 8, service_time: 2ms}
keyspaces:
  items: {count: 1k}
mix:
  read: {weight: 3, target: kv, op: get, keyspace: items}
  write: {weight: 1, target: kv, op: put, keyspace: items, value_size: 1KiB}
profile:
  - {name: ramp, duration: 2s, ramp_to: 400}
  - {name: steady, duration: 3s, rate: 400}
slo:
  - {op: "*", p99: 50ms}
`

func testPlan(t *testing.T, src string) *scenarios.Plan {
	t.Helper()
	p, err := scenarios.Parse("coord.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func simFactory(_ context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	s := plan.Targets[i].Sim
	return sim.New(sim.Config{Servers: s.Servers, ServiceTime: s.ServiceTime, Seed: plan.Seed}, clock)
}

func TestRunWritesResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		var summary strings.Builder
		res, err := Run(context.Background(), testPlan(t, testScenario), Options{
			OutDir: dir, NewTarget: simFactory, Summary: &summary, Clock: drivers.WallClock()})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		var n int64
		for _, st := range res.Stages {
			for _, op := range st.Ops {
				n += op.Count
			}
		}
		if n != 1600 { // 400 in the ramp, 1200 steady
			t.Errorf("results count %d ops; want 1600", n)
		}
		for _, f := range []string{ResultsFile, IntervalsFile, SummaryFile} {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("%s: %v", f, err)
			}
		}
		if !strings.Contains(summary.String(), "results: "+dir) {
			t.Errorf("summary does not say where the results are:\n%s", summary.String())
		}
	})
}

func TestRunSLOFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := strings.Replace(testScenario, "p99: 50ms", "p99: 1ms", 1)
		_, err := Run(context.Background(), testPlan(t, src), Options{OutDir: t.TempDir(), NewTarget: simFactory, Clock: drivers.WallClock()})
		if !errors.Is(err, report.ErrSLOFailed) || errors.Is(err, ErrRunFailed) {
			t.Errorf("Run = %v; want an SLO failure only", err)
		}
	})
}

func TestRunTargetFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	failing := func(context.Context, *scenarios.Plan, int, drivers.Clock) (drivers.Target, error) {
		return nil, errors.New("connection refused")
	}
	_, err := Run(context.Background(), testPlan(t, testScenario), Options{OutDir: dir, NewTarget: failing})
	if !errors.Is(err, ErrRunFailed) || !strings.Contains(err.Error(), "target kv: connection refused") {
		t.Errorf("Run = %v; want a run failure naming the target", err)
	}
}

// A disk that fills up mid-run ends the run with a clear error, and the
// results measured so far are still written where possible.
func TestRunFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Symlink("/dev/full", filepath.Join(dir, IntervalsFile)); err != nil {
			t.Fatal(err)
		}
		plan := testPlan(t, strings.Replace(testScenario, "duration: 3s", "duration: 1h", 1))
		start := time.Now()
		_, err := Run(context.Background(), plan, Options{OutDir: dir, NewTarget: simFactory, Clock: drivers.WallClock()})
		if !errors.Is(err, ErrRunFailed) || !strings.Contains(err.Error(), "no space left on device") {
			t.Errorf("Run = %v; want a run failure for the full disk", err)
		}
		if time.Since(start) > time.Minute {
			t.Errorf("the run went on for %v after the disk filled", time.Since(start))
		}
		if _, err := os.Stat(filepath.Join(dir, ResultsFile)); err != nil {
			t.Errorf("no partial results.json: %v", err)
		}
	})
}

// A run whose in-flight cap is too small for its rate says, in its results,
// that the generator limited the stage, and above which rate.
func TestRunFlagsGeneratorBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := testScenario + "options: {max_in_flight: 2, workers: 1}\n"
		src = strings.Replace(src, "servers: 8, service_time: 2ms", "servers: 8, service_time: 20ms", 1)
		res, err := Run(context.Background(), testPlan(t, src), Options{OutDir: t.TempDir(), NewTarget: simFactory, Clock: drivers.WallClock()})
		if err != nil && !errors.Is(err, report.ErrSLOFailed) {
			t.Fatal(err)
		}
		steady := res.Stages[1].Generator // 400 ops/s offered, 100 ops/s possible
		if !steady.Bound || steady.BoundAboveRate <= 0 || steady.BoundAboveRate > 400 {
			t.Errorf("steady stage generator = %+v; want bound, above a rate up to 400/s", steady)
		}
		found := false
		for _, w := range res.Warnings {
			found = found || strings.Contains(w, `stage "steady": generator-bound`)
		}
		if !found {
			t.Errorf("no generator-bound warning for the steady stage in %q", res.Warnings)
		}
	})
}
