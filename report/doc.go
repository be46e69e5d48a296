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
// [ErrSLOFailed].
//
// Latency is measured from the intended start of each op (DESIGN.md
// "Measurement definitions"); service time and schedule lag are kept beside
// it. Histogram values are int64 microseconds; results show milliseconds.
package report
