package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fleetMeta is the synthetic sale run by four drivers, of which driver-2
// fell silent at 15s (mid midnight-spike) and driver-3 at 30s (late in
// peak-hold), and driver-1 fell behind.
func fleetMeta() Meta {
	m := testMeta
	m.DriversPlanned, m.DriversCompleted = 4, 2
	m.DriversLost = []LostDriver{
		{Name: "driver-2", Index: 2, LostAtS: 25, ReportedUntilS: 15, Share: 0.25, Reason: "silent for 10s"},
		{Name: "driver-3", Index: 3, LostAtS: 31.04, ReportedUntilS: 30, Share: 0.25, Reason: "connection reset"},
	}
	m.Drivers = []DriverStats{
		{Name: "driver-0", Index: 0, Shard: 0, Status: "completed", Intervals: 38, CPUMeanCores: 0.8, CPUMaxCores: 1.25},
		{Name: "driver-1", Index: 1, Shard: 1, Status: "completed", Intervals: 38, CPUMeanCores: 1.9, CPUMaxCores: 2, Waited: 120, Late: 3},
		{Name: "driver-2", Index: 2, Shard: 2, Status: "lost", Intervals: 15, CPUMeanCores: 0.7, CPUMaxCores: 1},
		{Name: "driver-3", Index: 3, Shard: 3, Status: "lost", Intervals: 30, CPUMeanCores: 0.9, CPUMaxCores: 1.1},
	}
	return m
}

func fleetResults(t *testing.T) *Results {
	t.Helper()
	a := newTestAggregator(t, testPlan())
	newSimRun(testPlan(), 1).run(t, a, 0)
	return a.Results(fleetMeta())
}

// Lost drivers leave out their share of the stages after their last
// interval: warm-up is whole; driver-2 misses half of midnight-spike
// (intended 1100/s) and all of the rest; driver-3 misses the last 2s of
// peak-hold (intended 1500/s); cool-down intends nothing, so lacks nothing.
func TestResultsLostDrivers(t *testing.T) {
	res := fleetResults(t)
	type notOffered struct {
		Stage       string
		Share, Rate float64
	}
	var got []notOffered
	for _, st := range res.Stages {
		got = append(got, notOffered{st.Name, st.NotOfferedShare, st.NotOfferedRate})
	}
	want := []notOffered{
		{"warm-up", 0, 0},
		{"midnight-spike", 0.125, 137.5},
		{"peak-hold", 0.2917, 437.5}, // 0.25 + 0.25 * 2/12
		{"cool-down", 0, 0},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("not offered differs (-got +want):\n%s", diff)
	}
	meta := fleetMeta()
	if diff := cmp.Diff(res.Drivers, Drivers{Planned: 4, Completed: 2, Lost: meta.DriversLost, List: meta.Drivers}); diff != "" {
		t.Errorf("Drivers differ (-got +want):\n%s", diff)
	}
	wantWarnings := []string{
		"driver driver-2 was lost at 25.0s (last data 15.0s): stages midnight-spike (12.5%), peak-hold (25%) did not offer that share of their intended rate",
		"driver driver-3 was lost at 31.0s (last data 30.0s): stage peak-hold did not offer 4.2% of its intended rate",
		"driver driver-1 fell behind its schedule (waited 120, late 3): its host was short of CPU or in-flight slots, add drivers",
	}
	for _, w := range wantWarnings {
		if !contains(res.Warnings, w) {
			t.Errorf("Warnings lack %q:\n%s", w, strings.Join(res.Warnings, "\n"))
		}
	}

	var buf bytes.Buffer
	if err := WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"lost_at_s": 25`, `"reported_until_s": 15`, `"cpu_mean_cores": 0.8`, `"not_offered_share": 0.125`, `"not_offered_rate": 137.5`} {
		if !strings.Contains(buf.String(), field) {
			t.Errorf("results.json lacks %s", field)
		}
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatalf("ReadJSON(WriteJSON(r)) = %v", err)
	}
	if diff := cmp.Diff(res, back); diff != "" {
		t.Errorf("ReadJSON(WriteJSON(r)) differs from r (-r +read):\n%s", diff)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestNotOffered(t *testing.T) {
	quarter := func(until float64) LostDriver { return LostDriver{ReportedUntilS: until, Share: 0.25} }
	tests := []struct {
		name  string
		lost  []LostDriver
		start time.Duration
		want  float64
	}{
		{"none lost", nil, 10 * time.Second, 0},
		{"lost before the stage", []LostDriver{quarter(5)}, 10 * time.Second, 0.25},
		{"lost at its start", []LostDriver{quarter(10)}, 10 * time.Second, 0.25},
		{"lost in its middle", []LostDriver{quarter(15)}, 10 * time.Second, 0.125},
		{"lost at its end", []LostDriver{quarter(20)}, 10 * time.Second, 0},
		{"lost after it", []LostDriver{quarter(25)}, 10 * time.Second, 0},
		{"shares add up", []LostDriver{quarter(5), quarter(15)}, 10 * time.Second, 0.375},
		{"at most everything", []LostDriver{{Share: 0.75}, {Share: 0.75}}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notOffered(tt.lost, tt.start, 10*time.Second); got != tt.want {
				t.Errorf("notOffered(%+v, %v, 10s) = %v; want %v", tt.lost, tt.start, got, tt.want)
			}
		})
	}
}

// A driver lost after the last stage misses no stage's load.
func TestLostAfterTheStages(t *testing.T) {
	a := newTestAggregator(t, testPlan())
	meta := Meta{DriversPlanned: 2, DriversCompleted: 1,
		DriversLost: []LostDriver{{Name: "d1", LostAtS: 40, ReportedUntilS: 37, Share: 0.5}}}
	want := "driver d1 was lost at 40.0s (last data 37.0s), after its stages: only what it had in flight is missing"
	if res := a.Results(meta); !contains(res.Warnings, want) {
		t.Errorf("Warnings lack %q:\n%s", want, strings.Join(res.Warnings, "\n"))
	}
	meta.DriversLost[0].ReportedUntilS = 0
	want = "driver d1 was lost at 40.0s (last data 0.0s): stages warm-up, midnight-spike, peak-hold did not offer 50% of their intended rate"
	if res := a.Results(meta); !contains(res.Warnings, want) {
		t.Errorf("Warnings lack %q:\n%s", want, strings.Join(res.Warnings, "\n"))
	}
}

// The summary names the lost drivers, tables the drivers and shows each
// stage's share not offered.
func TestWriteTextFleet(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, fleetResults(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"drivers 2/4 (lost driver-2 at 25.0s: silent for 10s; driver-3 at 31.0s: connection reset)\n",
		"\ndrivers\n" +
			"  driver    shard  status     intervals  cpu mean  cpu max  waited  late\n" +
			"  driver-0  0      completed  38         0.80      1.25     0       0\n" +
			"  driver-1  1      completed  38         1.90      2.00     120     3\n" +
			"  driver-2  2      lost       15         0.70      1.00     0       0\n" +
			"  driver-3  3      lost       30         0.90      1.10     0       0\n",
		"stage midnight-spike  10s at 10s  intended 1100/s  achieved 1100/s  not offered 12.5% (137.5/s)\n",
		"  - driver driver-1 fell behind its schedule (waited 120, late 3): its host was short of CPU or in-flight slots, add drivers\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("WriteText() lacks %q:\n%s", want, buf.String())
		}
	}
}
