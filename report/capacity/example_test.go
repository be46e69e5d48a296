package capacity_test

import (
	"fmt"
	"time"

	"github.com/surgeload/surge/report/capacity"
)

// Five sizes are too few for a USL fit: the planner assumes linear
// scaling from the largest size, labels the plan, and says why.
func ExampleAnalyze() {
	var searches []capacity.Search
	for _, n := range []int{1, 2, 4, 8, 16} {
		mst := 1000 * float64(n)
		searches = append(searches, capacity.Search{Tier: "api", Driver: "http", Replicas: n, Status: "found",
			MST: mst, Bracket: [2]float64{mst, 1.02 * mst}, Saturation: 1.2 * mst})
	}
	f := &capacity.Forecast{Event: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Timezone: "UTC",
		Tiers: []capacity.TierForecast{{Name: "api", Kind: capacity.KindDeployment, BAUPeak: 2000,
			EventPeak: 10000, RampS: 60}},
		Policy: capacity.Policy{KEDA: true}}
	r := capacity.Analyze(searches, f, capacity.Options{})
	p := r.Tiers[0].Plan
	fmt.Printf("required %.0f req/s (%s)\n", p.RequiredCapacity.Value, p.RequiredCapacity.Source)
	fmt.Printf("plan %.0f pods, %s\n", p.Replicas.Value, p.Label)
	fmt.Printf("HPA %.0f req/s per pod\n", r.Tiers[0].Autoscaling.HPA.RPSPerPod.Value)
	fmt.Println(r.Tiers[0].Warnings[0])
	// Output:
	// required 15529 req/s (computed)
	// plan 24 pods, assumed_linear
	// HPA 417 req/s per pod
	// The USL needs at least 6 tested sizes and api has 5: capacity is assumed linear from the largest tested size (16 pods at 16,000 ops/s, 1,000 per replica) and the plan is capped at 2× that size, 32 pods.
}
