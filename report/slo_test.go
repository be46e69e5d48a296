package report

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

func ptr(f float64) *float64 { return &f }

// sloAggregator holds known values: get in stage low takes 1..100 ms
// (p50 50 ms, p99 99 ms), get in stage high 200 ms each, put in stage low
// 5 ms; put has 2 timeouts and 3 not_found of 10 ops.
func sloAggregator(t *testing.T) *Aggregator {
	t.Helper()
	a := newTestAggregator(t, twoByTwo())
	low := make([]int64, 100)
	for i := range low {
		low[i] = int64(i+1) * 1000
	}
	high := []int64{200_000, 200_000, 200_000, 200_000}
	var putErrors [drivers.NumClasses]int64
	putErrors[drivers.ClassTimeout] = 2
	putErrors[drivers.ClassNotFound] = 3
	iv := &drivers.Interval{End: 20 * time.Second, Ops: []drivers.OpInterval{
		{Stage: 0, Op: 0, Count: 100, Latency: histOf(t, low...)},
		{Stage: 1, Op: 0, Count: 4, Latency: histOf(t, high...)},
		{Stage: 0, Op: 1, Count: 10, Errors: putErrors, Latency: histOf(t, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000)},
	}}
	if err := a.Interval(iv); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSLOs(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		rule     scenarios.SLO
		want     []SLOResult
		warnings []string
	}{
		{"p50 of one op in one stage",
			scenarios.SLO{Op: "get", Stage: "low", Metric: scenarios.MetricP50, Latency: 50 * ms},
			[]SLOResult{{Op: "get", Stage: "low", Metric: "p50", LimitMs: ptr(50), ObservedMs: ptr(50.015), Count: 100}}, nil},
		{"p99 passes at the limit's bucket",
			scenarios.SLO{Op: "get", Stage: "low", Metric: scenarios.MetricP99, Latency: 100 * ms},
			[]SLOResult{{Op: "get", Stage: "low", Metric: "p99", LimitMs: ptr(100), ObservedMs: ptr(99.007), Count: 100, Pass: true}}, nil},
		{"stage * merges the stages exactly",
			scenarios.SLO{Op: "get", Stage: "*", Metric: scenarios.MetricP99, Latency: 150 * ms},
			[]SLOResult{{Op: "get", Stage: "*", Metric: "p99", LimitMs: ptr(150), ObservedMs: ptr(200.063), Count: 104}}, nil},
		{"p90 and p999",
			scenarios.SLO{Op: "get", Stage: "high", Metric: scenarios.MetricP999, Latency: time.Second},
			[]SLOResult{{Op: "get", Stage: "high", Metric: "p999", LimitMs: ptr(1000), ObservedMs: ptr(200.063), Count: 4, Pass: true}}, nil},
		{"max",
			scenarios.SLO{Op: "put", Stage: "*", Metric: scenarios.MetricMax, Latency: 5 * ms},
			[]SLOResult{{Op: "put", Stage: "*", Metric: "max", LimitMs: ptr(5), ObservedMs: ptr(5.003), Count: 10}}, nil},
		{"op * gives a row per op, in plan order",
			scenarios.SLO{Op: "*", Stage: "low", Metric: scenarios.MetricP90, Latency: 95 * ms},
			[]SLOResult{
				{Op: "get", Stage: "low", Metric: "p90", LimitMs: ptr(95), ObservedMs: ptr(90.047), Count: 100, Pass: true},
				{Op: "put", Stage: "low", Metric: "p90", LimitMs: ptr(95), ObservedMs: ptr(5.003), Count: 10, Pass: true},
			}, nil},
		{"error rate leaves out not_found",
			scenarios.SLO{Op: "put", Stage: "*", Metric: scenarios.MetricErrorRate, ErrorRate: 0.2},
			[]SLOResult{{Op: "put", Stage: "*", Metric: "error_rate", Limit: ptr(0.2), Observed: ptr(0.2), Count: 10, Pass: true}}, nil},
		{"error rate above the limit",
			scenarios.SLO{Op: "*", Stage: "*", Metric: scenarios.MetricErrorRate, ErrorRate: 0.01},
			[]SLOResult{
				{Op: "get", Stage: "*", Metric: "error_rate", Limit: ptr(0.01), Observed: ptr(0), Count: 104, Pass: true},
				{Op: "put", Stage: "*", Metric: "error_rate", Limit: ptr(0.01), Observed: ptr(0.2), Count: 10},
			}, nil},
		{"no ops measured fails",
			scenarios.SLO{Op: "put", Stage: "high", Metric: scenarios.MetricP99, Latency: time.Second},
			[]SLOResult{{Op: "put", Stage: "high", Metric: "p99", LimitMs: ptr(1000)}},
			[]string{"slo rule 1 (p99 of put in stage high): no latency measured"}},
		{"no ops measured fails an error rate too",
			scenarios.SLO{Op: "put", Stage: "high", Metric: scenarios.MetricErrorRate, ErrorRate: 1},
			[]SLOResult{{Op: "put", Stage: "high", Metric: "error_rate", Limit: ptr(1), Observed: ptr(0)}},
			[]string{"slo rule 1 (error_rate of put in stage high): no ops measured"}},
		{"unknown op",
			scenarios.SLO{Op: "scan", Stage: "*", Metric: scenarios.MetricP99, Latency: time.Second},
			[]SLOResult{{Op: "scan", Stage: "*", Metric: "p99"}},
			[]string{`slo rule 1: op "scan" is not in the scenario`}},
		{"unknown stage",
			scenarios.SLO{Op: "get", Stage: "peak", Metric: scenarios.MetricP99, Latency: time.Second},
			[]SLOResult{{Op: "get", Stage: "peak", Metric: "p99"}},
			[]string{`slo rule 1: stage "peak" is not in the scenario`}},
		{"unknown metric",
			scenarios.SLO{Op: "get", Stage: "*", Metric: "p75", Latency: time.Second},
			[]SLOResult{{Op: "get", Stage: "*", Metric: "p75", Count: 104}},
			[]string{`slo rule 1 (p75 of get in stage *): unknown metric "p75"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sloAggregator(t)
			a.plan.SLOs = []scenarios.SLO{tt.rule}
			got, warnings := a.evaluateSLOs(a.runTotals())
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("evaluateSLOs() differs (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(warnings, tt.warnings); diff != "" {
				t.Errorf("warnings differ (-got +want):\n%s", diff)
			}
		})
	}
}

func TestResultsErr(t *testing.T) {
	tests := []struct {
		name    string
		slo     []SLOResult
		wantErr string
	}{
		{"no rules", nil, ""},
		{"all pass", []SLOResult{{Pass: true}, {Pass: true}}, ""},
		{"some fail", []SLOResult{{Pass: true}, {}, {}}, "2 of 3 slo rules failed: slo failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Results{SLO: tt.slo}
			err := r.Err()
			if tt.wantErr == "" {
				if err != nil || r.Failed() {
					t.Errorf("Err() = %v, Failed() = %v; want nil, false", err, r.Failed())
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrSLOFailed) || !r.Failed() {
				t.Errorf("Err() = %v, Failed() = %v; want %q wrapping ErrSLOFailed, true", err, r.Failed(), tt.wantErr)
			}
		})
	}
}
