// Package coordinator runs a scenario plan: it builds the targets and the
// driver job from the plan, runs the drivers, fans their intervals out to
// the report's aggregator and the progress view, and writes the results
// directory.
//
// In the DESIGN.md data flow it sits between scenarios.Load and the
// drivers. `surge run` is this coordinator with one in-process driver; the
// distributed mode keeps the same path with remote drivers.
package coordinator
