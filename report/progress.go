package report

import (
	"fmt"
	"io"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// drainStage names the time after the last stage, when in-flight ops drain.
const drainStage = "drain"

// Progress writes one line per interval: elapsed time, the stage, the
// achieved and intended rate, p50 and p99 latency and the error rate, all
// ops merged for that interval:
//
//	12s  midnight-surge     9987/s (intended 10000/s)  p50 0.9ms  p99 3.1ms  err 0.01%
//
// On a terminal (live) it rewrites one line in place instead. It implements
// [drivers.Sink]; its per-interval work is one merge into a scratch
// histogram. A Progress is not safe for concurrent use.
type Progress struct {
	out *LineWriter
	// stageEnds[i] is the offset at which stage i ends.
	stageEnds  []time.Duration
	stageNames []string
	nameWidth  int
	// lat is the scratch histogram, Reset for every interval.
	lat *hdrhistogram.Histogram
	// roles tell journey steps and journeys apart: the rate counts
	// arrivals (not steps), the latency and errors requests (not whole
	// journeys).
	roles opRoles
}

// NewProgress returns a Progress that writes to w for the run of plan; live
// means w is a terminal.
func NewProgress(w io.Writer, plan *scenarios.Plan, live bool) *Progress {
	p := &Progress{out: NewLineWriter(w, live), lat: drivers.NewHistogram(), nameWidth: len(drainStage),
		roles: newOpRoles(plan)}
	var end time.Duration
	for _, st := range plan.Stages {
		end += st.Duration
		p.stageEnds = append(p.stageEnds, end)
		p.stageNames = append(p.stageNames, st.Name)
		p.nameWidth = max(p.nameWidth, len(st.Name))
	}
	return p
}

// Interval writes the line of iv. It always returns nil: a progress line
// that cannot be written is no reason to stop a run. The first write error
// is kept and returned by [Progress.Done], and no line is written after it.
func (p *Progress) Interval(iv *drivers.Interval) error {
	if p.out.err != nil {
		return nil
	}
	p.lat.Reset()
	var count, completed, failed, scheduled, dropped int64
	for i := range iv.Ops {
		o := &iv.Ops[i]
		if !p.roles.step[o.Op] {
			completed += o.Completed
		}
		if !p.roles.isJourney(o.Op) {
			count += o.Count
			failed += failures(&o.Errors)
			dropped += merge(p.lat, o.Latency)
		}
	}
	for i := range iv.Stages {
		scheduled += iv.Stages[i].Scheduled
	}
	span := iv.End - iv.Start
	line := fmt.Sprintf("%6s  %-*s  %7.0f/s (intended %.0f/s)  p50 %s  p99 %s  err %s",
		formatElapsed(iv.End), p.nameWidth, p.stageAt(iv.End), rate(float64(completed), span),
		rate(float64(scheduled), span), p.latency(50), p.latency(99), formatPercent(fraction(failed, count)))
	if dropped > 0 {
		line += "  dropped " + strconv.FormatInt(dropped, 10)
	}
	p.out.Update(line)
	return nil
}

// Done ends a live line with a newline. It returns the first error writing
// to the output, if any.
func (p *Progress) Done() error { return p.out.End() }

// LineWriter writes status lines: on a terminal (live) each one rewrites
// the last in place, otherwise each is a line of its own. It keeps the
// first write error and writes nothing after it; a nil writer discards
// every line. It is not safe for concurrent use.
type LineWriter struct {
	w    io.Writer
	live bool
	// open is set while a live line is on screen without a newline.
	open bool
	err  error
}

// NewLineWriter returns a LineWriter to w; live means w is a terminal.
func NewLineWriter(w io.Writer, live bool) *LineWriter { return &LineWriter{w: w, live: live} }

// Update writes s as the current status line.
func (l *LineWriter) Update(s string) {
	if l.live {
		l.write("\r" + s + "\x1b[K")
		l.open = true
	} else {
		l.write(s + "\n")
	}
}

// Final writes s as a line that stays on screen.
func (l *LineWriter) Final(s string) {
	l.Update(s)
	l.End()
}

// End ends a live line with a newline, and returns the first write error,
// if any.
func (l *LineWriter) End() error {
	if l.open {
		l.write("\n")
	}
	l.open = false
	return l.err
}

func (l *LineWriter) write(s string) {
	if l.w == nil || l.err != nil {
		return
	}
	_, l.err = io.WriteString(l.w, s)
}

// stageAt returns the name of the stage the run was in just before offset
// t, or "drain" after the last stage.
func (p *Progress) stageAt(t time.Duration) string {
	for i, end := range p.stageEnds {
		if t <= end {
			return p.stageNames[i]
		}
	}
	return drainStage
}

// latency formats the latency at quantile q of this interval, or "-".
func (p *Progress) latency(q float64) string {
	if p.lat.TotalCount() == 0 {
		return "-"
	}
	return formatMillis(millis(p.lat.ValueAtQuantile(q)))
}

// formatElapsed formats an offset from the run start in seconds: "12s",
// "12.5s".
func formatElapsed(t time.Duration) string {
	if t%time.Second == 0 {
		return strconv.FormatInt(int64(t/time.Second), 10) + "s"
	}
	return strconv.FormatFloat(t.Seconds(), 'f', 1, 64) + "s"
}

// fraction returns n/of, or 0 when of is 0.
func fraction(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}
