// Package report turns the measurements of a run into results: it merges
// the interval reports of one or more engines exactly, evaluates the
// scenario's SLOs, and renders results.json, intervals.hlog, the text
// summary and the progress line.
//
// In the DESIGN.md data flow it sits after the drivers: each engine hands
// every closed [drivers.Interval] to a [drivers.Sink]; an [Aggregator] is
// that sink (beside a [Progress] line for the terminal). The Aggregator
// keeps one set of HDR histograms per (stage, op) and no per-interval
// state, so its memory does not grow with the length of a run. At the end,
// [Aggregator.Results] builds the [Results] that [WriteJSON] writes as
// results.json (schema surge.results/v1), [WriteText] renders as the
// summary, and [Results.Err] turns into the exit code through
// [ErrSLOFailed]. Beside them, an [AbortWatch] judges the scenario's abort
// rules interval by interval, on the merged data of every driver, and
// stops the run early with an [*AbortError] when one is breached long
// enough. In a distributed run the coordinator tells the report, through
// [Meta], which drivers were lost ([LostDriver]) and how each fared
// ([DriverStats]); the results then say what share of each stage's load
// was not offered.
//
// Latency is measured from the intended start of each op (DESIGN.md
// "Measurement definitions"); service time and schedule lag are kept beside
// it. Histogram values are int64 microseconds; results show milliseconds.
package report
