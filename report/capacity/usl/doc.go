// Package usl fits Gunther's Universal Scalability Law to measured
// throughput and answers the questions a capacity plan asks of it: where
// scaling out stops paying (the peak N* and X_max), how many units a
// target throughput needs (the inverse N(T)), and how far the fit can be
// trusted (standard errors, bootstrap intervals, an identification flag,
// labels for predictions and warnings in full sentences).
//
// The model is
//
//	X(N) = λN / (1 + σ(N−1) + κN(N−1))
//
// where N is the number of units (pods of a Deployment, nodes of a
// cluster, or closed-loop clients), λ the throughput of one unit, σ the
// contention (serialised fraction) and κ the coherency cost. In the
// DESIGN.md data flow the package sits under report/capacity: the
// planner hands it one point per replica count, each the maximum
// sustainable throughput that the findmax search measured at that size,
// and reads back a [Fit]. It uses the standard library only.
//
// [FitPoints] follows the capacity method (§3.3): validation and the
// minimum-data rules, a start from λ0 = max X/N and Gunther's linearised
// quadratic, then a bounded Levenberg–Marquardt fit on the original scale
// (σ ∈ [0,1], κ ≥ 0, λ > 0, as the R package usl bounds it) with the
// analytic Jacobian, standard errors from the gradient, and a seeded
// residual bootstrap for intervals on any derived number
// ([Fit.Interval]).
//
// Warning for anyone porting code from codahale/usl or usl4j: do not copy
// their LatencyAtThroughput, (σ−1)/(σX − λ). It is the κ = 0 special case
// of the inverse, not the inverse: with the model σ = κ = 0.06, λ = 40 it
// returns 0.05875 s at X = 400 although X_max is 84.2, and their
// ConcurrencyAtThroughput inherits the error. Mean latency at a throughput
// T is N(T)/T with [Model.N], which takes the smaller root of the full
// quadratic and reports T > X_max as unattainable.
//
// Everything here is a pure function of its inputs and the seed; a [Fit]
// is not modified after [FitPoints] returns, so it is safe for concurrent
// reads.
package usl
