// Package scenarios reads scenario files: the YAML schema (version 1), a
// strict loader whose every complaint names file:line:col, what was
// expected and, for misspellings, what was probably meant, and the
// compilation of a valid scenario into a [Plan] of [workloads] objects. It
// also embeds the bundled scenarios ([Bundled], [LoadBundled], [Resolve]).
//
// In the DESIGN.md data flow it is the first step:
//
//	scenario.yaml ─► scenarios.Load ─► Plan ─► coordinator ─split─► driver(s)
//
// The coordinator splits the Plan among drivers, the report package reads
// its SLOs, and cmd/surge maps an [*Error] to exit code 2. Loading is pure:
// no goroutines, no clocks, and a Plan is the same for the same bytes.
//
// # Schema, version 1
//
// A scenario is one YAML mapping. Keys are exact (snake_case); unknown,
// duplicate and missing keys are errors. Top-level keys starting with "x-"
// are ignored: they hold anchors that the rest of the file aliases (*op) or
// merges (<<: *op; keys set beside a merge key win).
//
//	version      optional; 1, the only version
//	name         required; a DNS label: [a-z0-9-], at most 63, starts and ends alphanumeric
//	description  optional; one line, shown by `surge scenario list`
//	seed         optional, default 1; 0 to 2^64-1
//	targets      required; name -> {driver: NAME, ...the driver's options}
//	keyspaces    required; name -> {count, distribution, ...}
//	mix          required; name -> op, in file order
//	profile      required, except with capacity; a list of stages
//	slo          optional; a list of rules
//	options      optional; engine settings
//	capacity     optional; makes the scenario a capacity search (no profile)
//	forecast     optional; the sale event a capacity plan is for
//
// Names of targets, keyspaces, ops and stages are letters, digits, '.', '_'
// and '-'. References to them are checked, with a suggestion when
// misspelt.
//
// Target, driver "sim" (the embedded capacity model; [SimTarget]):
//
//	servers       required; whole number >= 1
//	service_time  required; duration: constant: exact; exponential: mean; lognormal: median
//	service_dist  constant (default), exponential or lognormal
//	p99_ratio     lognormal p99 / p50, >= 1; default 3
//	queue_limit   ops waiting beyond it fail as overload; default 0, unbounded
//	stall_every   the target pauses every stall_every ...
//	stall_for     ... for stall_for (shorter); default none
//	error_rate    fraction failing with a server error; default 0
//	replicas      independent copies of the model behind random routing,
//	              1 to 10000; default 1
//
// Keyspace:
//
//	count         required; 1 to 2^53 keys
//	distribution  uniform (default), zipfian, hotspot, latest or sequential
//	theta         zipfian and latest: skew > 0; default 0.99
//	scrambled     zipfian: spread hot keys over the keyspace; default true
//	hot_set       hotspot: fraction of keys that are hot, in (0, 1); default 20%
//	hot_ops       hotspot: fraction of ops on hot keys; default 80%
//
// A key that does not apply to the distribution (theta on uniform) is an
// error.
//
// Op (an entry of mix):
//
//	weight      required; relative, >= 0; the weights must not all be 0
//	target      required; a target's name
//	op          required; the driver's op kind. sim: get, put, add, delete,
//	            touch, exists, operate, batch-get
//	keyspace    required; a keyspace's name
//	value_size  a size (2KiB), {min: 512B, max: 4KiB} (uniform), or a list of
//	            {size, weight} buckets; required for put, otherwise default 0
//	options     driver-specific. sim: {service_time: DURATION}, overriding
//	            the target's for this op
//
// Stage (an item of profile):
//
//	name      required; unique
//	duration  required; > 0
//	rate      ops/s at the start; default: the previous stage's end rate (0 first)
//	ramp_to   ops/s at the end, reached linearly; default: rate (constant)
//	steps     with ramp_to: a staircase of this many equal steps from rate to ramp_to
//	arrival   uniform (default: evenly spaced) or poisson
//
// A stage needs rate, ramp_to or both.
//
// SLO rule (an item of slo); each limit becomes one [SLO]:
//
//	op     an op's name or "*" (default: every op)
//	stage  a stage's name or "*" (default: the whole run)
//	p50, p90, p99, p999, max   latency limits (durations)
//	error_rate                 a fraction or percentage
//	abort  true: breached on the merged data of every driver, the rule
//	       stops the whole run (default false)
//	for    with abort: true, how long the breach must last, interval by
//	       interval, before the run stops; default 0, the first breach
//
// A rule needs at least one limit.
//
// Options:
//
//	interval       reporting interval; default 1s, at least 10ms
//	max_in_flight  ops in flight at once, >= 1; default 10k
//	workers        generator lanes; default 0, one per CPU
//	drain_timeout  how long in-flight ops may finish after the last stage; default 5s
//
// Capacity ([CapacitySearch]): for each target, and each replica count,
// find the maximum sustainable throughput against the SLO by probing at
// rising rates, bisecting and confirming. The search picks its own stages,
// so profile and journeys are not allowed, and SLO rules may not name a
// stage nor abort. Every searched target needs a latency rule that covers
// its ops.
//
//	targets     target names, searched one after the other; default every
//	            target the mix uses, in file order
//	start_rate  first probe's rate, > 0; default 100
//	stage       measured length of a probe; default 60s
//	warmup      excluded start of every probe, shorter than stage and
//	            confirm; default 10s
//	confirm     length of the confirmation; default 300s
//	cooldown    idle time between probes, once nothing is in flight; default 10s
//	precision   the bisection stops at this relative bracket, in (0, 50%]; default 2%
//	growth      rate multiplier from probe to probe, > 1; default 2
//	max_rate    probing stops here, >= start_rate; default 10M
//	backoffs    confirmations tried, each after a failed one 3% lower; default 3
//	replicas    distinct replica counts >= 1 to search at; default [1]. Sim
//	            targets are rebuilt with each; other drivers take exactly
//	            one, the size they run at
//
// Forecast ([Forecast]); also readable alone with [LoadForecast]:
//
//	event     required; RFC 3339 with offset: 2026-11-22T00:00:00+05:30
//	timezone  IANA name; default the event's offset as a fixed zone
//	hold      how long the peak may last, > 0; default 2h
//	lead      how long before the event pre-scaling starts; default 30m
//	tiers     required; target name -> tier
//	policy    headroom and autoscaling policy
//
// Forecast tier ([ForecastTier]):
//
//	kind          deployment or aerospike; default aerospike for the
//	              aerospike driver, else deployment
//	namespace     Kubernetes namespace; default "default"
//	object        Kubernetes object name; default the tier's name
//	event_peak    required; req/s, > 0
//	bau_peak      req/s, at most event_peak; default 0, unknown
//	ramp          from bau_peak to event_peak; default 60s
//	max_replicas  quota of pods or nodes; default none
//	deployment only:
//	zones, pods_per_node   >= 1; default 3 and 8
//	pod_ready, metric_lag  default 0, unknown (the planner assumes 45s and 30s)
//	cpu                    {request, base, per_request} in cores (2, 500m)
//	prometheus             {server: URL, query: PromQL of the request rate}
//	aerospike only:
//	replication_factor, racks  >= 1; default 2 and 1
//	records                    count (1.2G); record_size, node_memory,
//	                           node_disk sizes (1.5KiB, 64GiB, 1.76TiB)
//	current_size               nodes today
//
// Forecast policy ([ForecastPolicy]):
//
//	forecast_error   0 to 500%; default 20%
//	max_utilisation  (0, 100%]; default 85%
//	skew             >= 1; default measured (1.10 when not)
//	failure_domain   node (default), zone or none
//	headroom         >= 1, replaces the product of the factors; default none
//	keda             true (default): a KEDA ScaledObject; false: an HPA
//	keda_version, kubernetes_version   like "2.18" and "1.33"
//
// # Units
//
// Durations are Go durations: 30s, 250ms, 250us or 250µs, 1m30s, 2h (a bare
// 0 is allowed, other bare numbers are not). Counts and weights take k, M
// and G (10^3, 10^6, 10^9): 50k, 1.2M; whole-number fields refuse
// fractions. Rates are counts in ops/s, optionally written 50k/s, up to
// 1000G. Fractions are 0.001 or 0.1%, within [0, 1]. Sizes are bytes:
// 512, 512B, 4KB (4000), 4KiB (4096), 1MiB, up to 1GiB for values; the
// capacity sizes of a forecast also take TB, TiB, PB and PiB. CPU is in
// cores: 2, 0.5 or 500m.
package scenarios
