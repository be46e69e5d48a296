package hpa

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed 5-field Linux cron line (minute hour day-of-month month
// day-of-week) as KEDA's cron trigger reads it (robfig/cron's standard
// parser, second fixed at 0). Each field is a bit set of the values it
// allows. Cron is comparable; the zero value matches nothing.
type Cron struct {
	minute  uint64 // bits 0–59
	hour    uint32 // bits 0–23
	dom     uint32 // bits 1–31
	month   uint16 // bits 1–12
	dow     uint8  // bits 0–6, Sunday = 0
	domStar bool   // day-of-month was "*" or "?": only day-of-week restricts the day
	dowStar bool   // day-of-week was "*" or "?": only day-of-month restricts the day
}

// CronError reports a cron line that does not parse; Field names the
// field (minute, hour, day-of-month, month or day-of-week) when one is at
// fault.
type CronError struct {
	Line  string
	Field string
	Msg   string
}

// Error names the line, the field (if any) and what is wrong.
func (e *CronError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("cron %q: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("cron %q: %s field: %s", e.Line, e.Field, e.Msg)
}

// cronField describes one of the five fields.
type cronField struct {
	name     string
	min, max int
	names    []string // names for min, min+1, … (month and day-of-week)
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day-of-week", min: 0, max: 6, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// ParseCron parses a 5-field cron line: each field is "*", "?" (as "*"),
// a number, a range "a-b", a step "*/n", "a/n" (a to the maximum) or
// "a-b/n", or a comma list of these; months and days of week also take
// three-letter English names (jan, mon; any case). Day-of-week runs 0–6
// from Sunday, as in KEDA's parser (7 is refused). When both day fields are
// restricted, a day matching either fires; "*/n" with n > 1 counts as
// restricted. Descriptors (@daily) and time-zone prefixes are refused: KEDA
// takes the zone from the trigger's timezone. The error is a *[CronError].
func ParseCron(s string) (Cron, error) {
	parts := strings.Fields(s)
	if len(parts) == 1 && strings.HasPrefix(parts[0], "@") {
		return Cron{}, &CronError{Line: s, Msg: "descriptors such as @daily are not supported; write the five fields"}
	}
	if len(parts) > 0 && (strings.HasPrefix(parts[0], "TZ=") || strings.HasPrefix(parts[0], "CRON_TZ=")) {
		return Cron{}, &CronError{Line: s, Msg: "a time-zone prefix is not supported; the trigger's timezone sets the zone"}
	}
	if len(parts) != 5 {
		return Cron{}, &CronError{Line: s, Msg: fmt.Sprintf("%d fields, want 5 (minute hour day-of-month month day-of-week)", len(parts))}
	}
	var sets [5]uint64
	var stars [5]bool
	for i, p := range parts {
		set, star, err := parseCronField(p, cronFields[i])
		if err != nil {
			return Cron{}, &CronError{Line: s, Field: cronFields[i].name, Msg: err.Error()}
		}
		sets[i], stars[i] = set, star
	}
	return Cron{
		minute: sets[0], hour: uint32(sets[1]), dom: uint32(sets[2]), month: uint16(sets[3]), dow: uint8(sets[4]),
		domStar: stars[2], dowStar: stars[4],
	}, nil
}

// parseCronField returns the bit set of one field and whether it was a
// bare "*" or "?" (a step above 1 makes it restricted, as in robfig/cron).
func parseCronField(s string, f cronField) (uint64, bool, error) {
	var set uint64
	star := false
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, step, isStar, err := parseCronItem(item, f)
		if err != nil {
			return 0, false, err
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << uint(v)
		}
		star = star || isStar
	}
	return set, star, nil
}

// parseCronItem parses one list item into lo..hi by step.
func parseCronItem(item string, f cronField) (lo, hi, step int, star bool, err error) {
	if item == "" {
		return 0, 0, 0, false, fmt.Errorf("empty list item")
	}
	rng, stepText, hasStep := strings.Cut(item, "/")
	step = 1
	if hasStep {
		if strings.Contains(stepText, "/") {
			return 0, 0, 0, false, fmt.Errorf("%q has more than one '/'", item)
		}
		if step, err = cronNumber(stepText, 1<<20); err != nil {
			return 0, 0, 0, false, fmt.Errorf("step of %q: %w", item, err)
		}
		if step == 0 {
			return 0, 0, 0, false, fmt.Errorf("step of %q is 0", item)
		}
	}
	switch {
	case rng == "*" || rng == "?":
		lo, hi, star = f.min, f.max, step == 1
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		if lo, err = cronValue(a, f); err == nil {
			hi, err = cronValue(b, f)
		}
		if err != nil {
			return 0, 0, 0, false, err
		}
		if lo > hi {
			return 0, 0, 0, false, fmt.Errorf("range %q runs backwards", rng)
		}
	default:
		if lo, err = cronValue(rng, f); err != nil {
			return 0, 0, 0, false, err
		}
		hi = lo
		if hasStep {
			hi = f.max // "a/n" means a, a+n, … up to the maximum
		}
	}
	return lo, hi, step, star, nil
}

// cronValue parses a number or a name and checks the field's bounds.
func cronValue(s string, f cronField) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := cronNumber(s, 1<<20)
	if err != nil {
		return 0, err
	}
	if v < f.min || v > f.max {
		if f.name == "day-of-week" && v == 7 {
			return 0, fmt.Errorf("7 is not a day of week here; write 0 for Sunday")
		}
		return 0, fmt.Errorf("%d outside %d–%d", v, f.min, f.max)
	}
	return v, nil
}

// cronNumber parses a run of decimal digits no larger than limit.
func cronNumber(s string, limit int) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("missing number")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v > limit {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return v, nil
}

// String writes c back as a cron line: "*" for a bare-star field, else a
// comma list of values and ranges. For any c that ParseCron returned,
// ParseCron(c.String()) == c.
func (c Cron) String() string {
	var b strings.Builder
	writeCronField(&b, c.minute, false, 0, 59)
	b.WriteByte(' ')
	writeCronField(&b, uint64(c.hour), false, 0, 23)
	b.WriteByte(' ')
	writeCronField(&b, uint64(c.dom), c.domStar, 1, 31)
	b.WriteByte(' ')
	writeCronField(&b, uint64(c.month), false, 1, 12)
	b.WriteByte(' ')
	writeCronField(&b, uint64(c.dow), c.dowStar, 0, 6)
	return b.String()
}

// writeCronField writes one field. A day field keeps its star apart from
// its values ("*" and "1-31" differ when the other day field is
// restricted); for the other fields a full set is simply "*".
func writeCronField(b *strings.Builder, set uint64, star bool, lo, hi int) {
	full := (uint64(1)<<uint(hi+1) - 1) &^ (uint64(1)<<uint(lo) - 1)
	dayField := hi == 31 || hi == 6
	if star || (set == full && !dayField) {
		b.WriteByte('*')
		return
	}
	first := true
	for v := lo; v <= hi; v++ {
		if set&(1<<uint(v)) == 0 {
			continue
		}
		end := v
		for end < hi && set&(1<<uint(end+1)) != 0 {
			end++
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(strconv.Itoa(v))
		if end > v {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(end))
		}
		v = end
	}
}

// Matches reports whether c fires in the minute that contains t, read in
// t's location.
func (c Cron) Matches(t time.Time) bool {
	return c.minute&(1<<uint(t.Minute())) != 0 &&
		c.hour&(1<<uint(t.Hour())) != 0 &&
		c.month&(1<<uint(t.Month())) != 0 &&
		c.dayMatches(t.Day(), int(t.Weekday()))
}

// dayMatches applies Vixie cron's day rule as robfig/cron does: if either
// day field is a bare star, both must match; otherwise either may.
func (c Cron) dayMatches(day, weekday int) bool {
	domOK := c.dom&(1<<uint(day)) != 0
	dowOK := c.dow&(1<<uint(weekday)) != 0
	if c.domStar || c.dowStar {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// cronHorizonYears bounds the search of Next, as robfig/cron does: a line
// that cannot fire (30 February) yields the zero time.
const cronHorizonYears = 5

// Next returns the first instant strictly after after, at a whole minute,
// when c fires on the wall clock of after's location, or the zero time if
// it does not fire within five years. Wall-clock times that a daylight-
// saving change skips do not fire; one that occurs twice fires once.
func (c Cron) Next(after time.Time) time.Time {
	if c.minute == 0 || c.hour == 0 || c.month == 0 || c.dom == 0 || c.dow == 0 {
		return time.Time{}
	}
	loc := after.Location()
	y, m, d := after.Date()
	h0, min0, _ := after.Clock()
	wd := int(after.Weekday())
	first := true
	for y <= after.Year()+cronHorizonYears {
		if c.month&(1<<uint(m)) == 0 {
			// Skip the rest of the month.
			left := daysIn(y, m) - d + 1
			wd = (wd + left) % 7
			y, m, d = nextMonth(y, m)
			first = false
			continue
		}
		if c.dayMatches(d, wd) {
			if t, ok := c.firstInDay(y, m, d, loc, after, first, h0, min0); ok {
				return t
			}
		}
		first = false
		wd = (wd + 1) % 7
		if d++; d > daysIn(y, m) {
			y, m, d = nextMonth(y, m)
		}
	}
	return time.Time{}
}

// firstInDay is the first firing on one calendar day after after; on the
// day of after itself the search starts at its hour and minute.
func (c Cron) firstInDay(y int, m time.Month, d int, loc *time.Location, after time.Time, first bool, h0, min0 int) (time.Time, bool) {
	for h := range 24 {
		if c.hour&(1<<uint(h)) == 0 || (first && h < h0) {
			continue
		}
		for mi := range 60 {
			if c.minute&(1<<uint(mi)) == 0 || (first && h == h0 && mi < min0) {
				continue
			}
			t := time.Date(y, m, d, h, mi, 0, 0, loc)
			// time.Date normalises a wall time that a DST change skips
			// into another hour; such a time does not exist, so it does
			// not fire.
			if t.Hour() != h || t.Minute() != mi || t.Day() != d {
				continue
			}
			if t.After(after) {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

func nextMonth(y int, m time.Month) (int, time.Month, int) {
	if m == time.December {
		return y + 1, time.January, 1
	}
	return y, m + 1, 1
}
