// Package capacity turns maximum-sustainable-throughput searches into a
// capacity plan (capacity-method.md §4.4, §5, §6.4, §8): per tier the
// measured MST per replica and its saturation, a Universal Scalability
// Law fit over the replica sweep with intervals and an honest N* status,
// the replicas a forecast needs with headroom as a product of named
// factors and a failure-domain spare, autoscaling settings with a
// simulated reaction to the forecast ramp and a pre-scale window, Aerospike
// sizing by throughput, memory and disk, and Little's-law pool sizes.
//
// In the DESIGN.md data flow it sits beside package report: the search
// (report/capacity/findmax) records each [Search] in results.json,
// [Analyze] turns searches and a [Forecast] into a [Report] (the
// results.json "capacity" block), and `surge plan` renders it with
// [WriteText] and [WriteYAML] (a KEDA ScaledObject or two autoscaling/v2
// HorizontalPodAutoscalers per Deployment, an AerospikeCluster spec.size
// per Aerospike cluster).
//
// Every number a report shows is a [Value] that names its source:
// measured, fitted (with a 95 % interval), assumed (an input or a
// default) or computed (arithmetic on the others). The planner refuses,
// with a sentence, rather than guess: no plan from invalid stages, no N*
// claim when the data stop far before the peak, no replica count beyond
// twice the largest tested size, and "unattainable by scale-out" when the
// required capacity exceeds the fitted peak throughput.
//
// Analyze, WriteText and WriteYAML are pure functions of their inputs
// (the bootstrap is seeded), so the same input gives the same bytes.
package capacity
