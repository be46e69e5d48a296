package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/report/capacity"
	"github.com/surgeload/surge/report/capacity/findmax"
	"github.com/surgeload/surge/scenarios"
	"github.com/surgeload/surge/workloads"
)

// ErrNoCapacity marks a capacity search that found no sustainable rate:
// no stage passed, or the confirmation failed at every back-off. It
// matches [report.ErrSLOFailed]: the target did not meet its SLO.
var ErrNoCapacity = fmt.Errorf("no sustainable rate found: %w", report.ErrSLOFailed)

// search runs plan's capacity search (plan.Capacity): for each searched
// target and replica count, the MST search of findmax with the engine as
// its prober, one probe after the other. results.json is rewritten after
// every probe, so an interrupted search leaves every stage it ran on disk.
func search(ctx context.Context, plan *scenarios.Plan, opts Options, clock drivers.Clock, now func() time.Time) (*report.Results, error) {
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: results directory: %w", ErrRunFailed, err)
	}
	s := &searchRun{plan: plan, opts: opts, clock: clock, now: now, startedAt: now(), epoch: clock.Now()}
	s.meta = report.Meta{StartedAt: s.startedAt, DriversPlanned: 1, DriversCompleted: 1, MaxInFlight: plan.Options.MaxInFlight}
	runErr := s.populate(ctx)
	if runErr == nil {
		runErr = s.searchAll(ctx)
	}
	res := s.results()
	if err := writeResults(opts, res); err != nil {
		return res, fmt.Errorf("%w: write results to %s: %w", ErrRunFailed, opts.OutDir, errors.Join(runErr, err))
	}
	switch {
	case errors.Is(runErr, findmax.ErrInvalidStage):
		return res, fmt.Errorf("%w: %w (results in %s)", ErrRunFailed, runErr, opts.OutDir)
	case runErr != nil:
		return res, fmt.Errorf("%w: %w (partial results in %s)", ErrRunFailed, runErr, opts.OutDir)
	}
	for _, sr := range s.searches {
		if sr.Status != "found" && sr.Status != "lower_bound" {
			return res, fmt.Errorf("%s x%d: %s: %w", sr.Tier, sr.Replicas, sr.Reason, ErrNoCapacity)
		}
	}
	return res, nil
}

// searchRun is one capacity search in progress.
type searchRun struct {
	plan      *scenarios.Plan
	opts      Options
	clock     drivers.Clock
	now       func() time.Time
	startedAt time.Time
	epoch     time.Duration // clock reading at the start

	meta     report.Meta
	stages   []report.StageResult
	searches []capacity.Search
	// current is the search in progress, with its probes so far, so that
	// results.json rewritten after each probe holds it.
	current *capacity.Search
}

// populate runs the plan's populate section once, before any search.
func (s *searchRun) populate(ctx context.Context) error {
	if len(s.plan.Populate) == 0 || s.opts.SkipPopulate {
		return nil
	}
	targets, err := newTargets(ctx, s.plan, s.opts.NewTarget, s.clock)
	defer closeTargets(targets)
	if err != nil {
		return err
	}
	s.meta.Populate, err = populate(ctx, s.plan, targets, s.clock, s.opts)
	if err != nil {
		s.meta.Warnings = append(s.meta.Warnings, "the populate phase did not finish, so no search ran: "+err.Error())
	}
	return err
}

// searchAll searches each target at each replica count. A search that
// ends invalid stops the rest: the generator, not a target, is the limit.
func (s *searchRun) searchAll(ctx context.Context) error {
	c := s.plan.Capacity
	for _, ti := range c.Targets {
		var perReplica float64 // MST per replica found at a smaller size
		for _, n := range c.Replicas {
			start := c.StartRate
			if perReplica > 0 {
				// Half the linear guess: one passing probe, one failing,
				// then bisection.
				start = max(start, findmax.RoundRate(perReplica*float64(n)/2))
			}
			res, err := s.searchOne(ctx, ti, n, start)
			s.searches = append(s.searches, res)
			if err != nil {
				return err
			}
			if res.Status == "found" {
				perReplica = res.MST / float64(n)
			}
		}
	}
	return nil
}

