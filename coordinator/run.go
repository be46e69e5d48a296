package coordinator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
	"github.com/surgeload/surge/workloads"
)

// TargetFactory builds the adapter for plan.Targets[i], reading time from
// clock. cmd/surge wires it to the adapters by driver name. The adapter's
// op table is plan.AllOps(): the mix, then the populate writes. A target
// that is an io.Closer is closed when the run is over.
type TargetFactory func(ctx context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error)

// Options configure a run.
type Options struct {
	// OutDir receives results.json, intervals.hlog and summary.txt; it is
	// created if missing.
	OutDir string
	// NewTarget builds the targets.
	NewTarget TargetFactory
	// Clock is the run's time source; nil means the wall clock.
	Clock drivers.Clock
	// Progress, if set, gets a progress line per interval; Live rewrites
	// one line in place (a terminal) instead.
	Progress io.Writer
	Live     bool
	// Summary, if set, gets the text summary at the end.
	Summary io.Writer
	// Now gives the wall time the run started at; nil means time.Now.
	Now func() time.Time
	// SkipPopulate runs the stages without the plan's populate section
	// (the keyspaces were written by surge populate).
	SkipPopulate bool
}

// The names of the files a run writes to its results directory.
const (
	ResultsFile   = "results.json"
	IntervalsFile = "intervals.hlog"
	SummaryFile   = "summary.txt"
)

// ErrRunFailed marks a run that could not be carried out (a target could
// not be built, the run was aborted, results could not be written), as
// opposed to one whose SLOs failed.
var ErrRunFailed = errors.New("run failed")

// Run runs plan with one in-process driver and writes its results; a plan
// with a capacity block runs its capacity search instead. It
// writes whatever was measured even when the run fails part way, and then
// returns the failure. A finished run whose SLOs failed returns the results
// and an error matching [report.ErrSLOFailed].
func Run(ctx context.Context, plan *scenarios.Plan, opts Options) (*report.Results, error) {
	clock := opts.Clock
	if clock == nil {
		clock = drivers.WallClock()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if plan.Capacity != nil {
		return search(ctx, plan, opts, clock, now)
	}
	targets, err := newTargets(ctx, plan, opts.NewTarget, clock)
	defer closeTargets(targets)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	job, err := newJob(plan, targets, clock)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	startedAt := now()
	out, err := newOutput(plan, opts, startedAt, cancel)
	if err != nil {
		return nil, err
	}
	meta := report.Meta{DriversPlanned: 1, DriversCompleted: 1, MaxInFlight: plan.Options.MaxInFlight}
	var runErr error
	if len(plan.Populate) > 0 && !opts.SkipPopulate {
		meta.Populate, runErr = populate(ctx, plan, targets, clock, opts)
		if runErr != nil {
			meta.Warnings = append(meta.Warnings, "the populate phase did not finish, so no stage ran: "+runErr.Error())
		}
	}
	if runErr == nil {
		runErr = drivers.Run(ctx, job, out)
		if cause := context.Cause(ctx); runErr != nil && cause != nil {
			runErr = cause // an abort rule, or the caller's cancellation
		}
		if runErr != nil {
			meta.Warnings = append(meta.Warnings, "the run did not finish: "+runErr.Error())
		}
	}
	meta.StartedAt, meta.Duration = startedAt, now().Sub(startedAt)
	return out.finish(meta, runErr)
}

// newTargets builds the plan's targets. On error it returns those built so
// far, for closeTargets.
func newTargets(ctx context.Context, plan *scenarios.Plan, newTarget TargetFactory, clock drivers.Clock) ([]drivers.Target, error) {
	targets := make([]drivers.Target, 0, len(plan.Targets))
	for i := range plan.Targets {
		t, err := newTarget(ctx, plan, i, clock)
		if err != nil {
			return targets, fmt.Errorf("target %s: %w", plan.Targets[i].Name, err)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// closeTargets closes the targets that hold connections. A close error
// after the run changes nothing that was measured, so it is dropped.
func closeTargets(targets []drivers.Target) {
	for _, t := range targets {
		if c, ok := t.(io.Closer); ok {
			_ = c.Close()
		}
	}
}

// newJob builds the driver job from the plan and its targets.
func newJob(plan *scenarios.Plan, targets []drivers.Target, clock drivers.Clock) (*drivers.Job, error) {
	profile, err := workloads.NewProfile(plan.Stages)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	job := &drivers.Job{
		Profile:      profile,
		Seed:         plan.Seed,
		Lanes:        plan.Options.Workers,
		MaxInFlight:  plan.Options.MaxInFlight,
		Interval:     plan.Options.Interval,
		DrainTimeout: plan.Options.DrainTimeout,
		Clock:        clock,
	}
	for _, ks := range plan.Keyspaces {
		job.Keyspaces = append(job.Keyspaces, ks.Keys)
	}
	noKey := -1 // the keyspace of ops that draw no key, added when needed
	for _, op := range plan.Ops {
		jo := drivers.JobOp{Name: op.Name, Weight: op.Weight, Keyspace: op.Keyspace, Sizes: op.Sizes, Batch: op.Batch}
		if op.Target >= 0 {
			jo.Target = targets[op.Target]
		}
		if op.Keyspace < 0 {
			if noKey < 0 {
				one, _ := workloads.NewUniform(1)
				noKey, job.Keyspaces = len(job.Keyspaces), append(job.Keyspaces, one)
			}
			jo.Keyspace = noKey
		}
		job.Ops = append(job.Ops, jo)
	}
	for _, j := range plan.Journeys {
		dj := &drivers.Journey{Chain: j.Chain, Think: j.Think, IncludeThink: j.IncludeThink,
			MaxSteps: j.MaxSteps, Vars: len(j.Vars)}
		for _, st := range j.Steps {
			dj.Steps = append(dj.Steps, drivers.JourneyStep{Op: st.Op, Think: st.Think})
		}
		job.Ops[j.Op].Journey = dj
	}
	return job, nil
}

// writeResults writes results.json and summary.txt, and prints the summary.
func writeResults(opts Options, res *report.Results) error {
	err := writeFile(filepath.Join(opts.OutDir, ResultsFile), func(w io.Writer) error { return report.WriteJSON(w, res) })
	if err == nil {
		err = writeFile(filepath.Join(opts.OutDir, SummaryFile), func(w io.Writer) error { return report.WriteText(w, res) })
	}
	if opts.Summary != nil {
		if werr := report.WriteText(opts.Summary, res); err == nil {
			err = werr
		}
		if err == nil {
			_, err = fmt.Fprintf(opts.Summary, "\nresults: %s\n", opts.OutDir)
		}
	}
	return err
}

// writeFile writes a file through a buffer and reports every write, flush
// and close error: a full disk must surface.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = write(w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// fanout hands each interval to several sinks in order; the first error
// stops the fan-out and the run.
type fanout []drivers.Sink

func (f fanout) Interval(iv *drivers.Interval) error {
	for _, s := range f {
		if err := s.Interval(iv); err != nil {
			return err
		}
	}
	return nil
}
