package findmax

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Line is one latency line of the SLO a search judges against.
type Line struct {
	// Op names the op the line limits; "" or "*" is every op of the tier.
	Op string
	// Quantile is the percentile as a fraction (0.99); 1 limits the max.
	Quantile float64
	Limit    time.Duration
}

// String writes the line as a person reads it: "pdp-read p99 ≤ 25 ms".
func (l Line) String() string {
	op := l.Op
	if op == "" {
		op = "*"
	}
	return fmt.Sprintf("%s %s ≤ %s", op, quantileName(l.Quantile), l.Limit)
}

func quantileName(q float64) string {
	if q >= 1 {
		return "max"
	}
	s := fmt.Sprintf("%g", q*100)
	if len(s) > 2 && s[:2] == "99" && len(s) > 3 {
		return "p" + s[:2] + s[3:] // 99.9 -> p999
	}
	return "p" + s
}

// Measurement is what one probe measured after its warm-up: the input of
// the stage rules. Histograms hold latency from the intended start in
// microseconds, errors and timeouts included.
type Measurement struct {
	// Duration is the measured part of the stage, after the warm-up.
	Duration time.Duration
	// Scheduled counts the starts the schedule issued in the measured part;
	// Completed the ops (of any outcome) the target finished in it.
	Scheduled, Completed int64
	// Count is the measured part's ops that finished, failed or were never
	// sent; Errors the failures among them.
	Count, Errors int64
	// Waited counts starts that found the in-flight cap full; Late those the
	// scheduler itself dispatched late with workers free (short of CPU).
	Waited, Late int64
	// Lag is the schedule lag (send minus intended start); Service the
	// service time (completion minus send).
	Lag, Service *hdrhistogram.Histogram
	// Latency merges every op of the tier; Thirds splits it by when the ops
	// finished: the first, middle and last third of the measured part.
	Latency *hdrhistogram.Histogram
	Thirds  [3]*hdrhistogram.Histogram
	// Ops holds the latency of each named op, for SLO lines of one op, and
	// OpCounts its count and errors, for error rules of one op.
	Ops      map[string]*hdrhistogram.Histogram
	OpCounts map[string][2]int64
	// InFlightEnd counts the measured part's ops still in flight when it
	// ended.
	InFlightEnd int64
	// Missing names the drivers that did not report every interval of the
	// stage; empty when all did.
	Missing string
	// ReplicaLoad is the ops each replica of the target served during the
	// probe, when the target can tell; nil otherwise.
	ReplicaLoad []int64
}

// Verdict is a stage's classification.
type Verdict string

// The verdicts: an invalid stage measured the generator, not the target,
// and is never used.
const (
	Pass    Verdict = "pass"
	Fail    Verdict = "fail"
	Invalid Verdict = "invalid"
)

// Rules are the stage rules of a search (capacity-method.md §2.2), with
// their thresholds.
type Rules struct {
	Lines []Line
	// MaxErrorRate is the error budget of the tier's ops together, as a
	// fraction; negative means none. OpErrorRates holds the budgets of
	// single ops, by name.
	MaxErrorRate float64
	OpErrorRates map[string]float64
	// KeepUp is the least completed/scheduled ratio; default 0.98.
	KeepUp float64
	// Growth is how much the last third's p99 may exceed the first's;
	// default 1.25.
	Growth float64
}

// tightest returns the smallest latency limit of the lines, the one the
// generator's own lag is judged against.
func (r *Rules) tightest() time.Duration {
	var l time.Duration
	for _, ln := range r.Lines {
		if l == 0 || ln.Limit < l {
			l = ln.Limit
		}
	}
	return l
}

// MinSamples is the least number of measured requests that can support the
// SLO's highest percentile: 100/(1−q), so 10,000 for p99.
func (r *Rules) MinSamples() int64 {
	q, ok := r.highestQuantile()
	if !ok {
		return 100
	}
	return int64(math.Ceil(100/(1-q) - 1e-9))
}