// searchOne runs the search of target ti at n replicas.
func (s *searchRun) searchOne(ctx context.Context, ti, n int, start float64) (capacity.Search, error) {
	plan := probePlan(s.plan, ti, n)
	tgt := plan.Targets[ti]
	rules, slo := searchRules(plan, ti)
	c := plan.Capacity
	cfg := findmax.Config{Tier: tgt.Name, Replicas: n, Rules: rules, StartRate: start,
		Growth: c.Growth, Precision: c.Precision, MaxRate: c.MaxRate,
		Stage: c.Stage, Confirm: c.Confirm, Warmup: c.Warmup, Backoffs: c.Backoffs}
	target, err := s.opts.NewTarget(ctx, plan, ti, s.clock)
	if err != nil {
		res := capacity.Search{Tier: tgt.Name, Driver: tgt.Driver, Replicas: n, SLO: slo, Status: "incomplete",
			Reason: "the target could not be built: " + err.Error()}
		return res, fmt.Errorf("target %s: %w", tgt.Name, err)
	}
	defer closeTargets([]drivers.Target{target})
	p := &engineProber{run: s, plan: plan, target: target, ti: ti}
	p.col = findmax.NewCollector(opNames(plan))
	s.current = &capacity.Search{Tier: tgt.Name, Driver: tgt.Driver, Replicas: n, SLO: slo, Status: "incomplete",
		Reason: "the search was still running", Probes: []capacity.Probe{}}
	cfg.Progress = func(pr capacity.Probe) {
		s.current.Probes = append(s.current.Probes, pr)
		s.progress(pr)
	}
	res, err := findmax.Search(ctx, p, cfg)
	s.current = nil
	res.Driver, res.SLO = tgt.Driver, slo
	return res, err
}

// progress reports a classified probe and saves the results so far.
func (s *searchRun) progress(pr capacity.Probe) {
	if s.opts.Progress != nil {
		line := fmt.Sprintf("%-40s %-7s achieved %8.1f/s  p99 %8.3f ms  errors %.3f %%", pr.Stage, pr.Verdict, pr.Achieved, pr.P99Ms, 100*pr.ErrorRate)
		if len(pr.Reasons) > 0 {
			line += "  (" + pr.Reasons[0] + ")"
		}
		fmt.Fprintln(s.opts.Progress, line)
	}
	// A failed write here is reported by the final write, which rewrites
	// the same file.
	_ = writeFile(filepath.Join(s.opts.OutDir, ResultsFile), func(w io.Writer) error { return report.WriteJSON(w, s.results()) })
}

// results assembles the results of every probe run so far.
func (s *searchRun) results() *report.Results {
	res := &report.Results{
		Schema: report.Schema, Scenario: s.plan.Name, StartedAt: s.startedAt.UTC(),
		DurationS: math.Round(1e3*(s.clock.Now()-s.epoch).Seconds()) / 1e3,
		Drivers:   report.Drivers{Planned: 1, Completed: 1, Lost: []report.LostDriver{}, List: []report.DriverStats{}},
		Stages:    slices.Clone(s.stages), Totals: []report.OpResult{}, Journeys: []report.JourneyResult{},
		SLO: []report.SLOResult{}, Warnings: slices.Clone(s.meta.Warnings),
		Populate: append([]report.PopulateResult{}, s.meta.Populate...),
	}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	searches := append([]capacity.Search(nil), s.searches...)
	if s.current != nil {
		searches = append(searches, *s.current)
	}
	res.Capacity = capacity.Analyze(searches, report.CapacityForecast(s.plan.Forecast), capacity.Options{Scenario: s.plan.Name})
	return res
}

// probePlan returns the plan a search of target ti at n replicas runs: the
// mix reduced to ti's ops (their weights keep their ratios) and, for a sim
// target, n replicas of its model.
func probePlan(plan *scenarios.Plan, ti, n int) *scenarios.Plan {
	p := *plan
	p.Targets = slices.Clone(plan.Targets)
	if t := p.Targets[ti]; t.Sim != nil {
		sim := *t.Sim
		sim.Replicas = n
		p.Targets[ti].Sim = &sim
	}
	p.Ops = nil
	for _, op := range plan.Ops {
		if op.Target == ti {
			p.Ops = append(p.Ops, op)
		}
	}
	p.Populate, p.Journeys, p.Stages = nil, nil, nil
	return &p
}

func opNames(plan *scenarios.Plan) []string {
	names := make([]string, len(plan.Ops))
	for i, op := range plan.Ops {
		names[i] = op.Name
	}
	return names
}

// defaultErrorBudget is the error budget of a search whose SLO has no
// error rule for the whole tier (capacity-method.md §2.2 rule 3).
const defaultErrorBudget = 0.001

