package capacity

import (
	"time"
)

// workedExample returns the inputs of capacity-method.md §8.2: the
// listing-api one-replica search and replica sweep, the kv-main node
// sweep, and the bbd-flash-sale forecast.
func workedExample() ([]Search, *Forecast) {
	api := SLO{Percentile: 0.99, LimitMs: 80, MaxErrorRate: 0.001,
		Lines: []string{"p99 ≤ 80 ms (from intended start)", "errors ≤ 0.1 %"}}
	kv := SLO{Percentile: 0.99, LimitMs: 2, MaxErrorRate: 0.0001,
		Lines: []string{"read p99 ≤ 2 ms", "write p99 ≤ 4 ms", "errors ≤ 0.01 %"}}
	one := Search{Tier: "listing-api", Driver: "http", Replicas: 1, SLO: api, Status: "found", MST: 1150,
		Bracket: [2]float64{1150, 1175}, Saturation: 1421}
	for i, r := range []struct {
		phase                    string
		rate, achieved, p50, p99 float64
		errs                     float64
		verdict                  string
	}{
		{"probe", 200, 200, 9.8, 21, 0, "pass"},
		{"probe", 400, 400, 10.1, 23, 0, "pass"},
		{"probe", 800, 800, 11.0, 31, 0, "pass"},
		{"probe", 1600, 1421, 1840, 2950, 0.041, "fail"},
		{"bisect", 1200, 1199, 17.9, 97, 0.0002, "fail"},
		{"bisect", 1000, 1000, 12.4, 44, 0, "pass"},
		{"bisect", 1100, 1100, 13.6, 58, 0, "pass"},
		{"bisect", 1150, 1150, 14.9, 71, 0, "pass"},
		{"bisect", 1175, 1175, 16.2, 84, 0.0001, "fail"},
	} {
		one.Probes = append(one.Probes, Probe{Stage: "listing-api-r1-" + r.phase + "-" + string(rune('a'+i)),
			Phase: r.phase, Rate: r.rate, Achieved: r.achieved, DurationS: 60, Samples: int64(r.achieved * 60),
			LatencyMs: r.p99, MeanMs: r.p50 * 0.95, P50Ms: r.p50, P99Ms: r.p99, ErrorRate: r.errs, Verdict: r.verdict})
	}
	confirm := Probe{Stage: "listing-api-r1-confirm", Phase: "confirm", Rate: 1150, Achieved: 1150, DurationS: 300,
		Samples: 345000, LatencyMs: 73, MeanMs: 14, P50Ms: 15.1, P99Ms: 73, ErrorRate: 0.00004, Verdict: "pass"}
	one.Probes = append(one.Probes, confirm)
	one.Confirm = &confirm
	searches := []Search{one}
	for _, p := range []struct {
		n         int
		mst, skew float64
	}{
		{4, 4620, 1.03}, {8, 9190, 1.05}, {16, 17880, 1.06}, {32, 34990, 1.07}, {64, 67380, 1.07},
		{96, 98230, 1.08}, {128, 123070, 1.08}, {160, 145150, 1.08},
	} {
		searches = append(searches, sweepSearch("listing-api", "http", p.n, api, p.mst, p.skew, 14))
	}
	for _, p := range []struct {
		n         int
		mst, skew float64
	}{
		{2, 810e3, 1.02}, {3, 1.203e6, 1.03}, {4, 1.597e6, 1.03}, {6, 2.397e6, 1.04}, {8, 3.136e6, 1.04},
		{10, 3.961e6, 1.05}, {12, 4.685e6, 1.05},
	} {
		searches = append(searches, sweepSearch("kv-main", "aerospike", p.n, kv, p.mst, p.skew, 0.6))
	}
	event := time.Date(2026, 11, 22, 0, 0, 0, 0, time.FixedZone("", 19800))
	f := &Forecast{Event: event, Timezone: "Asia/Kolkata", Hold: 7200, Lead: 1800,
		Tiers: []TierForecast{
			{Name: "listing-api", Kind: KindDeployment, Namespace: "catalog", BAUPeak: 10000, EventPeak: 100000,
				RampS: 60, Zones: 3, PodsPerNode: 8, PodReadyS: 45, CPURequest: 2, CPUBase: 0.08,
				CPUPerRequest: 0.00158, Prometheus: "http://prometheus.monitoring.svc:9090",
				Query: `sum(rate(http_requests_total{namespace="catalog",service="listing-api"}[1m]))`},
			{Name: "kv-main", Kind: KindAerospike, Namespace: "aerospike", EventPeak: 3.2e6, ReplicationFactor: 2,
				Racks: 3, CurrentSize: 9, Records: 1.2e9, RecordBytes: 1536, NodeMemoryBytes: 64 << 30,
				NodeDiskBytes: 2 * 0.88 * (1 << 40)},
		},
		Policy: Policy{ForecastError: 0.20, MaxUtilisation: 0.85, FailureDomain: DomainNode, KEDA: true,
			KEDAVersion: "2.18", KubernetesVersion: "1.33"},
	}
	return searches, f
}

// workedOptions are the options of the worked example.
func workedOptions() Options {
	return Options{Scenario: "bbd-flash-sale", Seed: 1, Now: time.Date(2026, 11, 1, 23, 0, 0, 0, time.UTC),
		DriverOpsPerS: map[string]float64{"http": 60000, "aerospike": 400000}}
}

// sweepSearch is a found search at n replicas with a confirmation.
func sweepSearch(tier, driver string, n int, slo SLO, mst, skew, meanMs float64) Search {
	c := Probe{Stage: tier + "-confirm", Phase: "confirm", Rate: mst, Achieved: mst, DurationS: 300,
		Samples: int64(mst * 300), LatencyMs: slo.LimitMs * 0.9, MeanMs: meanMs, P50Ms: meanMs,
		P99Ms: slo.LimitMs * 0.9, Verdict: "pass"}
	return Search{Tier: tier, Driver: driver, Replicas: n, SLO: slo, Status: "found", MST: mst,
		Bracket: [2]float64{mst, mst * 1.02}, Saturation: mst * 1.2, Confirm: &c, Skew: skew, Probes: []Probe{c}}
}
