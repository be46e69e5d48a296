// Package queueing is the M/M/c queue in closed form: Erlang B and C, the
// response-time tail and its quantiles, the maximum sustainable throughput
// (MST) of a pool of servers against a latency SLO, and the size of a
// connection or worker pool for a bound on the chance of waiting.
//
// It serves three purposes in surge's capacity planning (`surge plan`,
// capacity-method.md §4). The planner uses it for sanity checks beside the
// measured numbers (how steeply p99 rises with utilisation at a pod's
// concurrency) and to size client connection pools ([PoolSize]). And it is
// the analytic truth that surge's capacity tests compare against: the
// drivers/sim mmc target is an M/M/c queue, so a findmax search run on it
// must land on [MST] (§9.1, §9.2 V1–V3).
//
// The model has Poisson arrivals at rate λ, c identical servers each
// completing work at exponential rate μ, first-come first-served order and
// an unbounded queue. Rates are per second and times are seconds. Real
// service times are heavier-tailed and real traffic (a flash sale) is
// burstier than Poisson (§4.3), so on real targets these numbers are
// optimistic: they are sanity checks and test oracles, never sizing rules.
// Sizing comes from measured MST.
//
// Every function is a pure function of its arguments, allocates nothing and
// is safe for concurrent use. Invalid arguments (NaN, negative rates, no
// servers, a quantile level out of range) give NaN rather than a panic.
package queueing
