package report

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/surgeload/surge/report/capacity"
	"github.com/surgeload/surge/scenarios"
)

// topErrors is how many error classes a text row names.
const topErrors = 3

// WriteText writes r to w as a compact summary for people: the drivers
// (with a table of them when there were several), per stage a header line
// (duration, intended and achieved rate, the share lost drivers did not
// offer) and a row per op
// (count, rate, latency percentiles from the intended start, errors), the
// whole run when there is more than one stage, then the SLO table with
// PASS or FAIL per rule, then the warnings.
func WriteText(w io.Writer, r *Results) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "%s  started %s  took %v  %s\n", r.Scenario,
		r.StartedAt.Format(time.RFC3339), secondsDuration(r.DurationS), fleetSummary(&r.Drivers))
	writePopulate(tw, r.Populate)
	writeDrivers(tw, r.Drivers.List)
	if r.Capacity != nil {
		return writeCapacity(w, &buf, tw, r)
	}
	for _, st := range r.Stages {
		fmt.Fprintf(tw, "\n%s\n", stageHeader(&st))
		writeOps(tw, st.Ops)
		for _, j := range st.Journeys {
			if j.Started > 0 {
				fmt.Fprintf(tw, "  journey %s: %s\n", j.Name, journeyCounts(&j))
			}
		}
	}
	if len(r.Stages) > 1 {
		var achieved float64
		for _, op := range r.Totals {
			if !op.Step {
				achieved += op.AchievedRate
			}
		}
		fmt.Fprintf(tw, "\nall stages  achieved %s/s\n", formatRate(achieved))
		writeOps(tw, r.Totals)
	}
	writeJourneys(tw, r.Journeys)
	writeSLOs(tw, r.SLO)
	writeWarnings(tw, r.Warnings)
	return flushText(w, &buf, tw)
}

// writeCapacity ends the summary of a capacity search: one line per
// stage, then the capacity analysis.
func writeCapacity(w io.Writer, buf *bytes.Buffer, tw *tabwriter.Writer, r *Results) error {
	for _, s := range r.Capacity.Searches {
		fmt.Fprintf(tw, "\nsearch %s x%d: %s\n", s.Tier, s.Replicas, searchOutcome(&s))
		fmt.Fprintln(tw, "  stage\tphase\tintended/s\tachieved/s\tp50\tp99\terrors\tverdict\t")
		for _, p := range s.Probes {
			why := ""
			if len(p.Reasons) > 0 {
				why = p.Reasons[0]
			}
			fmt.Fprintf(tw, "  #%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", stageNumber(p.Stage), p.Phase, formatRate(p.Rate),
				formatRate(p.Achieved), formatMs(p.P50Ms), formatMs(p.P99Ms), formatPercent(p.ErrorRate), p.Verdict, why)
		}
	}
	writeWarnings(tw, r.Warnings)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write text summary: %w", err)
	}
	buf.WriteString("\n")
	if err := capacity.WriteText(buf, r.Capacity, capacity.TextOptions{}); err != nil {
		return fmt.Errorf("write text summary: %w", err)
	}
	return flushText(w, buf, tw)
}

// searchOutcome says how a search ended, in a few words.
func searchOutcome(s *capacity.Search) string {
	if s.Status == "found" {
		hi := "no failing rate up to the maximum"
		if s.Bracket[1] > 0 {
			hi = formatRate(s.Bracket[1]) + "/s"
		}
		return fmt.Sprintf("MST %s/s (bracket %s/s to %s)", formatRate(s.MST), formatRate(s.Bracket[0]), hi)
	}
	return s.Status + ": " + s.Reason
}

// stageNumber is the "#n" of a search stage's name, without the mark.
func stageNumber(name string) string {
	for _, f := range strings.Fields(name) {
		if strings.HasPrefix(f, "#") {
			return f[1:]
		}
	}
	return name
}

func writeWarnings(w io.Writer, warnings []string) {
	if len(warnings) > 0 {
		fmt.Fprintf(w, "\nwarnings\n")
		for _, warning := range warnings {
			fmt.Fprintf(w, "  - %s\n", warning)
		}
	}
}

func flushText(w io.Writer, buf *bytes.Buffer, tw *tabwriter.Writer) error {
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write text summary: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write text summary: %w", err)
	}
	return nil
}

