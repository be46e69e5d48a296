package drivers

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The geometry of every histogram in surge: values in microseconds from 1 µs
// to one hour with 3 significant digits (DESIGN.md "Measurement
// definitions"). Histograms of the same geometry merge exactly.
const (
	HistogramMinMicros = 1
	HistogramMaxMicros = int64(time.Hour / time.Microsecond)
	HistogramSigFigs   = 3
)

// NewHistogram returns an empty histogram with surge's geometry. Each one is
// about 184 KiB: allocate at start and Reset, never one per interval.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistogramMinMicros, HistogramMaxMicros, HistogramSigFigs)
}

// Interval is what one engine measured during one reporting interval, merged
// across its lanes. The engine owns the histograms: a consumer must merge or
// encode what it needs before its Sink returns.
type Interval struct {
	// Seq numbers the engine's intervals from 0.
	Seq uint64
	// Start and End bound the interval as offsets from the run start.
	Start, End time.Duration
	// Ops holds one entry per (stage, op) that had anything to report.
	Ops []OpInterval
	// Stages holds the generator's own health per stage that scheduled ops
	// in this interval.
	Stages []StageInterval
}

// OpInterval is one op's measurements for the ops of one stage, finished
// during one interval.
//
// Count is every op intended in Stage that finished in the interval, failed
// or not, plus the ops that were never sent. Errors counts the failures by
// class. The histograms hold every op that was sent and returned, errors
// included (a timeout is latency a user felt), except ClassCanceled (cut
// short by the run), ClassUnsent (never sent) and ClassAbandoned (a journey
// the user left: only completed or failed journeys have a latency): their
// count is Count - Errors[ClassCanceled] - Errors[ClassUnsent] -
// Errors[ClassAbandoned].
type OpInterval struct {
	Stage, Op int
	Count     int64
	Errors    [NumClasses]int64
	// Completed counts the ops (of any intended stage) that completed
	// during this interval while the run was in Stage: the throughput the
	// target achieved during the stage.
	Completed int64
	// Left counts, for a journey step, the journeys whose user left after
	// this step (the chain's exit): the funnel's abandonment by step.
	Left int64
	// Latency is completion minus intended start, Service is completion
	// minus send, Lag is send minus intended start; all in microseconds.
	Latency, Service, Lag *hdrhistogram.Histogram
}

// StageInterval is the generator's health in one stage during one interval.
// When Waited or Late are non-zero the generator, not the target, limited
// the offered load.
type StageInterval struct {
	Stage int
	// Scheduled counts the ops whose intended start fell in this interval.
	Scheduled int64
	// Waited counts ops that found every worker busy (the in-flight cap).
	Waited int64
	// Late counts ops the scheduler itself dispatched more than
	// [LateThreshold] after their intended start while workers were free:
	// the generator was short of CPU.
	Late int64
	// MaxLateness is the largest such scheduler delay.
	MaxLateness time.Duration
	// BehindRate is the intended rate, in ops/s of this engine's share, at
	// the first op in this interval that waited or was late; 0 when none.
	BehindRate float64
}

// Add merges o's counts into s: sums, the larger MaxLateness and the
// smaller non-zero BehindRate. It leaves s.Stage as it is.
func (s *StageInterval) Add(o *StageInterval) {
	s.Scheduled += o.Scheduled
	s.Waited += o.Waited
	s.Late += o.Late
	s.MaxLateness = max(s.MaxLateness, o.MaxLateness)
	if o.BehindRate > 0 && (s.BehindRate == 0 || o.BehindRate < s.BehindRate) {
		s.BehindRate = o.BehindRate
	}
}

// LateThreshold is how late the scheduler may dispatch an op, with workers
// free, before the op counts as Late. It is above the wake-up jitter of OS
// timers, so only a generator short of CPU crosses it.
const LateThreshold = 2 * time.Millisecond

// Sink receives each interval as the engine closes it, on one goroutine,
// in Seq order. It must not keep the Interval or its histograms after it
// returns. An error stops the run.
type Sink interface {
	Interval(iv *Interval) error
}
