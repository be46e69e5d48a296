// Package workloads models the traffic a surge run replays: which op runs
// next, on which key, with how large a value, and when it should start.
//
// In the DESIGN.md data flow it sits under the scenario and inside every
// driver:
//
//	scenario.yaml ─► scenarios.Load ─► Plan ─► coordinator ─split─► driver(s)
//	                                    │                              │
//	                  Stages, Keys, Sizes, op weights      workloads: pick op + key
//	                  (types from this package)            engine: schedule, call target
//
// scenarios compiles a scenario file into values of this package (the
// [Stage]s of the load profile, [Keys] per keyspace, [Sizes] per op, and
// the weights a [Mix] is built from). The coordinator splits a run among
// drivers with [Keys.Shard] and [Profile.Scale]. Each engine lane then
// turns them into ops: a [Schedule] over the [Profile] gives intended start
// times (from which latency is measured, coordinated omission included),
// and the Mix, Keys and Sizes pick what each op does.
//
// Everything here is pure and deterministic for a seed: randomness comes in
// as a *rand.Rand (see [NewRand] for independent streams per lane), and
// there is no I/O, no clock, no goroutine and no mutable global state. The
// per-op methods (Next, Pick) do not allocate.
//
// The key distributions follow YCSB's core workload generators: uniform,
// zipfian (Gray et al., plus rejection-inversion for theta >= 1), scrambled
// zipfian, hotspot, latest and sequential.
package workloads