// stageHeader returns the header line of a stage.
func stageHeader(st *StageResult) string {
	span := secondsDuration(st.DurationS).String()
	if st.RanS < st.DurationS {
		span = fmt.Sprintf("ran %v of %v", secondsDuration(st.RanS), secondsDuration(st.DurationS))
	}
	h := fmt.Sprintf("stage %s  %s at %v  intended %s/s  achieved %s/s", st.Name, span,
		secondsDuration(st.StartS), formatRate(st.IntendedRate), formatRate(st.AchievedRate))
	if st.NotOfferedShare > 0 {
		h += fmt.Sprintf("  not offered %s (%s/s)", formatShare(st.NotOfferedShare), formatRate(st.NotOfferedRate))
	}
	if st.Generator.Bound {
		h += "  GENERATOR-BOUND"
		if st.Generator.BoundAboveRate > 0 {
			h += " above " + formatRate(st.Generator.BoundAboveRate) + "/s"
		}
	}
	return h
}

// writeOps writes the op table of a stage. The errors column is last and
// never tab-terminated, so rows carry no trailing blanks.
func writeOps(w io.Writer, ops []OpResult) {
	fmt.Fprintln(w, "  op\ttarget\tcount\trate/s\tp50\tp90\tp99\tp99.9\tmax\terrors")
	for _, op := range ops {
		l := op.Latency
		errs := formatPercent(op.ErrorRate)
		if top := topErrorClasses(op.Errors); top != "" {
			errs += " " + top
		}
		lat := [...]string{"-", "-", "-", "-", "-"}
		if l != (Latency{}) {
			lat = [...]string{formatMillis(l.P50), formatMillis(l.P90), formatMillis(l.P99),
				formatMillis(l.P999), formatMillis(l.Max)}
		}
		fmt.Fprintf(w, "  %s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", op.Name, op.Target, op.Count,
			formatRate(op.AchievedRate), lat[0], lat[1], lat[2], lat[3], lat[4], errs)
	}
}

// writeSLOs writes the SLO table.
func writeSLOs(w io.Writer, slos []SLOResult) {
	if len(slos) == 0 {
		fmt.Fprintln(w, "\nslo: none")
		return
	}
	fmt.Fprintln(w, "\nslo")
	fmt.Fprintln(w, "  op\tstage\tmetric\tlimit\tobserved\tresult")
	for _, s := range slos {
		limit, observed := "-", "-"
		if s.Metric == scenarios.MetricErrorRate {
			if s.Limit != nil {
				limit = formatPercent(*s.Limit)
			}
			if s.Observed != nil {
				observed = formatPercent(*s.Observed)
			}
		} else {
			if s.LimitMs != nil {
				limit = formatMillis(*s.LimitMs)
			}
			if s.ObservedMs != nil {
				observed = formatMillis(*s.ObservedMs)
			}
		}
		result := "PASS"
		if !s.Pass {
			result = "FAIL"
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\n", s.Op, s.Stage, s.Metric, limit, observed, result)
	}
}

// topErrorClasses names the most frequent error classes, most first, as
// "(timeout 12, overload 3)", or returns "" when there are none.
func topErrorClasses(errs map[string]int64) string {
	if list := errorClasses(errs, topErrors); list != "" {
		return "(" + list + ")"
	}
	return ""
}

// errorClasses lists at most the most frequent error classes of errs, most
// first, as "timeout 12, overload 3"; "" when there are none.
func errorClasses(errs map[string]int64, most int) string {
	type class struct {
		name string
		n    int64
	}
	var classes []class
	for name, n := range errs {
		if n != 0 {
			classes = append(classes, class{name, n})
		}
	}
	slices.SortFunc(classes, func(a, b class) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name))
	})
	parts := make([]string, 0, min(len(classes), most))
	for _, c := range classes[:min(len(classes), most)] {
		parts = append(parts, c.name+" "+strconv.FormatInt(c.n, 10))
	}
	return strings.Join(parts, ", ")
}

// formatMillis formats a latency in ms with about 3 significant digits:
// "0.07ms", "3.1ms", "21ms", "1234ms", and seconds from 10 s up.
func formatMillis(ms float64) string {
	if ms >= 10000 {
		return strconv.FormatFloat(math.Round(ms/100)/10, 'f', -1, 64) + "s"
	}
	scale := 1.0
	switch {
	case ms < 1:
		scale = 1000
	case ms < 10:
		scale = 100
	case ms < 100:
		scale = 10
	}
	return strconv.FormatFloat(math.Round(ms*scale)/scale, 'f', -1, 64) + "ms"
}

// formatPercent formats a fraction as a percentage with 2 decimals.
func formatPercent(f float64) string { return strconv.FormatFloat(f*100, 'f', 2, 64) + "%" }

// secondsDuration converts seconds to a duration rounded to the millisecond.
func secondsDuration(s float64) time.Duration {
	return time.Duration(math.Round(s*1000)) * time.Millisecond
}
