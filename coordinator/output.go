package coordinator

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
)

// output is where a run's merged intervals go, in-process or distributed
// alike: the aggregator and its interval log, the progress view and the
// SLO abort rules.
type output struct {
	opts      Options
	hlog      *os.File
	hlogBuf   *bufio.Writer
	agg       *report.Aggregator
	progress  *report.Progress
	sinks     fanout
	startedAt time.Time
}

// newOutput creates the results directory and the interval log. abort is
// called once if an abort rule of the plan is breached.
func newOutput(plan *scenarios.Plan, opts Options, startedAt time.Time, abort func(error)) (*output, error) {
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: results directory: %w", ErrRunFailed, err)
	}
	hlog, err := os.Create(filepath.Join(opts.OutDir, IntervalsFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	o := &output{opts: opts, hlog: hlog, hlogBuf: bufio.NewWriter(hlog), startedAt: startedAt}
	o.agg, err = report.NewAggregator(plan, report.AggregatorOptions{Hlog: o.hlogBuf, StartedAt: startedAt})
	if err != nil {
		hlog.Close()
		return nil, fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	o.sinks = fanout{o.agg, report.NewAbortWatch(plan, abort)}
	if opts.Progress != nil {
		o.progress = report.NewProgress(opts.Progress, plan, opts.Live)
		o.sinks = append(o.sinks, o.progress)
	}
	return o, nil
}

// Interval hands one merged interval to every sink.
func (o *output) Interval(iv *drivers.Interval) error { return o.sinks.Interval(iv) }

// finish closes the interval log and the progress view, writes the
// results and returns them. runErr is why the run stopped early, if it
// did; the error returned says what failed, or is the results' SLO
// verdict.
func (o *output) finish(meta report.Meta, runErr error) (*report.Results, error) {
	if o.progress != nil {
		if err := o.progress.Done(); err != nil {
			meta.Warnings = append(meta.Warnings, "progress lines could not be written: "+err.Error())
		}
	}
	closeErr := errors.Join(o.hlogBuf.Flush(), o.hlog.Close())
	res := o.agg.Results(meta)
	if err := writeResults(o.opts, res); err != nil || closeErr != nil {
		return res, fmt.Errorf("%w: write results to %s: %w", ErrRunFailed, o.opts.OutDir, errors.Join(runErr, closeErr, err))
	}
	var abort *report.AbortError
	if errors.As(runErr, &abort) {
		return res, fmt.Errorf("%w (partial results in %s)", runErr, o.opts.OutDir)
	}
	if runErr != nil {
		return res, fmt.Errorf("%w: %w (partial results in %s)", ErrRunFailed, runErr, o.opts.OutDir)
	}
	return res, res.Err()
}