// Classify applies the validity rules and then the pass rules to m. The
// reasons are sentences, one per broken rule.
func (r *Rules) Classify(m *Measurement) (Verdict, []string) {
	keepUp, growth := r.KeepUp, r.Growth
	if keepUp == 0 {
		keepUp = 0.98
	}
	if growth == 0 {
		growth = 1.25
	}
	limit := r.tightest()
	var invalid []string
	if m.Missing != "" {
		invalid = append(invalid, fmt.Sprintf("driver %s did not report every interval of the stage", m.Missing))
	}
	// A full in-flight cap is the generator's fault only while the target
	// still answers within the SLO; a slow target fills any cap.
	if m.Waited > 0 && micros(m.Service, 99) <= limit {
		invalid = append(invalid, fmt.Sprintf("%d starts waited for the in-flight cap while the target answered within %s: raise max_in_flight", m.Waited, limit))
	}
	if len(invalid) > 0 {
		return Invalid, invalid
	}

	var fail []string
	lag, lagLimit := micros(m.Lag, 99), max(time.Millisecond, limit/20)
	// explained says whether the generator's own lag could have pushed
	// every failed latency line over its limit.
	latencyFails, explained := 0, true
	if m.Scheduled > 0 {
		if ratio := float64(m.Completed) / float64(m.Scheduled); ratio < keepUp {
			fail = append(fail, fmt.Sprintf("did not keep up: completed %d of %d scheduled (%.1f %% < %.0f %%)", m.Completed, m.Scheduled, 100*ratio, 100*keepUp))
		}
	}
	for _, ln := range r.Lines {
		h := m.Latency
		if ln.Op != "" && ln.Op != "*" {
			h = m.Ops[ln.Op]
		}
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		if got := micros(h, 100*ln.Quantile); got > ln.Limit {
			fail = append(fail, fmt.Sprintf("latency: %s was %s", ln, got.Round(10*time.Microsecond)))
			latencyFails++
			explained = explained && got-lag <= ln.Limit
		}
	}
	if r.MaxErrorRate >= 0 && m.Count > 0 {
		if rate := float64(m.Errors) / float64(m.Count); rate > r.MaxErrorRate {
			fail = append(fail, fmt.Sprintf("errors: %.3f %% > %.3f %%", 100*rate, 100*r.MaxErrorRate))
		}
	}
	for _, op := range slices.Sorted(maps.Keys(r.OpErrorRates)) {
		if c := m.OpCounts[op]; c[0] > 0 {
			if rate, limit := float64(c[1])/float64(c[0]), r.OpErrorRates[op]; rate > limit {
				fail = append(fail, fmt.Sprintf("errors of %s: %.3f %% > %.3f %%", op, 100*rate, 100*limit))
			}
		}
	}
	if m.Waited > 0 {
		fail = append(fail, fmt.Sprintf("the target's queue filled the in-flight cap (%d starts waited)", m.Waited))
	}
	// A queue that grows moves the whole distribution, its median too; the
	// p99 of a third alone swings by more than 25 % in a healthy M/M/4
	// stage at ρ = 0.8, so both must grow.
	first, last := micros(m.Thirds[0], 99), micros(m.Thirds[2], 99)
	first50, last50 := micros(m.Thirds[0], 50), micros(m.Thirds[2], 50)
	if first > 0 && first50 > 0 && float64(last) > growth*float64(first) && float64(last50) > growth*float64(first50) {
		fail = append(fail, fmt.Sprintf("growing queue: p99 and p50 of the last third (%s, %s) > %.3g × the first third's (%s, %s)",
			last, last50, growth, first, first50))
	}
	// Little's law bounds the in-flight count of a steady stage by the
	// achieved rate times the latency; twice the p99 latency leaves room
	// for the fluctuations of a healthy queue. The bound is the queue's,
	// not the SLO's: judged by the SLO's own percentile, a looser SLO (p50)
	// would fail a stage a stricter one (p99) passes.
	if m.Duration > 0 && m.Latency != nil && m.Latency.TotalCount() > 0 {
		a := float64(m.Completed) / m.Duration.Seconds()
		w := micros(m.Latency, 99).Seconds()
		if bound := 2 * a * w; float64(m.InFlightEnd) > max(bound, 10) {
			fail = append(fail, fmt.Sprintf("growing queue: %d in flight at the end > 2 × %.0f/s × %s (Little's law)", m.InFlightEnd, a, time.Duration(w*float64(time.Second)).Round(10*time.Microsecond)))
		}
	}
	// Latency counts from the intended start, so a generator that falls
	// behind its schedule (lag beyond max(1 ms, 5 % of the limit), with
	// starts dispatched late while workers were free) only ever makes the
	// target look slower. A stage that passes with that lag included
	// passes; one that fails only by less than the lag measured the
	// generator, and is invalid.
	if m.Late > 0 && lag > lagLimit && latencyFails > 0 && latencyFails == len(fail) && explained {
		return Invalid, append([]string{fmt.Sprintf("the generator fell behind its schedule: lag p99 %s > %s with %d late starts (short of CPU), enough to explain the latency failure", lag, lagLimit, m.Late)}, fail...)
	}
	if len(fail) > 0 {
		return Fail, fail
	}
	return Pass, nil
}

// topQuantile is the highest quantile below the max among the lines;
// 0.99 when there is none.
func (r *Rules) topQuantile() float64 {
	if q, ok := r.highestQuantile(); ok {
		return q
	}
	return 0.99
}

// highestQuantile is the highest quantile below the max among the lines,
// and whether there is one.
func (r *Rules) highestQuantile() (float64, bool) {
	q := 0.0
	for _, ln := range r.Lines {
		if ln.Quantile < 1 {
			q = max(q, ln.Quantile)
		}
	}
	return q, q > 0
}

// micros returns a percentile of a microsecond histogram as a duration; 0
// for a nil or empty one. p = 100 is the max.
func micros(h *hdrhistogram.Histogram, p float64) time.Duration {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	if p >= 100 {
		return time.Duration(h.Max()) * time.Microsecond
	}
	return time.Duration(h.ValueAtQuantile(p)) * time.Microsecond
}
