package report

import (
	"fmt"
	"time"
)

// A stage is generator-bound when more than waitedPercent of its scheduled
// ops found every worker busy (the in-flight cap), or more than latePercent
// were dispatched late with workers free (the generator short of CPU).
// Lateness below that is the sporadic kind (a VM's stolen time, a GC pause):
// it gets a milder warning, since those ops' latency includes the delay but
// the generator kept up.
const (
	waitedPercent = 1
	latePercent   = 5
	// lateNoticePermille is the share of late ops, in per mille, above
	// which the milder warning is given; below it lateness is noise.
	lateNoticePermille = 1
)

// generator returns the generator health of stage s. A stage is bound when
// more than boundPercent of its scheduled ops waited or were late; the rate
// above which it was bound is the smallest rate at which an engine fell
// behind, scaled from one engine's share to the whole run by the planned
// driver count (the coordinator splits the load evenly).
func (a *Aggregator) generator(s int, meta Meta) Generator {
	g := a.gen[s]
	out := Generator{Scheduled: g.Scheduled, Waited: g.Waited, Late: g.Late,
		MaxLatenessMs: millis(g.MaxLateness.Microseconds())}
	if g.Waited*100 > waitedPercent*g.Scheduled || g.Late*100 > latePercent*g.Scheduled {
		out.Bound = true
		out.BoundAboveRate = round1(g.BehindRate * float64(max(meta.DriversPlanned, 1)))
	}
	return out
}

// stageWarnings returns the warnings about stage s, which starts at offset
// start: that it ran short, and that the generator limited it.
func (a *Aggregator) stageWarnings(s int, start time.Duration, meta Meta) []string {
	st := a.plan.Stages[s]
	var w []string
	if ran := a.ran(s, start); a.intervals > 0 && ran < st.Duration {
		if ran == 0 {
			w = append(w, fmt.Sprintf("stage %q did not run", st.Name))
		} else {
			w = append(w, fmt.Sprintf("stage %q ran %v of %v: its achieved rates cover that part only",
				st.Name, ran.Round(time.Millisecond), st.Duration))
		}
	}
	if gen := a.generator(s, meta); gen.Bound {
		g := a.gen[s]
		msg := fmt.Sprintf("stage %q: generator-bound: %d of %d ops waited for a free worker (max_in_flight %d) and %d were dispatched late (max %v); ",
			st.Name, g.Waited, g.Scheduled, meta.MaxInFlight, g.Late, g.MaxLateness.Round(time.Microsecond))
		if gen.BoundAboveRate > 0 {
			msg += "results above " + formatRate(gen.BoundAboveRate) + " ops/s measure the generator, not the target"
		} else {
			msg += "its results measure the generator, not the target"
		}
		w = append(w, msg)
	} else if g := a.gen[s]; g.Late*1000 > lateNoticePermille*g.Scheduled {
		w = append(w, fmt.Sprintf("stage %q: the generator dispatched %d of %d ops late by up to %v (a busy machine or a pause); their latency includes that delay",
			st.Name, g.Late, g.Scheduled, g.MaxLateness.Round(time.Microsecond)))
	}
	return w
}

// droppedWarnings returns a warning for every (stage, op) whose histograms
// lost values in a merge, and for the interval log, and one when no
// interval arrived at all.
func (a *Aggregator) droppedWarnings() []string {
	var w []string
	if a.intervals == 0 {
		w = append(w, "no interval was reported: the results hold no measurements")
	}
	for s := range a.ops {
		for o, t := range a.ops[s] {
			if t != nil && t.dropped > 0 {
				w = append(w, fmt.Sprintf("stage %q op %q: %d histogram values were dropped in the merge (out of range for 1µs–1h at 3 digits)",
					a.plan.Stages[s].Name, a.plan.Ops[o].Name, t.dropped))
			}
		}
	}
	if a.hlog != nil && a.hlog.dropped > 0 {
		w = append(w, fmt.Sprintf("interval log: %d histogram values were dropped in the merge", a.hlog.dropped))
	}
	return w
}
