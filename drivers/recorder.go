package drivers

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// opRecord accumulates one op's measurements for one stage over one
// interval. It is the unit that is swapped, merged and recycled.
type opRecord struct {
	count              int64
	errors             [NumClasses]int64
	lat, svc, lag      *hdrhistogram.Histogram
	completed          int64
	left               int64 // journeys that left after this step
	recordedSinceReset bool  // the histograms hold values and need a Reset
}

func newOpRecord() *opRecord {
	return &opRecord{lat: NewHistogram(), svc: NewHistogram(), lag: NewHistogram()}
}

func (r *opRecord) reset() {
	if r.recordedSinceReset {
		r.lat.Reset()
		r.svc.Reset()
		r.lag.Reset()
	}
	*r = opRecord{lat: r.lat, svc: r.svc, lag: r.lag}
}

// merge adds from into r and returns the values the histograms dropped; with
// one geometry everywhere that is always 0, and the engine checks it.
func (r *opRecord) merge(from *opRecord) (dropped int64) {
	r.count += from.count
	r.completed += from.completed
	r.left += from.left
	for c := range r.errors {
		r.errors[c] += from.errors[c]
	}
	if from.recordedSinceReset {
		r.recordedSinceReset = true
		dropped += r.lat.Merge(from.lat)
		dropped += r.svc.Merge(from.svc)
		dropped += r.lag.Merge(from.lag)
	}
	return dropped
}

// recording is everything one lane measured in one interval: op records
// indexed by [stage][op], taken from the lane's free list on first use, and
// generator health per stage.
type recording struct {
	ops [][]*opRecord
	gen []StageInterval
}

func newRecording(stages, ops int) *recording {
	r := &recording{ops: make([][]*opRecord, stages), gen: make([]StageInterval, stages)}
	for s := range r.ops {
		r.ops[s] = make([]*opRecord, ops)
	}
	return r
}

// recorder is one lane's measurement state. Workers of the lane record under
// mu; the collector swaps the active recording for the spare under mu and
// merges the full one without holding it, so the hot path only ever waits
// for the pointer swap.
type recorder struct {
	mu     sync.Mutex
	active *recording
	spare  *recording
	free   []*opRecord
}

func newRecorder(stages, ops int) *recorder {
	return &recorder{active: newRecording(stages, ops), spare: newRecording(stages, ops)}
}

// slot returns the active record for (stage, op). The caller holds mu.
func (rc *recorder) slot(stage, op int) *opRecord {
	r := rc.active.ops[stage][op]
	if r == nil {
		if n := len(rc.free); n > 0 {
			r = rc.free[n-1]
			rc.free = rc.free[:n-1]
		} else {
			r = newOpRecord()
		}
		rc.active.ops[stage][op] = r
	}
	return r
}

// record adds one finished op. stage is the op's intended stage; doneStage
// is the stage the run was in when it completed (len(stages) after the end).
func (rc *recorder) record(stage, doneStage, op int, class Class, latency, service, lag time.Duration) {
	rc.mu.Lock()
	r := rc.slot(stage, op)
	r.count++
	if class != ClassOK {
		r.errors[class]++
	}
	if class != ClassCanceled && class != ClassUnsent && class != ClassAbandoned {
		r.recordedSinceReset = true
		recordMicros(r.lat, latency)
		recordMicros(r.svc, service)
		recordMicros(r.lag, lag)
	}
	switch {
	case doneStage == stage:
		r.completed++
	case doneStage < len(rc.active.ops):
		rc.slot(doneStage, op).completed++
	}
	rc.mu.Unlock()
}

// leave counts a journey that left, by the user's choice, after step op.
func (rc *recorder) leave(stage, op int) {
	rc.mu.Lock()
	rc.slot(stage, op).left++
	rc.mu.Unlock()
}

// addGen publishes a batch of the scheduler's generator counters.
func (rc *recorder) addGen(stage int, g *StageInterval) {
	rc.mu.Lock()
	rc.active.gen[stage].Add(g)
	rc.mu.Unlock()
}

// swap hands the active recording to the collector and installs the spare.
func (rc *recorder) swap() *recording {
	rc.mu.Lock()
	full := rc.active
	if rc.spare == nil { // the collector has not recycled the last one
		rc.spare = newRecording(len(full.ops), len(full.ops[0]))
	}
	rc.active, rc.spare = rc.spare, nil
	rc.mu.Unlock()
	return full
}

// recycle resets a merged recording's records, returns them to the free
// list and makes the recording the next spare.
func (rc *recorder) recycle(r *recording) {
	var freed []*opRecord
	for s := range r.ops {
		for o, rec := range r.ops[s] {
			if rec != nil {
				rec.reset()
				freed = append(freed, rec)
				r.ops[s][o] = nil
			}
		}
		r.gen[s] = StageInterval{}
	}
	rc.mu.Lock()
	rc.free = append(rc.free, freed...)
	rc.spare = r
	rc.mu.Unlock()
}

// recordMicros records d in microseconds, rounded to nearest and clamped
// to the histogram's range so that no value is ever lost.
func recordMicros(h *hdrhistogram.Histogram, d time.Duration) {
	us := (int64(d) + 500) / 1000
	if us < 0 {
		us = 0
	} else if us > HistogramMaxMicros {
		us = HistogramMaxMicros
	}
	_ = h.RecordValue(us) // in range by construction
}
