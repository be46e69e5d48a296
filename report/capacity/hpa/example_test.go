package hpa_test

import (
	"fmt"
	"time"

	"github.com/surgeload/surge/report/capacity/hpa"
)

// The §6.3 spike against the recommended External-metric autoscaler.
func ExampleSimulate() {
	ramp := func(t float64) float64 { return min(10000+1500*t, 100000) }
	b := hpa.SpikeBehavior(87)
	a := hpa.Autoscaler{Min: 12, Max: 500, Behavior: &b, Metrics: []hpa.Metric{{Kind: hpa.External, Target: 800}}}
	env := hpa.Env{Load: ramp, Seconds: 600, Start: 12, PodSLO: 1150, PodRaw: 1400,
		MetricLagS: 30, PodReadyS: 45, TimeoutS: 2, SyncPhaseS: 7}
	out, err := hpa.Simulate(a, env)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("capacity ≥ load after %.0f s, %d s over, %.1f M timed out\n", out.CapacityAfterS, out.SecondsOver, out.TimedOut/1e6)
	for _, s := range out.Timeline[:4] {
		fmt.Printf("t=%3.0f desired %3d ready %3d\n", s.T, s.Desired, s.Ready)
	}
	// Output:
	// capacity ≥ load after 127 s, 124 s over, 5.2 M timed out
	// t=  0 desired  12 ready  12
	// t= 37 desired  26 ready  12
	// t= 52 desired  54 ready  12
	// t= 67 desired  82 ready  12
}

// A one-off pre-scale window around midnight, as KEDA's cron trigger takes it.
func ExampleCronWindowActive() {
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		fmt.Println(err)
		return
	}
	event := time.Date(2026, 11, 22, 0, 0, 0, 0, ist)
	startLine := hpa.CronAt(event.Add(-30*time.Minute), ist)
	endLine := hpa.CronAt(event.Add(2*time.Hour), ist)
	start, _ := hpa.ParseCron(startLine)
	end, _ := hpa.ParseCron(endLine)
	fmt.Printf("start %q end %q\n", startLine, endLine)
	for _, at := range []time.Time{event.Add(-time.Hour), event, event.Add(3 * time.Hour)} {
		fmt.Println(at.Format("15:04"), hpa.CronWindowActive(start, end, at, false))
	}
	// Output:
	// start "30 23 21 11 *" end "0 2 22 11 *"
	// 23:00 false
	// 00:00 true
	// 03:00 false
}
