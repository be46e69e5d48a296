package report

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
)

// TestIntervalLog writes the synthetic run's interval log and reads it back
// with hdrhistogram-go's reader: one line per interval and op with values,
// tagged with the op, in plan order, timed from the run start, and holding
// exactly the latency values merged into the results.
func TestIntervalLog(t *testing.T) {
	plan := testPlan()
	var log bytes.Buffer
	a, err := NewAggregator(plan, AggregatorOptions{Hlog: &log, StartedAt: testStart})
	if err != nil {
		t.Fatal(err)
	}
	newSimRun(plan, 1).run(t, a, 0)

	for _, want := range []string{
		"#[Histogram log format version 1.3]\n",
		fmt.Sprintf("#[StartTime: %d (seconds since epoch), 2026-11-21T18:30:00Z]\n", testStart.Unix()),
		fmt.Sprintf("#[BaseTime: %d (seconds since epoch)]\n", testStart.Unix()),
		"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
		"Tag=pdp-read,0.250000,1.000000,",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("interval log lacks %q:\n%.600s", want, log.String())
		}
	}

	reader := hdrhistogram.NewHistogramLogReader(&log)
	merged := map[string]*hdrhistogram.Histogram{}
	var tags []string
	for {
		h, err := reader.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("NextIntervalHistogram() = %v", err)
		}
		if h == nil {
			break
		}
		tags = append(tags, h.Tag())
		if merged[h.Tag()] == nil {
			merged[h.Tag()] = drivers.NewHistogram()
		}
		if dropped := merged[h.Tag()].Merge(h); dropped != 0 {
			t.Fatalf("merging the log's %s dropped %d", h.Tag(), dropped)
		}
		// Lines of one interval come in plan order; the first interval
		// starts with the run.
		if len(tags) == 1 {
			if h.Tag() != "pdp-read" || h.StartTimeMs() != testStart.UnixMilli() || h.EndTimeMs() != testStart.UnixMilli()+1000 {
				t.Errorf("first line: tag %q, %d..%d ms; want pdp-read, %d..%d", h.Tag(), h.StartTimeMs(), h.EndTimeMs(),
					testStart.UnixMilli(), testStart.UnixMilli()+1000)
			}
		}
	}
	// 10 + 10 + 12 intervals with ops, 3 ops each; cool-down and drain log
	// nothing.
	if len(tags) != 32*3 {
		t.Errorf("read %d lines; want %d", len(tags), 32*3)
	}
	for i := 0; i+2 < len(tags); i += 3 {
		if got := tags[i : i+3]; got[0] != "pdp-read" || got[1] != "cart-add" || got[2] != "checkout" {
			t.Fatalf("lines %d..%d tagged %q; want plan order", i, i+2, got)
		}
	}
	for o, tot := range a.runTotals() {
		name := plan.Ops[o].Name
		if got := merged[name]; got == nil || !got.Equals(tot.latency) {
			t.Errorf("op %s: the log holds %v values, the results %d; want the same histogram", name, got.TotalCount(), tot.latency.TotalCount())
		}
	}
}

func TestIntervalLogMergesStagesAndDrivers(t *testing.T) {
	plan := twoByTwo()
	var log bytes.Buffer
	a, err := NewAggregator(plan, AggregatorOptions{Hlog: &log, StartedAt: time.Unix(1000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	// One interval straddles the two stages; get has values in both.
	iv := &drivers.Interval{Seq: 9, Start: 9500 * time.Millisecond, End: 10500 * time.Millisecond, Ops: []drivers.OpInterval{
		{Stage: 0, Op: 0, Count: 2, Latency: histOf(t, 100, 200)},
		{Stage: 1, Op: 0, Count: 3, Latency: histOf(t, 300, 400, 500)},
		{Stage: 1, Op: 1, Count: 1, Latency: histOf(t)}, // nothing to log
	}}
	if err := a.Interval(iv); err != nil {
		t.Fatal(err)
	}
	reader := hdrhistogram.NewHistogramLogReader(&log)
	h, err := reader.NextIntervalHistogram()
	if err != nil || h == nil {
		t.Fatalf("NextIntervalHistogram() = %v, %v; want a histogram", h, err)
	}
	if h.Tag() != "get" || h.TotalCount() != 5 || h.StartTimeMs() != 1_009_500 || h.EndTimeMs() != 1_010_500 {
		t.Errorf("line: tag %q, %d values, %d..%d ms; want get, 5, 1009500..1010500", h.Tag(), h.TotalCount(), h.StartTimeMs(), h.EndTimeMs())
	}
	if h, err := reader.NextIntervalHistogram(); h != nil || err != nil {
		t.Errorf("second line: %v, %v; want none", h, err)
	}
}

func TestHlogTag(t *testing.T) {
	tests := []struct{ name, want string }{
		{"pdp-read", "pdp-read"},
		{"add to cart", "add_to_cart"},
		{"a,b\r\n", "a_b__"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hlogTag(tt.name); got != tt.want {
				t.Errorf("hlogTag(%q) = %q; want %q", tt.name, got, tt.want)
			}
		})
	}
}

var errDiskFull = errors.New("disk full")

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestIntervalLogWriteErrors(t *testing.T) {
	if _, err := NewAggregator(twoByTwo(), AggregatorOptions{Hlog: &failingWriter{n: 10}}); !errors.Is(err, errDiskFull) {
		t.Errorf("NewAggregator on a full disk = %v; want %v", err, errDiskFull)
	}
	a, err := NewAggregator(twoByTwo(), AggregatorOptions{Hlog: &failingWriter{n: 400}})
	if err != nil {
		t.Fatal(err)
	}
	iv := &drivers.Interval{Seq: 3, Ops: []drivers.OpInterval{{Op: 0, Count: 1, Latency: histOf(t, 10)}, {Op: 1, Count: 1, Latency: histOf(t, 10)}}}
	err = a.Interval(iv)
	if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "interval 3: write interval log: ") {
		t.Errorf("Interval on a full disk = %v; want interval 3: write interval log: %v", err, errDiskFull)
	}
	// The next interval starts clean: no op stays marked from the failed one.
	if got := a.hlog.touched; got[0] || got[1] {
		t.Errorf("touched = %v after a failed write; want all false", got)
	}
}