// searchRules turns the SLO rules that apply to the ops of plan (already
// reduced to one target) into the search's rules and their record.
func searchRules(plan *scenarios.Plan, ti int) (findmax.Rules, capacity.SLO) {
	rules := findmax.Rules{MaxErrorRate: -1}
	var slo capacity.SLO
	names := opNames(plan)
	for _, r := range plan.SLOs {
		if r.Op != "*" && !slices.Contains(names, r.Op) {
			continue
		}
		if r.Metric == scenarios.MetricErrorRate {
			if r.Op != "*" {
				if rules.OpErrorRates == nil {
					rules.OpErrorRates = map[string]float64{}
				}
				if cur, ok := rules.OpErrorRates[r.Op]; !ok || r.ErrorRate < cur {
					rules.OpErrorRates[r.Op] = r.ErrorRate
				}
			} else if rules.MaxErrorRate < 0 || r.ErrorRate < rules.MaxErrorRate {
				rules.MaxErrorRate = r.ErrorRate
			}
			slo.Lines = append(slo.Lines, fmt.Sprintf("%s error rate ≤ %g %%", r.Op, 100*r.ErrorRate))
			continue
		}
		q, ok := r.Metric.Quantile()
		if !ok {
			q = 1 // the max: the only other latency metric
		}
		ln := findmax.Line{Op: r.Op, Quantile: q, Limit: r.Latency}
		rules.Lines = append(rules.Lines, ln)
		slo.Lines = append(slo.Lines, ln.String())
		// The headline line: the highest percentile below the max, the
		// tightest limit among equals.
		if q < 1 && (q > slo.Percentile || q == slo.Percentile && ms(r.Latency) < slo.LimitMs) {
			slo.Percentile, slo.LimitMs = q, ms(r.Latency)
		}
	}
	if rules.MaxErrorRate < 0 && len(rules.OpErrorRates) == 0 {
		// Fast failures look like a fast target: a search always has an
		// error budget.
		rules.MaxErrorRate = defaultErrorBudget
		slo.Lines = append(slo.Lines, fmt.Sprintf("* error rate ≤ %g %% (default)", 100*defaultErrorBudget))
	}
	if slo.Percentile == 0 && len(rules.Lines) > 0 {
		slo.Percentile, slo.LimitMs = 1, ms(rules.Lines[0].Limit) // only max lines
	}
	slo.MaxErrorRate = rules.MaxErrorRate
	return rules, slo
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// engineProber runs probes with the real engine against one target.
type engineProber struct {
	run    *searchRun
	plan   *scenarios.Plan
	target drivers.Target
	ti     int
	col    *findmax.Collector
	// probes counts the probes run, for each one's own random streams.
	probes uint64
}

// replicaLoader is a target that counts the ops each of its replicas
// served (the sim target), for the measured skew.
type replicaLoader interface{ ReplicaLoad() []int64 }

// Probe implements [findmax.Prober]: it runs the stage's warm-up and
// measured part as a two-stage job of Poisson arrivals, lets the target
// drain, then idles for the cool-down.
func (p *engineProber) Probe(ctx context.Context, st findmax.Stage) (*findmax.Measurement, error) {
	s := p.run
	warmup := max(st.Warmup, time.Millisecond) // a stage must have a length
	plan := *p.plan
	// Each probe draws its own arrivals and keys: with the plan's seed
	// every probe at one rate, a retried stage included, would replay the
	// same Poisson gaps, and the noise of one probe would repeat in all.
	plan.Seed += p.probes * 0x9e3779b97f4a7c15
	p.probes++
	plan.Stages = []workloads.Stage{
		{Name: st.Name + " warm-up", Duration: warmup, From: st.Rate, To: st.Rate, Arrival: workloads.Poisson},
		{Name: st.Name, Duration: st.Measure, From: st.Rate, To: st.Rate, Arrival: workloads.Poisson},
	}
	targets := make([]drivers.Target, len(plan.Targets))
	targets[p.ti] = p.target
	job, err := newJob(&plan, targets, s.clock)
	if err != nil {
		return nil, err
	}
	offset := s.clock.Now() - s.epoch
	agg, err := report.NewAggregator(&plan, report.AggregatorOptions{StartedAt: s.startedAt.Add(offset)})
	if err != nil {
		return nil, err
	}
	var before []int64
	loader, hasLoad := p.target.(replicaLoader)
	if hasLoad {
		before = loader.ReplicaLoad()
	}
	p.col.Reset(findmax.Stage{Warmup: warmup, Measure: st.Measure})
	began := s.clock.Now()
	runErr := drivers.Run(ctx, job, fanout{p.col, agg})
	// A stage cut short is kept too: results.json holds what it measured.
	res := agg.Results(report.Meta{Duration: s.clock.Now() - began, DriversPlanned: 1, DriversCompleted: 1, MaxInFlight: plan.Options.MaxInFlight})
	stage := res.Stages[1]
	stage.StartS = math.Round(1e3*(offset.Seconds()+stage.StartS)) / 1e3
	s.stages = append(s.stages, stage)
	if runErr != nil {
		return nil, runErr
	}
	m := p.col.Measurement()
	if hasLoad {
		after := loader.ReplicaLoad()
		m.ReplicaLoad = make([]int64, len(after))
		for i := range after {
			m.ReplicaLoad[i] = after[i] - before[i]
		}
	}
	if cool := plan.Capacity.Cooldown; cool > 0 {
		if err := sleep(ctx, s.clock, cool); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// sleep waits d on clock, or until ctx ends.
func sleep(ctx context.Context, clock drivers.Clock, d time.Duration) error {
	t := clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
