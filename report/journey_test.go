package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
	"github.com/surgeload/surge/workloads"
)

// journeyPlan has one mix op and a journey (op 1) of two steps (ops 2, 3).
func journeyPlan() *scenarios.Plan {
	return &scenarios.Plan{
		Name:    "funnel",
		Targets: []scenarios.Target{{Name: "shop", Driver: "http"}},
		Ops: []scenarios.Op{
			{Name: "ping", Weight: 1, Target: 0},
			{Name: "buyer", Weight: 1, Target: -1, Kind: "journey"},
			{Name: "buyer.product", Target: 0},
			{Name: "buyer.checkout", Target: 0},
		},
		Journeys: []scenarios.Journey{{Name: "buyer", Op: 1, Steps: []scenarios.Step{
			{Name: "product", Op: 2}, {Name: "checkout", Op: 3}}}},
		Stages:  []workloads.Stage{{Name: "peak", Duration: 10 * time.Second, From: 20, To: 20}},
		Options: scenarios.Options{Interval: time.Second, MaxInFlight: 64},
	}
}

// The funnel adds up: 100 journeys began; 60 completed, 30 left after the
// product page, 8 failed at checkout and 2 were cut short by the run.
func TestJourneyFunnel(t *testing.T) {
	plan := journeyPlan()
	a, err := NewAggregator(plan, AggregatorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := func(n int64, micros int64) *drivers.OpInterval {
		o := &drivers.OpInterval{Latency: drivers.NewHistogram(), Service: drivers.NewHistogram(), Lag: drivers.NewHistogram()}
		for range n {
			o.Latency.RecordValue(micros)
		}
		return o
	}
	journey := h(68, 200_000)
	journey.Op, journey.Count, journey.Completed = 1, 100, 100
	journey.Errors[drivers.ClassAbandoned] = 30
	journey.Errors[drivers.ClassHTTP503] = 8
	journey.Errors[drivers.ClassCanceled] = 2
	product := h(100, 5_000)
	product.Op, product.Count, product.Completed, product.Left = 2, 100, 100, 30
	checkout := h(70, 20_000)
	checkout.Op, checkout.Count, checkout.Completed = 3, 70, 70
	checkout.Errors[drivers.ClassHTTP503] = 8
	checkout.Errors[drivers.ClassUnsent] = 2
	ping := h(100, 1_000)
	ping.Op, ping.Count, ping.Completed = 0, 100, 100
	iv := &drivers.Interval{End: 10 * time.Second, Ops: []drivers.OpInterval{*ping, *journey, *product, *checkout}}
	if err := a.Interval(iv); err != nil {
		t.Fatal(err)
	}
	// The progress line's rate counts arrivals (ping and journeys begun),
	// its errors requests (8 failed checkouts and 2 unsent of 270 requests).
	var progress bytes.Buffer
	if err := NewProgress(&progress, plan, false).Interval(iv); err != nil {
		t.Fatal(err)
	}
	if line := progress.String(); !strings.Contains(line, "20/s (intended") || !strings.Contains(line, "err 3.70%") {
		t.Errorf("progress line %q; want 20/s achieved and err 3.70%%", line)
	}
	r := a.Results(Meta{DriversPlanned: 1, DriversCompleted: 1})
	j := r.Journeys[0]
	want := JourneyResult{Name: "buyer", Started: 100, Completed: 60, Abandoned: 30, Failed: 8, Canceled: 2,
		CompletionRate: 0.6122}
	got := j
	got.Latency, got.Steps = Latency{}, nil
	if !cmp.Equal(got, want) {
		t.Errorf("funnel %+v; want %+v", got, want)
	}
	if j.Latency.P50 < 199.9 || j.Latency.P50 > 200.1 {
		t.Errorf("journey p50 %vms; want 200", j.Latency.P50)
	}
	steps := []JourneyStepResult{
		{Name: "product", Op: "buyer.product", Reached: 100, Left: 30, LeftRate: 0.3},
		{Name: "checkout", Op: "buyer.checkout", Reached: 68, Failed: 8},
	}
	for i, st := range steps {
		if j.Steps[i] != st {
			t.Errorf("step %d: %+v; want %+v", i, j.Steps[i], st)
		}
	}
	if len(r.Stages[0].Journeys) != 1 || r.Stages[0].Journeys[0].Started != 100 {
		t.Errorf("stage funnel %+v; want the same 100 journeys", r.Stages[0].Journeys)
	}
	// The stage's achieved rate counts arrivals (the ping and the
	// journeys), not the steps the journeys ran.
	if got := r.Stages[0].AchievedRate; got != 20 {
		t.Errorf("achieved %v/s; want 20", got)
	}
	if e := r.Totals[1].ErrorRate; e != 0.1 {
		t.Errorf("journey error rate %v; want 0.1 (abandonment is no error)", e)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"journey buyer  started 100  completed 60 (61.22%)  abandoned 30  failed 8  canceled 2  latency p50 200ms",
		"  journey buyer: started 100  completed 60 (61.22%)  abandoned 30  failed 8  canceled 2\n",
		"  product   100      30 (30.00%)  0",
		"  checkout  68       0 (0.00%)    8",
	} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("summary lacks %q:\n%s", line, buf.String())
		}
	}
}
