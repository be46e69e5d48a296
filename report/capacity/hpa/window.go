package hpa

import (
	"fmt"
	"math"
	"time"
)

// CronWindowActive reports whether KEDA's cron trigger with the given start
// and end lines is inside its window at the instant at, read in at's
// location (pass at.In(zone) for the trigger's timezone).
//
// With legacy false it is the rule of KEDA ≥ 2.16 (#6166): with nextStart
// and nextEnd the next firings after at, active when nextEnd comes no later
// than nextStart (in KEDA's words, at is after nextStart or before nextEnd
// once nextStart is not before nextEnd). With legacy true it is the rule
// before 2.16, on Unix seconds: inactive when nextStart < nextEnd and at
// is before nextStart, else active while at ≤ nextEnd. Both make a window
// [start, end); they differ only when neither line can fire, where the
// current rule reports active.
func CronWindowActive(start, end Cron, at time.Time, legacy bool) bool {
	nextStart, nextEnd := start.Next(at), end.Next(at)
	if legacy {
		now, s, e := at.Unix(), nextStart.Unix(), nextEnd.Unix()
		if s < e && now < s {
			return false
		}
		return now <= e
	}
	if nextStart.Before(nextEnd) {
		return at.After(nextStart) && at.Before(nextEnd)
	}
	return at.After(nextStart) || at.Before(nextEnd)
}

// CronAt writes the cron line that fires once a year at t's minute in loc,
// e.g. "30 23 21 11 *" for 2026-11-21 23:30 IST. Seconds are dropped (cron
// fires on whole minutes). The line has no year: it recurs every year, so
// a report must say when to delete it.
func CronAt(t time.Time, loc *time.Location) string {
	w := t.In(loc)
	return fmt.Sprintf("%d %d %d %d *", w.Minute(), w.Hour(), w.Day(), int(w.Month()))
}

// CronFloor returns an [Env.Floor] for a KEDA cron trigger: replicas while
// the window of start and end is active, 0 outside it (what KEDA ≥ 2.18
// reports; older KEDA reports 1, which no HPA with minReplicas ≥ 1 can
// tell apart). Simulated second t is the instant origin + t, read in loc.
func CronFloor(start, end Cron, loc *time.Location, origin time.Time, replicas int, legacy bool) func(t float64) int {
	return func(t float64) int {
		at := origin.Add(time.Duration(math.Round(t * float64(time.Second)))).In(loc)
		if CronWindowActive(start, end, at, legacy) {
			return replicas
		}
		return 0
	}
}
