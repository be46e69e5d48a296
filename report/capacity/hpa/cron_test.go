package hpa

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // IANA zones without relying on the machine's
)

func mustCron(t testing.TB, s string) Cron {
	t.Helper()
	c, err := ParseCron(s)
	if err != nil {
		t.Fatalf("ParseCron(%q) = %v", s, err)
	}
	return c
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseCron(t *testing.T) {
	tests := []struct {
		in, want string // want: the canonical String()
	}{
		{"30 23 21 11 *", "30 23 21 11 *"},
		{"0 2 22 11 *", "0 2 22 11 *"},
		{"  0   6 * * *  ", "0 6 * * *"},
		{"*/15 * * * *", "0,15,30,45 * * * *"},
		{"*/1 * * * *", "* * * * *"},
		{"0-59 0-23 * 1-12 *", "* * * * *"},
		{"5/20 * * * *", "5,25,45 * * * *"},
		{"0 9-17/4 * * mon-fri", "0 9,13,17 * * 1-5"},
		{"0 0 1,15 * *", "0 0 1,15 * *"},
		{"0 0 * JAN-Mar,dec sun,sat", "0 0 * 1-3,12 0,6"},
		{"0 0 ? * 1", "0 0 * * 1"},
		{"0 0 1-31 * 1", "0 0 1-31 * 1"}, // a restricted day-of-month, unlike "*"
		{"0 0 */2 * *", "0 0 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * *"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c := mustCron(t, tt.in)
			if got := c.String(); got != tt.want {
				t.Errorf("ParseCron(%q).String() = %q; want %q", tt.in, got, tt.want)
			}
			if again := mustCron(t, c.String()); again != c {
				t.Errorf("ParseCron(%q) does not round-trip through %q", tt.in, c.String())
			}
		})
	}
}

func TestParseCronErrors(t *testing.T) {
	tests := []struct {
		in, field, msg string
	}{
		{"", "", "0 fields"},
		{"* * * *", "", "4 fields"},
		{"* * * * * *", "", "6 fields"},
		{"@daily", "", "descriptors"},
		{"CRON_TZ=UTC 0 0 * * *", "", "time-zone prefix"},
		{"60 * * * *", "minute", "60 outside 0–59"},
		{"* 24 * * *", "hour", "24 outside 0–23"},
		{"* * 0 * *", "day-of-month", "0 outside 1–31"},
		{"* * * 13 *", "month", "13 outside 1–12"},
		{"* * * * 7", "day-of-week", "write 0 for Sunday"},
		{"* * * * fry", "day-of-week", "not a number"},
		{"*/0 * * * *", "minute", "is 0"},
		{"5-1 * * * *", "minute", "runs backwards"},
		{"1,,2 * * * *", "minute", "empty list item"},
		{"1/2/3 * * * *", "minute", "more than one '/'"},
		{"-1 * * * *", "minute", "missing number"},
		{"+5 * * * *", "minute", "not a number"},
		{"99999999999999999999 * * * *", "minute", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseCron(tt.in)
			var ce *CronError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseCron(%q) = %v; want a *CronError", tt.in, err)
			}
			if ce.Field != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseCron(%q) = %v (field %q); want field %q and %q", tt.in, err, ce.Field, tt.field, tt.msg)
			}
		})
	}
}

