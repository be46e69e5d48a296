package coordinator

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
)

// TestCheckpointReplay writes every record kind, tears the last one as a
// crash would, and reads back the state, the windows and the valid size.
func TestCheckpointReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), CheckpointFile)
	ck, err := createCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Unix(1_700_000_000, 5)
	want := &ckState{runID: "r1", hash: "h1", planned: 3, started: true, startedAt: started,
		spec:    wire.RunSpec{File: "s.yaml", Source: []byte("name: s"), Env: []string{"A=1"}, RateScale: 2, DurationScale: 1},
		drivers: []ckDriver{{id: 0, index: 0, shard: 0, name: "a"}, {id: 2, index: 7, shard: 1, name: "b"}},
		lost:    []lostDriver{{id: 2, at: 12 * time.Second, reportedTo: 2 * time.Second, reason: "silent for 10s"}},
		done:    map[int]int64{0: 4}}
	ck.header(want)
	ck.start(started, want.drivers)
	h := drivers.NewHistogram()
	for v := int64(1); v < 5000; v += 7 {
		h.RecordValue(v)
	}
	var rep wire.Report
	rep.FromInterval(&drivers.Interval{Seq: 3, Start: 3 * time.Second, End: 4 * time.Second,
		Ops: []drivers.OpInterval{{Op: 1, Count: 9, Latency: h}}}, 0)
	ck.window([]int{0, 2}, &rep)
	ck.lost(want.lost[0])
	ck.done(0, 4)
	if err := ck.sync(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	ck.end()
	if err := ck.close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()+5); err != nil { // the end record, torn
		t.Fatal(err)
	}

	var windows int
	got, size, err := readRunCheckpoint(path, func(from []int, r *wire.Report) error {
		windows++
		if !cmp.Equal(from, []int{0, 2}) || r.Seq != 3 || r.Ops[0].Count != 9 || r.Ops[0].Latency.Total() != h.TotalCount() {
			t.Errorf("window from %v: %+v", from, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if size != fi.Size() || windows != 1 {
		t.Errorf("valid size %d, %d windows; want %d, 1 (the torn end cut off)", size, windows, fi.Size())
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(ckState{}, ckDriver{}, lostDriver{})); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
}
