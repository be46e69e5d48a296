package report

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers"
)

func TestProgressGolden(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, testPlan(), false)
	newSimRun(testPlan(), 1).run(t, p, 0)
	if err := p.Done(); err != nil {
		t.Fatal(err)
	}
	golden(t, "progress.txt", buf.Bytes())
}

func TestProgressLive(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, twoByTwo(), true)
	for seq, end := range []time.Duration{500 * time.Millisecond, time.Second} {
		iv := &drivers.Interval{Seq: uint64(seq), Start: end - 500*time.Millisecond, End: end,
			Ops:    []drivers.OpInterval{{Op: 0, Count: 50, Completed: 49, Latency: histOf(t, 900, 3100)}},
			Stages: []drivers.StageInterval{{Scheduled: 50}}}
		if err := p.Interval(iv); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Done(); err != nil {
		t.Fatal(err)
	}
	line := "low         98/s (intended 100/s)  p50 0.9ms  p99 3.1ms  err 0.00%\x1b[K"
	want := "\r  0.5s  " + line + "\r    1s  " + line + "\n"
	if got := buf.String(); got != want {
		t.Errorf("live output = %q; want %q", got, want)
	}
}

func TestProgressStages(t *testing.T) {
	p := NewProgress(&bytes.Buffer{}, twoByTwo(), false)
	tests := []struct {
		at   time.Duration
		want string
	}{
		{time.Second, "low"},
		{10 * time.Second, "low"}, // an interval ending at the boundary belongs to the stage before
		{10*time.Second + 1, "high"},
		{20 * time.Second, "high"},
		{21 * time.Second, "drain"},
	}
	for _, tt := range tests {
		if got := p.stageAt(tt.at); got != tt.want {
			t.Errorf("stageAt(%v) = %q; want %q", tt.at, got, tt.want)
		}
	}
}

func TestProgressWriteError(t *testing.T) {
	p := NewProgress(&failingWriter{}, twoByTwo(), false)
	iv := &drivers.Interval{End: time.Second}
	for range 2 {
		if err := p.Interval(iv); err != nil {
			t.Errorf("Interval() = %v; want nil: a progress line does not stop a run", err)
		}
	}
	if err := p.Done(); !errors.Is(err, errDiskFull) {
		t.Errorf("Done() = %v; want %v", err, errDiskFull)
	}
}
