package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWriteText(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, syntheticResults(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.txt", buf.Bytes())
}

// A driver lost and a stage cut short show in the headers.
func TestWriteTextShortRun(t *testing.T) {
	r := &Results{Scenario: "s", Drivers: Drivers{Planned: 3, Completed: 2,
		Lost: []LostDriver{{Name: "driver-1", Index: 1, LostAtS: 31, ReportedUntilS: 30, Share: 1.0 / 3, Reason: "silent for 10s"}}},
		Stages: []StageResult{{Name: "hold", DurationS: 60, RanS: 12.5, IntendedRate: 100, AchievedRate: 99.5}}}
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"drivers 2/3 (lost driver-1 at 31.0s: silent for 10s)", "stage hold  ran 12.5s of 1m0s at 0s  intended 100/s  achieved 99.5/s", "slo: none"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("WriteText() lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestTopErrorClasses(t *testing.T) {
	tests := []struct {
		name string
		errs map[string]int64
		want string
	}{
		{"none", map[string]int64{}, ""},
		{"zeros are left out", map[string]int64{"timeout": 0}, ""},
		{"most first, ties by name, three at most",
			map[string]int64{"timeout": 3, "overload": 9, "refused": 3, "other": 1}, "(overload 9, refused 3, timeout 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := topErrorClasses(tt.errs); got != tt.want {
				t.Errorf("topErrorClasses(%v) = %q; want %q", tt.errs, got, tt.want)
			}
		})
	}
}

func TestFormatMillis(t *testing.T) {
	tests := []struct {
		ms   float64
		want string
	}{
		{0, "0ms"},
		{0.001, "0.001ms"},
		{0.0704, "0.07ms"},
		{0.9, "0.9ms"},
		{3.104, "3.1ms"},
		{21.06, "21.1ms"},
		{1000.447, "1000ms"},
		{9999.4, "9999ms"},
		{12345, "12.3s"},
	}
	for _, tt := range tests {
		if got := formatMillis(tt.ms); got != tt.want {
			t.Errorf("formatMillis(%v) = %q; want %q", tt.ms, got, tt.want)
		}
	}
	if got := formatElapsed(1500 * time.Millisecond); !strings.HasSuffix(got, "1.5s") {
		t.Errorf("formatElapsed(1.5s) = %q; want 1.5s", got)
	}
}
