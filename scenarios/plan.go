package scenarios

import (
	"time"

	"github.com/surgeload/surge/workloads"
)

// Plan is a validated scenario, compiled into the objects a run needs. It is
// what the coordinator splits among drivers. A Plan is read-only once built,
// except through Scale and a caller setting Seed (--seed); read-only, it
// is safe for concurrent use.
type Plan struct {
	Name        string
	Description string
	// Source says where the scenario came from: a file path, or
	// "bundled:NAME" for an embedded one.
	Source string
	// Seed seeds every random choice of the run (keys, sizes, op picks,
	// Poisson gaps); default 1.
	Seed uint64

	Targets   []Target
	Keyspaces []Keyspace
	// Ops is the mix, in file order, then for each journey its own op
	// (Kind "journey") followed by its steps' ops; Op.Weight are the
	// relative weights of arrivals (0 for steps, which journeys run).
	Ops []Op
	// Journeys are the user flows, in file order.
	Journeys []Journey
	// Stages is the load profile, in order; valid for [workloads.NewProfile]
	// (see Profile). Stage names are unique. It is empty when Capacity is
	// set: a search picks its own stages.
	Stages []workloads.Stage
	// Populate lists the keyspaces written before the measured stages, in
	// file order; at most one entry per keyspace.
	Populate []Populate
	// SLOs are the rules, one per metric, in file order.
	SLOs    []SLO
	Options Options
	// Capacity, when set, makes the scenario a capacity search for `surge
	// plan` instead of a run of a profile; its SLO rules then apply to every
	// stage of the search.
	Capacity *CapacitySearch
	// Forecast is the sale event a capacity plan is for; nil when the
	// scenario has none.
	Forecast *Forecast
}

// Target is a named system under test and its driver options. Exactly one of
// the driver option pointers is set, the one named by Driver.
type Target struct {
	Name      string
	Driver    string // "sim", "aerospike", "redis" or "http"
	Sim       *SimTarget
	Aerospike *AerospikeTarget
	Redis     *RedisTarget
	HTTP      *HTTPTarget
}

// SimTarget configures the embedded sim target ([drivers/sim]).
type SimTarget struct {
	Servers     int           // concurrent servers, >= 1
	ServiceTime time.Duration // constant: exact; exponential: mean; lognormal: median
	ServiceDist string        // "constant" (default), "exponential" or "lognormal"
	P99Ratio    float64       // lognormal only: p99 / p50 of the service time, >= 1; default 3
	QueueLimit  int           // ops waiting beyond this are refused as overload; 0 = unbounded
	StallEvery  time.Duration // the whole target pauses every StallEvery ...
	StallFor    time.Duration // ... for StallFor (< StallEvery); 0 = never
	ErrorRate   float64       // fraction of ops that fail with a server error, in [0, 1]
	// Replicas is how many independent copies of the model serve the
	// target behind random routing (capacity-method.md §9.1 mmc-fleet),
	// 1 to 10000; default 1. Always 1 for an endpoint of the embedded shop.
	Replicas int
}

// Keyspace is a named set of keys and the distribution ops draw them from.
type Keyspace struct {
	Name string
	// Prefix starts the names of the keyspace's keys in a KV store, before
	// the key index in decimal ("sku:" for "sku:42"), so that keyspaces do
	// not share keys; default the name and ":".
	Prefix string
	Count  uint64         // keys are 0 to Count-1
	Keys   workloads.Keys // never nil; take a Shard per engine lane
}

// Op is one named entry of the mix.
type Op struct {
	Name     string
	Weight   float64 // relative to the other ops' weights, >= 0
	Target   int     // index into Plan.Targets; -1 for a journey's own op
	Kind     string  // the driver's op kind: "get", "put", "request", ...; "journey" for a journey
	Keyspace int     // index into Plan.Keyspaces; -1 when the op draws no key
	// Sizes picks value sizes in bytes; nil when the op has no value_size:
	// every value is then 0 bytes.
	Sizes workloads.Sizes
	// Batch is how many keys a batch op (batch-get, mget) reads per op,
	// drawn from Keyspace; 0 for single-key ops.
	Batch int
	// Per-driver options; nil when none were given.
	Sim       *SimOp
	Aerospike *AerospikeOp
	Redis     *RedisOp
	HTTP      *HTTPOp
}

// SimOp holds per-op options of the sim target.
type SimOp struct {
	// ServiceTime overrides the target's service time for this op; 0 keeps it.
	ServiceTime time.Duration
}

// Metric is what an SLO rule limits.
type Metric string

// The SLO metrics: latency percentiles and max, and the error rate.
const (
	MetricP50       Metric = "p50"
	MetricP90       Metric = "p90"
	MetricP99       Metric = "p99"
	MetricP999      Metric = "p999"
	MetricMax       Metric = "max"
	MetricErrorRate Metric = "error_rate"
)

// Quantile returns the quantile a latency percentile metric limits, as a
// fraction (0.99 for p99), and whether m is one; the max and the error
// rate are not.
func (m Metric) Quantile() (float64, bool) {
	switch m {
	case MetricP50:
		return 0.5, true
	case MetricP90:
		return 0.9, true
	case MetricP99:
		return 0.99, true
	case MetricP999:
		return 0.999, true
	}
	return 0, false
}

// SLO is one rule: a metric of an op (or "*", every op) in a stage (or "*",
// the whole run) must stay within a limit.
type SLO struct {
	Op     string
	Stage  string
	Metric Metric
	// Latency is the limit of a latency metric.
	Latency time.Duration
	// ErrorRate is the limit of MetricErrorRate, as a fraction (0.001 = 0.1%).
	ErrorRate float64
	// Abort makes the rule an abort rule: breached on the merged data of
	// every driver, interval by interval, for For in a row, it stops the
	// whole run. The rule is still evaluated at the end like any other.
	Abort bool
	// For is how long an abort rule must be breached in a row before the
	// run stops; 0 stops it at the first breached interval. It is set only
	// on abort rules.
	For time.Duration
}

// Options are the run's engine settings.
type Options struct {
	Interval     time.Duration // reporting interval, >= 10ms; default 1s
	MaxInFlight  int           // cap on ops in flight across all workers, >= 1; default 10000
	Workers      int           // generator lanes; 0 (default) = one per CPU
	DrainTimeout time.Duration // how long in-flight ops may finish after the last stage; default 5s
}

// AllOps returns the ops a target may be asked to run: the mix (Op.Index i
// is Ops[i]) followed by the write of each populate entry (Op.Index
// len(Ops)+j is Populate[j].Op). Adapters compile their op table from it.
func (p *Plan) AllOps() []Op {
	all := append([]Op(nil), p.Ops...)
	for _, pop := range p.Populate {
		all = append(all, pop.Op)
	}
	return all
}
