package coordinator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
)

const populateScenario = testScenario + `
populate:
  items: {target: kv, value_size: 1KiB, rate: 2k/s, concurrency: 4}
`

// countingTarget counts the ops it runs by op index; cancel, if set, is
// called once the count of populate writes reaches cancelAt.
type countingTarget struct {
	drivers.Target
	plan     *scenarios.Plan
	writes   atomic.Int64
	cancelAt int64
	cancel   context.CancelFunc
}

func (c *countingTarget) Do(ctx context.Context, op *drivers.Op) error {
	if op.Index >= len(c.plan.Ops) {
		if n := c.writes.Add(1); n == c.cancelAt && c.cancel != nil {
			c.cancel()
		}
	}
	return c.Target.Do(ctx, op)
}

func countingFactory(ct *countingTarget) TargetFactory {
	return func(ctx context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
		t, err := simFactory(ctx, plan, i, clock)
		ct.Target, ct.plan = t, plan
		return ct, err
	}
}

// A run with a populate section writes every key before the stages and
// reports the populate apart from them.
func TestRunPopulates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		ct := &countingTarget{}
		var progress strings.Builder
		res, err := Run(context.Background(), testPlan(t, populateScenario), Options{
			OutDir: dir, NewTarget: countingFactory(ct), Progress: &progress})
		if err != nil {
			t.Fatal(err)
		}
		if ct.writes.Load() != 1000 {
			t.Errorf("%d populate writes; want 1000", ct.writes.Load())
		}
		if len(res.Populate) != 1 || res.Populate[0].Done != 1000 || res.Populate[0].Written != 1000 {
			t.Fatalf("results populate = %+v", res.Populate)
		}
		if d := res.Populate[0].DurationS; d < 0.45 || d > 0.55 {
			t.Errorf("1000 writes at 2k/s took %vs; want 0.5s", d)
		}
		if !strings.Contains(progress.String(), "populate items  100%  1000/1000 keys") {
			t.Errorf("progress lacks the populate line:\n%s", progress.String())
		}
		back := readResults(t, dir)
		if len(back.Populate) != 1 || back.Populate[0].Written != 1000 {
			t.Errorf("results.json populate = %+v", back.Populate)
		}
		if _, err := os.Stat(filepath.Join(dir, PopulateFile)); err != nil {
			t.Error(err)
		}
	})
}

// surge populate resumes where an interrupted populate stopped, skips a
// complete keyspace, and starts again when what it writes changed.
func TestPopulateResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		plan := testPlan(t, populateScenario)
		ctx, cancel := context.WithCancel(context.Background())
		ct := &countingTarget{cancelAt: 400, cancel: cancel}
		pops, err := Populate(ctx, plan, Options{OutDir: dir, NewTarget: countingFactory(ct)})
		if !errors.Is(err, ErrRunFailed) || !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted populate: err = %v", err)
		}
		done := pops[0].Done
		if done == 0 || done > 400 {
			t.Fatalf("interrupted at write 400 with done = %d", done)
		}

		ct = &countingTarget{}
		pops, err = Populate(context.Background(), plan, Options{OutDir: dir, NewTarget: countingFactory(ct)})
		if err != nil {
			t.Fatal(err)
		}
		if pops[0].ResumedFrom != done || pops[0].Done != 1000 || ct.writes.Load() != int64(1000-done) {
			t.Errorf("resumed: %+v after %d writes; want from %d to 1000", pops[0], ct.writes.Load(), done)
		}

		ct = &countingTarget{}
		pops, err = Populate(context.Background(), plan, Options{OutDir: dir, NewTarget: countingFactory(ct)})
		if err != nil || ct.writes.Load() != 0 || pops[0].Written != 0 || !pops[0].Complete() {
			t.Errorf("complete populate run again: %+v, %d writes, %v; want nothing written", pops, ct.writes.Load(), err)
		}

		plan.Seed++ // other values: the checkpoint no longer applies
		ct = &countingTarget{}
		if _, err := Populate(context.Background(), plan, Options{OutDir: dir, NewTarget: countingFactory(ct)}); err != nil {
			t.Fatal(err)
		}
		if ct.writes.Load() != 1000 {
			t.Errorf("changed populate wrote %d keys; want all 1000 again", ct.writes.Load())
		}
	})
}

// A target that refuses every write ends the populate, and the run, with
// the partial results on disk.
func TestRunPopulateFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		src := strings.Replace(populateScenario, "{driver: sim, servers: 8, service_time: 2ms}",
			"{driver: sim, servers: 8, service_time: 2ms, error_rate: 100%}", 1)
		plan := testPlan(t, src)
		failing := func(_ context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
			return newSim(plan, i, clock)
		}
		res, err := Run(context.Background(), plan, Options{OutDir: dir, NewTarget: failing})
		if !errors.Is(err, ErrRunFailed) || !errors.Is(err, drivers.ErrFillFailing) {
			t.Fatalf("err = %v; want a failed run from a failing populate", err)
		}
		back := readResults(t, dir)
		if len(back.Populate) != 1 || back.Populate[0].Errors["server_error"] == 0 || back.Populate[0].Complete() {
			t.Errorf("results.json populate = %+v", back.Populate)
		}
		if res == nil || len(res.Warnings) == 0 || !strings.Contains(strings.Join(res.Warnings, "\n"), "populate phase did not finish") {
			t.Errorf("warnings = %v", res.Warnings)
		}
	})
}

func readResults(t *testing.T, dir string) *report.Results {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newSim builds a sim target with the plan's error rate.
func newSim(plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	s := plan.Targets[i].Sim
	return sim.New(sim.Config{Servers: s.Servers, ServiceTime: s.ServiceTime, ErrorRate: s.ErrorRate, Seed: plan.Seed}, clock)
}
