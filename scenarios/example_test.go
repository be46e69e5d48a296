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
		fmt.Printf("%s: %d ops, %d stages, %v\n", s.Name, len(plan.Ops), len(plan.Stages), plan.Duration())
	}
	// Output:
	// bbd-checkout-funnel: 8 ops, 5 stages, 1m5s
	// bbd-flash-sale: 10 ops, 5 stages, 1m30s
	// bbd-flash-sale-aerospike: 4 ops, 5 stages, 1m30s
	// bbd-flash-sale-redis: 4 ops, 5 stages, 1m30s
	// smoke: 2 ops, 2 stages, 10s
}
