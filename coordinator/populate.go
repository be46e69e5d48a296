package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
)

// PopulateFile is the checkpoint a populate writes to its results
// directory and resumes from.
const PopulateFile = "populate.json"

// Populate runs the plan's populate section alone (surge populate): each
// keyspace is written from where the checkpoint in opts.OutDir left it, and
// a keyspace already complete is skipped, so running it again costs
// nothing and never writes a record twice. The checkpoint is rewritten as
// it goes, also when the populate fails or is interrupted.
func Populate(ctx context.Context, plan *scenarios.Plan, opts Options) ([]report.PopulateResult, error) {
	if len(plan.Populate) == 0 {
		return nil, fmt.Errorf("scenario %s has no populate section", plan.Name)
	}
	clock := opts.Clock
	if clock == nil {
		clock = drivers.WallClock()
	}
	targets, err := newTargets(ctx, plan, opts.NewTarget, clock)
	defer closeTargets(targets)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: results directory: %w", ErrRunFailed, err)
	}
	pops, err := populate(ctx, plan, targets, clock, opts)
	if err != nil {
		return pops, fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	return pops, nil
}

// populate writes each keyspace of the plan's populate section in turn,
// resuming from the checkpoint in opts.OutDir, and returns what each did.
func populate(ctx context.Context, plan *scenarios.Plan, targets []drivers.Target, clock drivers.Clock, opts Options) ([]report.PopulateResult, error) {
	path := filepath.Join(opts.OutDir, PopulateFile)
	prev, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	ck := &report.PopulateCheckpoint{Scenario: plan.Name}
	save := func() error {
		return replaceFile(path, func(w io.Writer) error { return report.WritePopulateCheckpoint(w, ck) })
	}
	line := report.NewLineWriter(opts.Progress, opts.Live)
	for j, pop := range plan.Populate {
		from := resumePoint(prev, plan, j)
		res := report.NewPopulateResult(plan, j, from, drivers.FillProgress{Done: from})
		ck.Keyspaces = append(ck.Keyspaces, res)
		cur := &ck.Keyspaces[len(ck.Keyspaces)-1]
		if from >= pop.Count {
			line.Final(report.PopulateLine(cur) + "  (already complete)")
			continue
		}
		var saveErr error
		fill := drivers.Fill{
			Target: targets[pop.Op.Target], Op: len(plan.Ops) + j, Count: pop.Count, From: from,
			Sizes: pop.Op.Sizes, Seed: plan.Seed, Rate: pop.Rate, Concurrency: pop.Concurrency,
			Interval: plan.Options.Interval, Clock: clock,
			Progress: func(p drivers.FillProgress) {
				*cur = report.NewPopulateResult(plan, j, from, p)
				line.Update(report.PopulateLine(cur))
				if err := save(); err != nil && saveErr == nil {
					saveErr = err
				}
			},
		}
		prog, fillErr := drivers.Populate(ctx, fill)
		*cur = report.NewPopulateResult(plan, j, from, prog)
		line.Final(report.PopulateLine(cur))
		if err := errors.Join(fillErr, saveErr, save(), progressErr(line.End())); err != nil {
			return ck.Keyspaces, fmt.Errorf("populate %s: %w (checkpoint in %s)", cur.Keyspace, err, path)
		}
	}
	return ck.Keyspaces, nil
}

// readCheckpoint reads the checkpoint at path; none is an empty one.
func readCheckpoint(path string) (*report.PopulateCheckpoint, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &report.PopulateCheckpoint{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("populate checkpoint: %w", err)
	}
	defer f.Close()
	ck, err := report.ReadPopulateCheckpoint(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (delete it to start the populate afresh)", path, err)
	}
	return ck, nil
}

// resumePoint is where populate j resumes: the checkpoint's Done for the
// same keyspace and fingerprint, else 0.
func resumePoint(ck *report.PopulateCheckpoint, plan *scenarios.Plan, j int) uint64 {
	fp := report.PopulateFingerprint(plan, j)
	for _, k := range ck.Keyspaces {
		if k.Fingerprint == fp {
			return min(k.Done, plan.Populate[j].Count)
		}
	}
	return 0
}

// replaceFile writes path through a temporary file and renames it over
// path, so a crash leaves the old checkpoint or the new one, never half.
func replaceFile(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	if err := writeFile(tmp, write); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("populate checkpoint: %w", err)
	}
	return nil
}

// progressErr wraps an error writing progress lines.
func progressErr(err error) error {
	if err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}
