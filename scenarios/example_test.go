package scenarios_test

import (
	"fmt"

	"github.com/surgeload/surge/scenarios"
)

func ExampleParse() {
	plan, err := scenarios.Parse("sale.yaml", []byte(`
name: sale
targets:
  kv: {driver: sim, servers: 32, service_time: 1ms}
keyspaces:
  products: {count: 1M, distribution: zipfian}
mix:
  pdp-read: {weight: 9, target: kv, op: get, keyspace: products, value_size: 2KiB}
  cart-write: {weight: 1, target: kv, op: put, keyspace: products, value_size: 1KiB}
profile:
  - {name: warm-up, duration: 10s, ramp_to: 5k}
  - {name: surge, duration: 60s, rate: 5k, ramp_to: 50k}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Name, len(plan.Ops), "ops over", plan.Duration())
	for _, st := range plan.Stages {
		fmt.Printf("%s: %v from %.0f to %.0f ops/s\n", st.Name, st.Duration, st.From, st.To)
	}

	_, err = scenarios.Parse("typo.yaml", []byte("name: typo\nprofle: []\n"))
	fmt.Println(err)
	// Output:
	// sale 2 ops over 1m10s
	// warm-up: 10s from 0 to 5000 ops/s
	// surge: 1m0s from 5000 to 50000 ops/s
	// typo.yaml:1:1: the scenario: missing required key "targets"
	// typo.yaml:1:1: the scenario: missing required key "mix" (or "journeys"): what to send
	// typo.yaml:2:1: unknown key "profle" in the scenario; did you mean "profile"?
}

func ExampleBundled() {
	for _, s := range scenarios.Bundled() {
		plan, err := scenarios.LoadBundled(s.Name)
		if err != nil {
			fmt.Println(err)
			return
		}
		if plan.Capacity != nil {
			fmt.Printf("%s: %d ops, capacity search at %d sizes\n", s.Name, len(plan.Ops), len(plan.Capacity.Replicas))
			continue
		}
		fmt.Printf("%s: %d ops, %d stages, %v\n", s.Name, len(plan.Ops), len(plan.Stages), plan.Duration())
	}
	// Output:
	// bbd-capacity-search: 1 ops, capacity search at 6 sizes
	// bbd-checkout-funnel: 8 ops, 5 stages, 1m5s
	// bbd-flash-sale: 10 ops, 5 stages, 1m30s
	// bbd-flash-sale-aerospike: 4 ops, 5 stages, 1m30s
	// bbd-flash-sale-redis: 4 ops, 5 stages, 1m30s
	// smoke: 2 ops, 2 stages, 10s
}

func ExampleParse_capacity() {
	plan, err := scenarios.Parse("search.yaml", []byte(`
name: kv-search
targets:
  kv: {driver: sim, servers: 4, service_time: 5ms, service_dist: exponential}
keyspaces:
  products: {count: 1M}
mix:
  pdp-read: {weight: 1, target: kv, op: get, keyspace: products}
slo:
  - {op: pdp-read, p99: 50ms, error_rate: 0.1%}
capacity: {start_rate: 100, stage: 30s, replicas: [1, 2, 4]}
forecast:
  event: 2026-11-22T00:00:00+05:30
  tiers: {kv: {kind: aerospike, event_peak: 3.2M}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := plan.Capacity
	fmt.Printf("search %s from %.0f ops/s at replicas %v, %v probes after %v warm-up, %d stages planned\n",
		plan.Targets[c.Targets[0]].Name, c.StartRate, c.Replicas, c.Stage, c.Warmup, len(plan.Stages))
	fc := plan.Forecast
	fmt.Printf("event %s (%s), %s tier %s at %.3g req/s\n",
		fc.Event.Format("2006-01-02 15:04"), fc.Location, fc.Tiers[0].Kind, fc.Tiers[0].Name, fc.Tiers[0].EventPeak)
	// Output:
	// search kv from 100 ops/s at replicas [1 2 4], 30s probes after 10s warm-up, 0 stages planned
	// event 2026-11-22 00:00 (UTC+05:30), aerospike tier kv at 3.2e+06 req/s
}
