package report

import (
	"errors"
	"fmt"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/scenarios"
)

// ErrSLOFailed is matched (with errors.Is) by the error of [Results.Err]
// when any SLO rule failed; cmd/surge maps it to exit code 1.
var ErrSLOFailed = errors.New("slo failed")

// SLOResult is one SLO rule evaluated for one op. A rule for op "*" gives
// one SLOResult per op; stage "*" means the whole run, all stages merged.
// Latency rules fill LimitMs and ObservedMs; error_rate rules fill Limit and
// Observed, as fractions.
type SLOResult struct {
	Op     string           `json:"op"`
	Stage  string           `json:"stage"`
	Metric scenarios.Metric `json:"metric"`
	// LimitMs and ObservedMs are the limit and the measured value of a
	// latency rule, in milliseconds.
	LimitMs    *float64 `json:"limit_ms,omitempty"`
	ObservedMs *float64 `json:"observed_ms,omitempty"`
	// Limit and Observed are the limit and the measured error rate of an
	// error_rate rule, as fractions (0.001 = 0.1%).
	Limit    *float64 `json:"limit,omitempty"`
	Observed *float64 `json:"observed,omitempty"`
	// Count is how many ops the rule was evaluated on.
	Count int64 `json:"count"`
	Pass  bool  `json:"pass"`
}

// Failed reports whether any SLO rule failed.
func (r *Results) Failed() bool {
	return slices.ContainsFunc(r.SLO, func(s SLOResult) bool { return !s.Pass })
}

// Err returns nil when every SLO rule passed, and otherwise an error that
// says how many failed and wraps [ErrSLOFailed].
func (r *Results) Err() error {
	var failed int
	for _, s := range r.SLO {
		if !s.Pass {
			failed++
		}
	}
	if failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d slo rules failed: %w", failed, len(r.SLO), ErrSLOFailed)
}

// allNames is the op or stage name that means "every one".
const allNames = "*"

// evaluateSLOs evaluates the plan's SLOs, in plan order, on the per-stage
// totals and on run, the totals merged over all stages. A rule naming an op
// or stage the plan lacks, or measuring nothing, fails with a warning: no
// data is no proof that a limit holds.
func (a *Aggregator) evaluateSLOs(run []*opTotals) ([]SLOResult, []string) {
	rows := []SLOResult{}
	var warnings []string
	for i, rule := range a.plan.SLOs {
		ops, stage, err := ruleScope(a.plan, rule)
		if err != nil {
			rows = append(rows, SLOResult{Op: rule.Op, Stage: rule.Stage, Metric: rule.Metric})
			warnings = append(warnings, fmt.Sprintf("slo rule %d: %v", i+1, err))
			continue
		}
		for _, o := range ops {
			t := run[o]
			if stage >= 0 {
				t = a.ops[stage][o]
			}
			row, err := evaluate(rule, a.plan.Ops[o].Name, t)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("slo rule %d (%s of %s in stage %s): %v",
					i+1, rule.Metric, row.Op, row.Stage, err))
			}
			rows = append(rows, row)
		}
	}
	return rows, warnings
}

// ruleScope returns the indexes of the ops of plan a rule covers (op "*":
// every op of plan.Ops) and its stage index, -1 for every stage.
func ruleScope(plan *scenarios.Plan, rule scenarios.SLO) (ops []int, stage int, err error) {
	stage = -1
	if rule.Stage != allNames {
		for s := range plan.Stages {
			if plan.Stages[s].Name == rule.Stage {
				stage = s
				break
			}
		}
		if stage < 0 {
			return nil, 0, fmt.Errorf("stage %q is not in the scenario", rule.Stage)
		}
	}
	if rule.Op == allNames {
		for o := range plan.Ops {
			ops = append(ops, o)
		}
		return ops, stage, nil
	}
	o := slices.IndexFunc(plan.Ops, func(op scenarios.Op) bool { return op.Name == rule.Op })
	if o < 0 {
		return nil, 0, fmt.Errorf("op %q is not in the scenario", rule.Op)
	}
	return []int{o}, stage, nil
}

// Errors of [measure]: the rule has nothing to judge, or cannot judge.
var (
	errNoOps     = errors.New("no ops measured")
	errNoLatency = errors.New("no latency measured")
)

// measure measures rule's metric on count ops, failed of them failures
// (see [failures]), whose latencies (µs) h holds; h may be nil when none
// was measured. It returns the error rate as a fraction, or the latency in
// microseconds: the unit of [limit]. It fails when there is nothing to
// measure (errNoOps, errNoLatency) or the metric is unknown; an error
// rate is then 0.
func measure(rule scenarios.SLO, count, failed int64, h *hdrhistogram.Histogram) (float64, error) {
	if rule.Metric == scenarios.MetricErrorRate {
		if count == 0 {
			return 0, errNoOps
		}
		return fraction(failed, count), nil
	}
	q, ok := rule.Metric.Quantile()
	if !ok && rule.Metric != scenarios.MetricMax {
		return 0, fmt.Errorf("unknown metric %q", rule.Metric)
	}
	if h == nil || h.TotalCount() == 0 {
		return 0, errNoLatency
	}
	if !ok {
		return float64(h.Max()), nil
	}
	return float64(h.ValueAtQuantile(100 * q)), nil
}

// limit returns rule's limit in the unit of [measure]: a fraction for an
// error rate, microseconds for a latency. A value passes when it is at or
// below the limit.
func limit(rule scenarios.SLO) float64 {
	if rule.Metric == scenarios.MetricErrorRate {
		return rule.ErrorRate
	}
	return float64(rule.Latency) / float64(time.Microsecond)
}

// evaluate evaluates rule for the op named op on its totals t (nil when it
// measured nothing). The returned error says why the rule failed without
// a measurement.
func evaluate(rule scenarios.SLO, op string, t *opTotals) (SLOResult, error) {
	row := SLOResult{Op: op, Stage: rule.Stage, Metric: rule.Metric}
	var failed int64
	var h *hdrhistogram.Histogram
	if t != nil {
		row.Count, failed, h = t.count, failures(&t.errors), t.latency
	}
	value, err := measure(rule, row.Count, failed, h)
	_, percentile := rule.Metric.Quantile()
	switch {
	case rule.Metric == scenarios.MetricErrorRate:
		row.Limit, row.Observed = &rule.ErrorRate, &value
	case percentile || rule.Metric == scenarios.MetricMax:
		limitMs := round3(limit(rule) / 1000)
		row.LimitMs = &limitMs
		if err == nil {
			observed := millis(int64(value))
			row.ObservedMs = &observed
		}
	}
	row.Pass = err == nil && value <= limit(rule)
	return row, err
}