func TestCronNext(t *testing.T) {
	ist, ny := mustZone(t, "Asia/Kolkata"), mustZone(t, "America/New_York")
	tests := []struct {
		name, cron string
		after      time.Time
		want       time.Time // zero: never
	}{
		{"one-off IST", "30 23 21 11 *", time.Date(2026, 1, 1, 0, 0, 0, 0, ist), time.Date(2026, 11, 21, 23, 30, 0, 0, ist)},
		{"strictly after", "30 23 21 11 *", time.Date(2026, 11, 21, 23, 30, 0, 0, ist), time.Date(2027, 11, 21, 23, 30, 0, 0, ist)},
		{"same minute, later second", "30 23 21 11 *", time.Date(2026, 11, 21, 23, 30, 1, 0, ist), time.Date(2027, 11, 21, 23, 30, 0, 0, ist)},
		{"a second before", "30 23 21 11 *", time.Date(2026, 11, 21, 23, 29, 59, 0, ist), time.Date(2026, 11, 21, 23, 30, 0, 0, ist)},
		{"zone of after", "30 23 21 11 *", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC)},
		{"every minute", "* * * * *", time.Date(2026, 12, 31, 23, 59, 30, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"leap day", "0 12 29 2 *", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC)},
		{"never", "0 0 30 2 *", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}},
		// Both day fields restricted: the 13th or any Friday (2 Jan 2026 is a Friday).
		{"dom or dow", "0 0 13 * fri", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		// Day-of-month a bare star: Fridays only.
		{"dow only", "0 0 * * fri", time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)},
		{"weekdays", "0 9 * * mon-fri", time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)},
		// 02:30 does not exist on 8 March 2026 in New York.
		{"dst gap", "30 2 * * *", time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 2, 30, 0, 0, ny)},
		{"dst gap hourly", "30 * * * *", time.Date(2026, 3, 8, 1, 45, 0, 0, ny), time.Date(2026, 3, 8, 3, 30, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustCron(t, tt.cron).Next(tt.after)
			if !got.Equal(tt.want) || got.IsZero() != tt.want.IsZero() {
				t.Errorf("ParseCron(%q).Next(%v) = %v; want %v", tt.cron, tt.after, got, tt.want)
			}
			if !got.IsZero() && got.Location() != tt.after.Location() {
				t.Errorf("Next returned location %v; want %v", got.Location(), tt.after.Location())
			}
		})
	}
}

// TestCronWindowV11: the one-off window across midnight of spec §6.5,
// "30 23 21 11 *" → "0 2 22 11 *" in Asia/Kolkata, is active exactly
// inside [start, end) under both KEDA rules.
func TestCronWindowV11(t *testing.T) {
	ist := mustZone(t, "Asia/Kolkata")
	start, end := mustCron(t, "30 23 21 11 *"), mustCron(t, "0 2 22 11 *")
	at := func(mo time.Month, d, h, mi, s int) time.Time { return time.Date(2026, mo, d, h, mi, s, 0, ist) }
	tests := []struct {
		at   time.Time
		want bool
	}{
		{at(1, 1, 0, 0, 0), false},
		{at(11, 20, 23, 45, 0), false},
		{at(11, 21, 23, 29, 59), false},
		{at(11, 21, 23, 30, 0), true},
		{at(11, 21, 23, 59, 59), true},
		{at(11, 22, 0, 0, 0), true},
		{at(11, 22, 1, 59, 59), true},
		{at(11, 22, 2, 0, 0), false},
		{at(11, 22, 12, 0, 0), false},
		{at(12, 31, 23, 59, 0), false},
		// The same instant as 23:30 IST read in UTC (18:00) is outside: the
		// caller must read at in the trigger's timezone.
		{at(11, 21, 23, 30, 0).UTC(), false},
	}
	for _, tt := range tests {
		for _, legacy := range []bool{false, true} {
			if got := CronWindowActive(start, end, tt.at, legacy); got != tt.want {
				t.Errorf("CronWindowActive(%v, legacy=%v) = %v; want %v", tt.at, legacy, got, tt.want)
			}
		}
	}
	// Sweep the night minute by minute: both rules agree with [start, end).
	open, shut := at(11, 21, 23, 30, 0), at(11, 22, 2, 0, 0)
	for tm := at(11, 21, 22, 0, 30); tm.Before(at(11, 22, 4, 0, 0)); tm = tm.Add(time.Minute) {
		want := !tm.Before(open) && tm.Before(shut)
		for _, legacy := range []bool{false, true} {
			if got := CronWindowActive(start, end, tm, legacy); got != want {
				t.Errorf("CronWindowActive(%v, legacy=%v) = %v; want %v", tm, legacy, got, want)
			}
		}
	}
}

