package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// hlogWriter writes intervals.hlog: an HdrHistogram interval log (format
// 1.3) that HdrHistogram's own tools and hdrhistogram-go's
// HistogramLogReader read. Each interval gives one line per op that
// measured anything, in plan order, tagged with the op name and holding the
// op's latency histogram (microseconds, from the intended start) merged
// over stages.
//
// Timestamps are relative to the BaseTime header, which is the run start
// truncated to a whole second (the header has no finer resolution), so a
// reader recovers absolute times exactly. The Interval_Max column is the
// writer's default max / 1e6, which for microsecond values is seconds.
//
// In a distributed run each engine's interval gets its own lines: several
// lines may share a tag and a time range, and readers that merge by time
// range get the exact totals.
type hlogWriter struct {
	w *hdrhistogram.HistogramLogWriter
	// startMs is the run start in ms since the epoch.
	startMs int64
	tags    []string
	// scratch holds one histogram per op for the cross-stage merge,
	// allocated on the op's first line and Reset for each interval.
	scratch []*hdrhistogram.Histogram
	touched []bool
	dropped int64
}

// newHlogWriter writes the log header for plan's run, started at
// startedAt, to w. A start before the Unix epoch (or the zero time) is
// written as the epoch, which the header format cannot go below.
func newHlogWriter(w io.Writer, plan *scenarios.Plan, startedAt time.Time) (*hlogWriter, error) {
	h := &hlogWriter{
		w:       hdrhistogram.NewHistogramLogWriter(w),
		startMs: max(startedAt.UnixMilli(), 0),
		tags:    make([]string, len(plan.Ops)),
		scratch: make([]*hdrhistogram.Histogram, len(plan.Ops)),
		touched: make([]bool, len(plan.Ops)),
	}
	for o, op := range plan.Ops {
		h.tags[o] = hlogTag(op.Name)
	}
	baseMs := h.startMs - h.startMs%1000
	h.w.SetBaseTime(baseMs)
	for _, err := range []error{
		h.w.OutputComment(fmt.Sprintf("[Logged with surge, scenario %s]", hlogTag(plan.Name))),
		h.w.OutputLogFormatVersion(),
		h.w.OutputComment("[Values in microseconds from the intended start of each op; one tag per op]"),
		h.w.OutputStartTime(h.startMs),
		h.w.OutputBaseTime(baseMs),
		h.w.OutputLegend(),
	} {
		if err != nil {
			return nil, fmt.Errorf("write interval log header: %w", err)
		}
	}
	return h, nil
}

// hlogTag makes name usable as a log tag, which may not hold commas, spaces
// or line breaks.
func hlogTag(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ',', ' ', '\t', '\r', '\n':
			return '_'
		}
		return r
	}, name)
}

// write appends the lines of iv.
func (h *hlogWriter) write(iv *drivers.Interval) error {
	for i := range iv.Ops {
		o := &iv.Ops[i]
		if o.Latency == nil || o.Latency.TotalCount() == 0 {
			continue
		}
		s := h.scratch[o.Op]
		if s == nil {
			s = drivers.NewHistogram()
			h.scratch[o.Op] = s
		}
		if !h.touched[o.Op] {
			s.Reset()
			h.touched[o.Op] = true
		}
		h.dropped += s.Merge(o.Latency)
	}
	var err error
	for op, s := range h.scratch {
		if !h.touched[op] {
			continue
		}
		h.touched[op] = false
		if err != nil {
			continue // keep resetting the marks
		}
		s.SetTag(h.tags[op])
		s.SetStartTimeMs(h.startMs + iv.Start.Milliseconds())
		s.SetEndTimeMs(h.startMs + iv.End.Milliseconds())
		err = h.w.OutputIntervalHistogram(s)
	}
	return err
}
