package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// LostDriver is a load driver that did not finish its run: the coordinator
// declared it lost, and its data after ReportedUntilS is missing.
type LostDriver struct {
	Name string `json:"name"`
	// Index is the driver's position in the fleet, from 0.
	Index int `json:"index"`
	// LostAtS is the run time, in seconds, when it was declared lost.
	LostAtS float64 `json:"lost_at_s"`
	// ReportedUntilS is the end, in seconds of run time, of the last
	// interval received from it: its data after this is missing.
	ReportedUntilS float64 `json:"reported_until_s"`
	// Share is the fraction of the run's intended rate it carried (0.25
	// for one of 4 equal shards).
	Share float64 `json:"share"`
	// Reason says why it was declared lost ("silent for 10s").
	Reason string `json:"reason"`
}

// DriverStats is one load driver's own account of its run, as the
// coordinator gathered it; the report copies it through.
type DriverStats struct {
	Name string `json:"name"`
	// Index is the driver's position in the fleet and Shard the part of the
	// load it ran, both from 0.
	Index int `json:"index"`
	Shard int `json:"shard"`
	// Status is "completed", "lost" or "stopped".
	Status string `json:"status"`
	// Intervals counts the intervals received from it.
	Intervals int64 `json:"intervals"`
	// CPUMeanCores and CPUMaxCores are its process's CPU use over the run,
	// in cores (1.5 = one and a half cores busy).
	CPUMeanCores float64 `json:"cpu_mean_cores"`
	CPUMaxCores  float64 `json:"cpu_max_cores"`
	// Scheduled counts the ops its schedule held; Waited and Late those
	// that found every worker busy and that its scheduler dispatched
	// late, as in [Generator].
	Scheduled int64 `json:"scheduled"`
	Waited    int64 `json:"waited"`
	Late      int64 `json:"late"`
}

// behind reports whether the driver fell behind its schedule enough to
// say so: any op that waited for a worker, or more than 1% of its ops
// dispatched late (a few late wake-ups are any busy host's jitter, and the
// stage's own warning already counts them).
func (d *DriverStats) behind() bool {
	return d.Waited > 0 || d.Late*100 > d.Scheduled
}

// notOffered returns the share of the intended load of the stage at offset
// start, lasting d, that the lost drivers did not offer: for each, its
// share times the part of the stage after its last interval. It is at
// most 1. (The load within a stage is taken as even: a ramp's later part
// carries more, so a driver lost late in a ramp missed a little more.)
func notOffered(lost []LostDriver, start, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	lo, hi := start.Seconds(), (start + d).Seconds()
	var share float64
	for _, l := range lost {
		if from := max(l.ReportedUntilS, lo); from < hi {
			share += l.Share * (hi - from) / (hi - lo)
		}
	}
	return min(share, 1)
}

// fleetWarnings returns a warning per lost driver, saying which stages
// lack its share of the load, and one per driver that fell behind its
// schedule.
func (a *Aggregator) fleetWarnings(meta Meta) []string {
	var w []string
	for _, l := range meta.DriversLost {
		w = append(w, a.lostWarning(l))
	}
	for _, d := range meta.Drivers {
		if d.behind() {
			w = append(w, fmt.Sprintf("driver %s fell behind its schedule (waited %d, late %d): its host was short of CPU or in-flight slots, add drivers",
				d.Name, d.Waited, d.Late))
		}
	}
	return w
}

// lostWarning says when l was lost and how much of which stages' intended
// rate it did not offer; a stage that intends no load lacks none.
func (a *Aggregator) lostWarning(l LostDriver) string {
	msg := fmt.Sprintf("driver %s was lost at %s (last data %s)", l.Name, formatSeconds(l.LostAtS), formatSeconds(l.ReportedUntilS))
	var names, shares []string
	var start time.Duration
	for _, st := range a.plan.Stages {
		share := notOffered([]LostDriver{l}, start, st.Duration)
		if share > 0 && expectedOps(st.From, st.To, st.Steps, st.Duration) > 0 {
			names, shares = append(names, st.Name), append(shares, formatShare(share))
		}
		start += st.Duration
	}
	same := true
	for _, s := range shares {
		same = same && s == shares[0]
	}
	switch {
	case len(names) == 0:
		return msg + ", after its stages: only what it had in flight is missing"
	case len(names) == 1:
		return msg + ": stage " + names[0] + " did not offer " + shares[0] + " of its intended rate"
	case same:
		return msg + ": stages " + strings.Join(names, ", ") + " did not offer " + shares[0] + " of their intended rate"
	}
	for i := range names {
		names[i] += " (" + shares[i] + ")"
	}
	return msg + ": stages " + strings.Join(names, ", ") + " did not offer that share of their intended rate"
}

// fleetSummary returns the drivers part of the text summary's first line:
// "drivers 3/4 (lost driver-2 at 31.0s: silent for 10s)".
func fleetSummary(d *Drivers) string {
	s := fmt.Sprintf("drivers %d/%d", d.Completed, d.Planned)
	if len(d.Lost) == 0 {
		return s
	}
	lost := make([]string, len(d.Lost))
	for i, l := range d.Lost {
		lost[i] = l.Name + " at " + formatSeconds(l.LostAtS)
		if l.Reason != "" {
			lost[i] += ": " + l.Reason
		}
	}
	return s + " (lost " + strings.Join(lost, "; ") + ")"
}

// writeDrivers writes the per-driver table when the run had more than one
// driver.
func writeDrivers(w io.Writer, list []DriverStats) {
	if len(list) < 2 {
		return
	}
	fmt.Fprintln(w, "\ndrivers")
	fmt.Fprintln(w, "  driver\tshard\tstatus\tintervals\tcpu mean\tcpu max\twaited\tlate")
	for _, d := range list {
		fmt.Fprintf(w, "  %s\t%d\t%s\t%d\t%s\t%s\t%d\t%d\n", d.Name, d.Shard, d.Status, d.Intervals,
			strconv.FormatFloat(d.CPUMeanCores, 'f', 2, 64), strconv.FormatFloat(d.CPUMaxCores, 'f', 2, 64), d.Waited, d.Late)
	}
}

// formatSeconds formats run time in seconds with one decimal: "31.0s".
func formatSeconds(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) + "s" }

// formatShare formats a fraction as a percentage with at most one decimal:
// "25%", "12.5%".
func formatShare(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}
