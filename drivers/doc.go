// Package drivers is the load driver: the [Target] interface that every
// adapter implements, the op and error types, and the open-loop engine that
// turns a [Job] into traffic and measurements.
//
// In the DESIGN.md data flow it sits after the coordinator's split: the
// engine computes each op's intended start time from the load profile,
// picks op, key and value size from the workloads, hands the op to a fixed
// pool of workers bounded by the in-flight cap, and records latency (from
// the intended time), service time (from the send) and schedule lag into
// per-lane HDR histograms. At each interval boundary the histograms are
// swapped for spares and merged off the hot path into an [Interval] for the
// [Sink]: the report's aggregator, the live view, or a remote coordinator.
//
// Time comes only from a [Clock], so a run under a virtual clock (see
// [WallClock]) is a discrete-event simulation.
package drivers