func TestCronWindowRecurring(t *testing.T) {
	day := func(h, mi int) time.Time { return time.Date(2026, 6, 10, h, mi, 0, 0, time.UTC) }
	tests := []struct {
		name, start, end string
		at               time.Time
		want             bool
	}{
		{"office hours, noon", "0 6 * * *", "0 20 * * *", day(12, 0), true},
		{"office hours, at 6", "0 6 * * *", "0 20 * * *", day(6, 0), true},
		{"office hours, at 20", "0 6 * * *", "0 20 * * *", day(20, 0), false},
		{"office hours, night", "0 6 * * *", "0 20 * * *", day(21, 0), false},
		{"overnight, late", "0 22 * * *", "0 6 * * *", day(23, 0), true},
		{"overnight, early", "0 22 * * *", "0 6 * * *", day(5, 59), true},
		{"overnight, noon", "0 22 * * *", "0 6 * * *", day(12, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, legacy := range []bool{false, true} {
				if got := CronWindowActive(mustCron(t, tt.start), mustCron(t, tt.end), tt.at, legacy); got != tt.want {
					t.Errorf("legacy=%v: %v; want %v", legacy, got, tt.want)
				}
			}
		})
	}
}

// TestCronWindowRulesDiffer: the two rules part only when neither line can
// fire; the current rule then reports active, the legacy rule does not.
func TestCronWindowRulesDiffer(t *testing.T) {
	never := mustCron(t, "0 0 30 2 *")
	at := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	if !CronWindowActive(never, never, at, false) || CronWindowActive(never, never, at, true) {
		t.Errorf("never-firing window: current %v legacy %v; want true and false",
			CronWindowActive(never, never, at, false), CronWindowActive(never, never, at, true))
	}
}

func TestCronAt(t *testing.T) {
	ist := mustZone(t, "Asia/Kolkata")
	event := time.Date(2026, 11, 21, 18, 0, 42, 0, time.UTC) // 23:30:42 IST
	if got := CronAt(event, ist); got != "30 23 21 11 *" {
		t.Errorf("CronAt(%v, IST) = %q; want %q", event, got, "30 23 21 11 *")
	}
	if got := CronAt(event, time.UTC); got != "0 18 21 11 *" {
		t.Errorf("CronAt(%v, UTC) = %q; want %q", event, got, "0 18 21 11 *")
	}
	// The line fires at the instant's minute.
	c := mustCron(t, CronAt(event, ist))
	want := time.Date(2026, 11, 21, 23, 30, 0, 0, ist)
	if got := c.Next(want.Add(-time.Second)); !got.Equal(want) {
		t.Errorf("Next before the minute = %v; want %v", got, want)
	}
}

func TestCronFloor(t *testing.T) {
	ist := mustZone(t, "Asia/Kolkata")
	f := CronFloor(mustCron(t, "30 23 21 11 *"), mustCron(t, "0 2 22 11 *"), ist,
		time.Date(2026, 11, 21, 23, 0, 0, 0, ist), 183, false)
	for _, tc := range []struct {
		t    float64
		want int
	}{{0, 0}, {1799, 0}, {1800, 183}, {10799, 183}, {10800, 0}} {
		if got := f(tc.t); got != tc.want {
			t.Errorf("floor at %v s = %d; want %d", tc.t, got, tc.want)
		}
	}
}

// FuzzParseCron: ParseCron never panics; whatever it accepts prints back
// to the same Cron, and Next finds a later whole minute that matches, with
// no matching minute in between.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"30 23 21 11 *", "*/15 9-17 * * mon-fri", "0 0 13 * fri", "0 0 30 2 *", "5/20 1,2 ? jan-mar 0"} {
		f.Add(s)
	}
	after := time.Date(2026, 11, 21, 23, 17, 42, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCron(s)
		if err != nil {
			var ce *CronError
			if !errors.As(err, &ce) || err.Error() == "" {
				t.Fatalf("ParseCron(%q) error %v is not a *CronError", s, err)
			}
			return
		}
		again, err := ParseCron(c.String())
		if err != nil || again != c {
			t.Fatalf("ParseCron(%q).String() = %q does not round-trip: %v", s, c.String(), err)
		}
		next := c.Next(after)
		if next.IsZero() {
			return
		}
		if !next.After(after) || next.Second() != 0 || next.Nanosecond() != 0 || !c.Matches(next) {
			t.Fatalf("ParseCron(%q).Next(%v) = %v: not a later matching whole minute", s, after, next)
		}
		if next.Sub(after) <= 48*time.Hour {
			for m := after.Truncate(time.Minute).Add(time.Minute); m.Before(next); m = m.Add(time.Minute) {
				if c.Matches(m) {
					t.Fatalf("ParseCron(%q).Next(%v) = %v skips %v", s, after, next, m)
				}
			}
		}
	})
}
