package drivers_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/workloads"
)

// writes is a target that counts the writes of each key and remembers
// each key's value size; fail, if set, decides a write's error.
type writes struct {
	mu    sync.Mutex
	n     map[uint64]int
	size  map[uint64]int
	tries map[uint64]int
	fail  func(key uint64, try int) error
}

func newWrites() *writes {
	return &writes{n: map[uint64]int{}, size: map[uint64]int{}, tries: map[uint64]int{}}
}

func (w *writes) Do(_ context.Context, op *drivers.Op) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tries[op.Key]++
	if w.fail != nil {
		if err := w.fail(op.Key, w.tries[op.Key]); err != nil {
			return err
		}
	}
	w.n[op.Key]++
	w.size[op.Key] = op.ValueSize
	return nil
}

func fill(target drivers.Target, count uint64) drivers.Fill {
	sizes, _ := workloads.NewUniformSize(10, 1000)
	return drivers.Fill{Target: target, Op: 3, Count: count, Sizes: sizes, Seed: 7, Concurrency: 8}
}

func TestPopulateWritesEveryKeyOnce(t *testing.T) {
	w := newWrites()
	prog, err := drivers.Populate(context.Background(), fill(w, 1000))
	if err != nil {
		t.Fatal(err)
	}
	if prog.Done != 1000 || prog.Written != 1000 || prog.Failed() != 0 {
		t.Errorf("progress = %+v; want 1000 keys done and written", prog)
	}
	for k := range uint64(1000) {
		if w.n[k] != 1 {
			t.Fatalf("key %d written %d times; want once", k, w.n[k])
		}
	}
	if len(w.n) != 1000 {
		t.Errorf("%d keys written; want 1000", len(w.n))
	}
}

// A populate cancelled part way reports a resume point below which every
// key was written; resuming from it finishes the keyspace, rewriting at
// most the chunks that were in flight, and sizes do not depend on where
// the populate started.
func TestPopulateResume(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := newWrites()
	w.fail = func(key uint64, _ int) error {
		if len(w.n) == 300 {
			cancel()
		}
		return nil
	}
	f := fill(w, 1000)
	f.Concurrency = 1 // so that the chunks complete in order
	first, err := drivers.Populate(ctx, f)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled populate: err = %v; want context.Canceled", err)
	}
	if first.Done != 256 {
		t.Fatalf("resume point %d; want 256, the last whole chunk of the 300 keys written", first.Done)
	}
	for k := range first.Done {
		if w.n[k] != 1 {
			t.Fatalf("key %d below the resume point %d written %d times", k, first.Done, w.n[k])
		}
	}
	w.fail = nil
	f.From, f.Concurrency = first.Done, 8
	second, err := drivers.Populate(context.Background(), f)
	if err != nil || second.Done != 1000 {
		t.Fatalf("resumed populate: %+v, %v", second, err)
	}
	again := 0
	for k := range uint64(1000) {
		switch {
		case w.n[k] == 0:
			t.Fatalf("key %d never written", k)
		case w.n[k] > 1:
			again++
		}
	}
	// The write that cancelled still went through: keys 256 to 300.
	if again != 301-256 {
		t.Errorf("%d keys written twice; want the %d of the unfinished chunk", again, 301-256)
	}
	fresh := newWrites()
	if _, err := drivers.Populate(context.Background(), fill(fresh, 1000)); err != nil {
		t.Fatal(err)
	}
	for k := range uint64(1000) {
		if fresh.size[k] != w.size[k] {
			t.Fatalf("key %d: size %d fresh, %d resumed; want the same", k, fresh.size[k], w.size[k])
		}
	}
}

func TestPopulateRetriesAndFailures(t *testing.T) {
	w := newWrites()
	w.fail = func(key uint64, try int) error {
		switch {
		case key%10 == 0:
			return drivers.ErrOverload // every try
		case try == 1:
			return drivers.ErrTimeout // the second try succeeds
		}
		return nil
	}
	prog, err := drivers.Populate(context.Background(), fill(w, 500))
	if err != nil {
		t.Fatal(err)
	}
	if prog.Written != 450 || prog.Errors[drivers.ClassOverload] != 50 || prog.Failed() != 50 || prog.Done != 500 {
		t.Errorf("progress = %+v; want 450 written and 50 overloaded", prog)
	}
	if w.tries[10] != 3 || w.tries[11] != 2 {
		t.Errorf("tries: %d for a failing key, %d for a flaky one; want 3 and 2", w.tries[10], w.tries[11])
	}
}

func TestPopulateStopsWhenEverythingFails(t *testing.T) {
	w := newWrites()
	w.fail = func(uint64, int) error { return drivers.ErrOverload }
	prog, err := drivers.Populate(context.Background(), fill(w, 1_000_000))
	if !errors.Is(err, drivers.ErrFillFailing) {
		t.Fatalf("err = %v; want ErrFillFailing", err)
	}
	if n := len(w.tries); n > 1000 {
		t.Errorf("%d keys tried before giving up; want it to stop early", n)
	}
	if prog.Written != 0 || prog.Errors[drivers.ClassOverload] == 0 {
		t.Errorf("progress = %+v", prog)
	}
}

// The rate cap holds the populate to its rate, and progress comes every
// interval (virtual time).
func TestPopulateRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWrites()
		f := fill(w, 2000)
		f.Rate = 1000
		f.Interval = 500 * time.Millisecond
		var reports []drivers.FillProgress
		f.Progress = func(p drivers.FillProgress) { reports = append(reports, p) }
		prog, err := drivers.Populate(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if prog.Elapsed < 1950*time.Millisecond || prog.Elapsed > 2050*time.Millisecond {
			t.Errorf("2000 writes at 1000/s took %v; want 2s", prog.Elapsed)
		}
		if len(reports) < 3 || len(reports) > 4 {
			t.Errorf("%d progress reports in 2s at 500ms; want 3 or 4", len(reports))
		}
		for i := 1; i < len(reports); i++ {
			if reports[i].Done < reports[i-1].Done {
				t.Errorf("progress went back: %d then %d", reports[i-1].Done, reports[i].Done)
			}
		}
	})
}

func TestPopulateBadFill(t *testing.T) {
	for _, f := range []drivers.Fill{{}, {Target: newWrites(), Count: 10}, {Target: newWrites(), Count: 10, From: 11, Concurrency: 1}} {
		if _, err := drivers.Populate(context.Background(), f); !errors.Is(err, drivers.ErrBadJob) {
			t.Errorf("Populate(%+v) = %v; want ErrBadJob", f, err)
		}
	}
}
