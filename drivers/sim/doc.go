// Package sim is the embedded target with a known capacity model: a pool of
// servers that take ops first-in first-out, service times from a chosen
// distribution, a bounded queue that sheds load as overload errors, periodic
// whole-target stalls (a GC pause, a migration) and injected errors,
// optionally as a fleet of independent replicas behind random routing.
//
// It is the default target of `surge run` and the ground truth of surge's
// own tests: because the model is exact, a test can say what the latency
// tail, the throughput at saturation or the overload count must be, and
// check that the engine reports it. [Target] reads time only from a
// [drivers.Clock], so it runs the same under the wall clock and in virtual
// time; its queueing core is the pure discrete-event [Model], which a test
// or a capacity search can also run on its own, without a clock.
package sim
