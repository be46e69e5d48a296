// Package hpa models Kubernetes horizontal autoscaling for surge plan: the
// HorizontalPodAutoscaler controller's arithmetic, a per-second fluid
// simulator of a traffic spike against it, and the KEDA cron trigger that
// pre-scales a Deployment for an event.
//
// In the DESIGN.md data flow it sits under the planner (report/capacity):
// the planner measures what one pod sustains, then asks this package how
// a recommended (or the current) autoscaler configuration reacts to the
// forecast ramp, and which cron lines deliver the pre-scale floor.
//
// # Controller
//
// [Controller] re-implements one HPA's reconcile loop as the
// kube-controller-manager runs it (pkg/controller/podautoscaler,
// horizontal.go and replica_calculator.go): per-metric proposals with the
// tolerance, CPU readiness set-aside and missing-metric rules, the maximum
// over metrics, the recommendation history behind the stabilisation
// windows, the scale-event history behind the behaviour policies, the
// legacy path when no behaviour is given, and the min/max bounds. Time is
// a float64 of seconds chosen by the caller; nothing reads a clock.
//
// # Simulator
//
// [Simulate] steps a fluid model one second at a time (spec §6.3, §6.6):
// offered load, pods with ready times, a bounded backlog, a lagged metric
// and a [Controller] at every sync. It ranks configurations; it does not
// predict error rates precisely.
//
// # KEDA cron
//
// [ParseCron] reads the 5-field Linux cron lines that KEDA's cron trigger
// takes, [Cron.Next] finds the next firing in a time zone, and
// [CronWindowActive] applies KEDA's window rule (current and pre-2.16).
// [CronAt] writes the one-off line for an instant, and [CronFloor] turns a
// window into the replica floor the simulator applies.
//
// Nothing in the package keeps global state; values are safe to share
// once built, and a [Controller] belongs to one goroutine.
package hpa
