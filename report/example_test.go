package report_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
	"github.com/surgeload/surge/workloads"
)

// An engine hands each interval to the Aggregator; at the end the results
// are rendered and their SLO verdict becomes the exit status.
func ExampleAggregator() {
	plan := &scenarios.Plan{
		Name:    "checkout-smoke",
		Targets: []scenarios.Target{{Name: "api", Driver: "sim"}},
		Ops:     []scenarios.Op{{Name: "checkout", Weight: 1, Target: 0}},
		Stages:  []workloads.Stage{{Name: "steady", Duration: 2 * time.Second, From: 4, To: 4}},
		SLOs: []scenarios.SLO{
			{Op: "checkout", Stage: "*", Metric: scenarios.MetricP99, Latency: 50 * time.Millisecond},
			{Op: "*", Stage: "*", Metric: scenarios.MetricErrorRate, ErrorRate: 0.01},
		},
	}
	agg, err := report.NewAggregator(plan, report.AggregatorOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for seq, latencyMicros := range [][]int64{{1200, 1500, 2100, 9000}, {1100, 1300, 1800, 2500}} {
		op := drivers.OpInterval{Count: 4, Completed: 4, Latency: drivers.NewHistogram(),
			Service: drivers.NewHistogram(), Lag: drivers.NewHistogram()}
		for _, v := range latencyMicros {
			op.Latency.RecordValue(v)
			op.Service.RecordValue(v)
			op.Lag.RecordValue(0)
		}
		if seq == 1 {
			op.Errors[drivers.ClassTimeout] = 1
		}
		start := time.Duration(seq) * time.Second
		iv := &drivers.Interval{Seq: uint64(seq), Start: start, End: start + time.Second,
			Ops: []drivers.OpInterval{op}, Stages: []drivers.StageInterval{{Scheduled: 4}}}
		if err := agg.Interval(iv); err != nil {
			fmt.Println(err)
			return
		}
	}
	res := agg.Results(report.Meta{StartedAt: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
		Duration: 2 * time.Second, DriversPlanned: 1, DriversCompleted: 1})
	if err := report.WriteText(os.Stdout, res); err != nil {
		fmt.Println(err)
	}
	fmt.Println("\nexit:", res.Err())
	// Output:
	// checkout-smoke  started 2026-11-22T00:00:00Z  took 2s  drivers 1/1
	//
	// stage steady  2s at 0s  intended 4/s  achieved 4/s
	//   op        target  count  rate/s  p50    p90    p99     p99.9   max     errors
	//   checkout  api     8      4       1.5ms  2.5ms  9.01ms  9.01ms  9.01ms  12.50% (timeout 1)
	//
	// slo
	//   op        stage  metric      limit  observed  result
	//   checkout  *      p99         50ms   9.01ms    PASS
	//   checkout  *      error_rate  1.00%  12.50%    FAIL
	//
	// exit: 1 of 2 slo rules failed: slo failed
}

// An AbortWatch beside the Aggregator stops the run when an abort rule has
// been breached long enough: here p99 above 25 ms for 2 s in a row.
func ExampleAbortWatch() {
	plan := &scenarios.Plan{
		Name:   "pdp-abort",
		Ops:    []scenarios.Op{{Name: "pdp-read", Weight: 1}},
		Stages: []workloads.Stage{{Name: "spike", Duration: time.Minute, From: 100, To: 1000}},
		SLOs: []scenarios.SLO{{Op: "pdp-read", Stage: "*", Metric: scenarios.MetricP99,
			Latency: 25 * time.Millisecond, Abort: true, For: 2 * time.Second}},
	}
	watch := report.NewAbortWatch(plan, func(err error) {
		fmt.Println(err)
		fmt.Println("slo failed:", errors.Is(err, report.ErrSLOFailed))
	})
	op := drivers.OpInterval{Latency: drivers.NewHistogram()}
	for seq, latencyMicros := range []int64{4000, 31000, 9000, 30000, 31000, 42000} {
		op.Latency.Reset()
		op.Latency.RecordValues(latencyMicros, 100)
		op.Count = 100
		start := time.Duration(seq) * time.Second
		iv := &drivers.Interval{Seq: uint64(seq), Start: start, End: start + time.Second, Ops: []drivers.OpInterval{op}}
		if err := watch.Interval(iv); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// SLO abort: p99 of pdp-read was 31.007 ms (limit 25 ms) for 2s at 5s
	// slo failed: true
}
