package capacity

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// FuzzAnalyze drives the planner with arbitrary sweeps, forecasts and
// policies. Invariants: the report encodes as JSON (no NaN or infinity in
// any value), the text and YAML render, the YAML parses, and a plan never
// exceeds twice the largest tested size.
func FuzzAnalyze(f *testing.F) {
	f.Add(1150.0, 0.0004, 6.6e-6, uint8(9), 100000.0, int8(3), int8(8), 0.2, 0.85, 0.0, false, uint8(0), 10000.0)
	f.Add(400e3, 0.0025, 2.2e-5, uint8(7), 3.2e6, int8(3), int8(0), 0.2, 0.85, 1.05, true, uint8(1), 0.0)
	f.Add(1000.0, 0.05, 0.002, uint8(8), 8000.0, int8(1), int8(4), 0.1, 0.5, 0.0, false, uint8(2), 500.0)
	f.Add(10.0, 0.0, 0.0, uint8(3), 1e9, int8(0), int8(-1), -1.0, 2.0, -3.0, true, uint8(9), -5.0)
	f.Fuzz(func(t *testing.T, mst, sigma, kappa float64, nsizes uint8, peak float64, zones, ppn int8,
		eps, umax, skew float64, kv bool, domain uint8, bau float64) {
		if !finite(mst) || !finite(sigma) || !finite(kappa) || !finite(peak) || !finite(eps) || !finite(umax) ||
			!finite(skew) || !finite(bau) || math.Abs(peak) > 1e12 || math.Abs(mst) > 1e9 || math.Abs(bau) > 1e12 {
			return
		}
		sigma, kappa = math.Min(math.Abs(sigma), 1), math.Min(math.Abs(kappa), 1)
		x := uslX(sigma, kappa, math.Abs(mst))
		var sizes []int
		for i := range int(nsizes % 12) {
			sizes = append(sizes, 1<<i)
		}
		searches := sweepOf("t", sizes, 1+math.Mod(math.Abs(skew), 1), x)
		kind := KindDeployment
		if kv {
			kind = KindAerospike
		}
		fc := &Forecast{Event: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Timezone: "UTC",
			Tiers: []TierForecast{{Name: "t", Kind: kind, EventPeak: peak, BAUPeak: bau, RampS: 60,
				Zones: int(zones), PodsPerNode: int(ppn), Racks: int(zones), ReplicationFactor: int(ppn % 4),
				Records: math.Abs(peak), RecordBytes: 1000, NodeMemoryBytes: 1 << 36, NodeDiskBytes: 1 << 40}},
			Policy: Policy{ForecastError: eps, MaxUtilisation: umax, Skew: skew,
				FailureDomain: []string{"", DomainNode, DomainZone, DomainNone}[domain%4], KEDA: domain%2 == 0}}
		r := Analyze(searches, fc, Options{Seed: 1, Bootstrap: 20})
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not encode: %v", err)
		}
		var txt, yml bytes.Buffer
		if err := WriteText(&txt, r, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := WriteYAML(&yml, r); err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(&yml)
		for {
			var doc any
			if err := dec.Decode(&doc); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("YAML does not parse: %v", err)
				}
				break
			}
		}
		for _, tr := range r.Tiers {
			if p := tr.Plan; p != nil && p.Replicas != nil && len(tr.Sizes) > 0 {
				top := tr.Sizes[len(tr.Sizes)-1].Replicas.Value
				if p.Replicas.Value < 1 || p.Replicas.Value > refuseBeyond*top {
					t.Errorf("plan %v replicas with the largest tested size %v", p.Replicas.Value, top)
				}
			}
		}
	})
}
