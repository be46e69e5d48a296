package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// syntheticResults runs the synthetic sale through an Aggregator.
func syntheticResults(t *testing.T) *Results {
	t.Helper()
	a := newTestAggregator(t, testPlan())
	newSimRun(testPlan(), 1).run(t, a, 0)
	return a.Results(testMeta)
}

func TestResultsGolden(t *testing.T) {
	res := syntheticResults(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	golden(t, "results.json", buf.Bytes())

	back, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("ReadJSON(WriteJSON(r)) = %v", err)
	}
	if diff := cmp.Diff(res, back); diff != "" {
		t.Errorf("ReadJSON(WriteJSON(r)) differs from r (-r +read):\n%s", diff)
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", "schema", "read results: invalid character"},
		{"trailing data", `{"schema":"surge.results/v1"} {}`, "read results: invalid character '{' after top-level value"},
		{"no schema", `{"scenario":"x"}`, `read results: schema ""; want "surge.results/v1"`},
		{"other schema", `{"schema":"surge.results/v2"}`, `read results: schema "surge.results/v2"; want "surge.results/v1"`},
		{"wrong type", `{"schema":"surge.results/v1","stages":[{"ops":[{"count":"many"}]}]}`, "read results: json: cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.in))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("ReadJSON(%q) = %v; want an error starting %q", tt.in, err, tt.want)
			}
		})
	}
}

// ReadJSON fills in what an older or hand-written file leaves out, the way
// WriteJSON writes it.
func TestReadJSONNormalizes(t *testing.T) {
	got, err := ReadJSON(strings.NewReader(`{"schema":"surge.results/v1","stages":[{"name":"s","ops":[{"name":"get"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Results{Schema: Schema, Drivers: Drivers{Lost: []LostDriver{}, List: []DriverStats{}},
		Stages: []StageResult{{Name: "s", Ops: []OpResult{{Name: "get", Errors: map[string]int64{}}}, Journeys: []JourneyResult{}}},
		Totals: []OpResult{}, Journeys: []JourneyResult{}, SLO: []SLOResult{}, Warnings: []string{}, Populate: []PopulateResult{}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("ReadJSON() differs (-got +want):\n%s", diff)
	}
}

// FuzzReadJSON checks that ReadJSON never panics and that whatever it
// accepts survives WriteJSON and ReadJSON unchanged.
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(`{"schema":"surge.results/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatalf("WriteJSON of accepted input: %v", err)
		}
		back, err := ReadJSON(&buf)
		if err != nil {
			t.Fatalf("ReadJSON(WriteJSON(r)) = %v\n%s", err, buf.String())
		}
		if diff := cmp.Diff(r, back); diff != "" {
			t.Errorf("round trip differs (-first +second):\n%s", diff)
		}
	})
}

func TestExpectedOps(t *testing.T) {
	tests := []struct {
		name     string
		from, to float64
		steps    int
		d        time.Duration
		want     float64
	}{
		{"constant", 100, 100, 0, 10 * time.Second, 1000},
		{"ramp up", 0, 1000, 0, 60 * time.Second, 30000},
		{"ramp down", 1000, 200, 0, 10 * time.Second, 6000},
		{"one step holds from", 100, 900, 1, 10 * time.Second, 1000},
		{"two steps", 100, 300, 2, 10 * time.Second, 5*100 + 5*300},
		{"three steps", 1000, 2000, 3, 12 * time.Second, 4*1000 + 4*1500 + 4*2000},
		{"pause", 0, 0, 0, 5 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := expectedOps(tt.from, tt.to, tt.steps, tt.d); got != tt.want {
				t.Errorf("expectedOps(%v, %v, %d, %v) = %v; want %v", tt.from, tt.to, tt.steps, tt.d, got, tt.want)
			}
		})
	}
}

// A run cut short reports the stages it did not finish, with rates over
// the time they ran.
func TestResultsShortRun(t *testing.T) {
	a := newTestAggregator(t, testPlan())
	newSimRun(testPlan(), 1).run(t, a, 15*time.Second)
	res := a.Results(Meta{StartedAt: testStart, Warnings: []string{"the run did not finish: interrupted"}})
	if got, want := res.DurationS, 15.0; got != want {
		t.Errorf("DurationS = %v; want %v (from the intervals)", got, want)
	}
	spike := res.Stages[1]
	if spike.RanS != 5 || spike.DurationS != 10 || spike.AchievedRate != 650 {
		t.Errorf("midnight-spike ran %vs of %vs at %v ops/s; want 5s of 10s at 650 ops/s (3250 ops in 5s)",
			spike.RanS, spike.DurationS, spike.AchievedRate)
	}
	want := []string{
		"the run did not finish: interrupted",
		`stage "midnight-spike" ran 5s of 10s: its achieved rates cover that part only`,
		`stage "midnight-spike": the generator dispatched 5 of 3250 ops late by up to 3.09ms (a busy machine or a pause); their latency includes that delay`,
		`stage "peak-hold" did not run`,
		`stage "cool-down" did not run`,
	}
	if diff := cmp.Diff(res.Warnings[:5], want); diff != "" {
		t.Errorf("Warnings differ (-got +want):\n%s", diff)
	}
	if !res.Failed() {
		t.Error("Failed() = false; want true: the SLOs of stages that did not run cannot pass")
	}
}

func TestResultsNoIntervals(t *testing.T) {
	res := newTestAggregator(t, twoByTwo()).Results(Meta{})
	if len(res.Stages) != 2 || len(res.Stages[0].Ops) != 2 || res.Stages[0].Ops[1].Name != "put" {
		t.Fatalf("Stages = %+v; want both stages with both ops", res.Stages)
	}
	if diff := cmp.Diff(res.Warnings, []string{"no interval was reported: the results hold no measurements"}); diff != "" {
		t.Errorf("Warnings differ (-got +want):\n%s", diff)
	}
}

func TestWriteJSONError(t *testing.T) {
	err := WriteJSON(&failingWriter{}, &Results{})
	if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "write results: ") {
		t.Errorf("WriteJSON to a full disk = %v; want write results: %v", err, errDiskFull)
	}
	err = WriteText(&failingWriter{}, &Results{})
	if !errors.Is(err, errDiskFull) {
		t.Errorf("WriteText to a full disk = %v; want %v", err, errDiskFull)
	}
}
