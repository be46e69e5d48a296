package workloads

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestKeysConstructorErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		err  func() error
		want string // a substring naming the parameter and its range
	}{
		{"uniform n 0", func() error { _, err := NewUniform(0); return err }, "want n >= 1"},
		{"zipf n 0", func() error { _, err := NewZipf(0, 0.99, false); return err }, "want n >= 1"},
		{"zipf theta 0", func() error { _, err := NewZipf(10, 0, false); return err }, "theta 0; want a finite theta > 0"},
		{"zipf theta negative", func() error { _, err := NewZipf(10, -1, true); return err }, "want a finite theta > 0"},
		{"zipf theta NaN", func() error { _, err := NewZipf(10, nan, false); return err }, "theta NaN"},
		{"zipf theta Inf", func() error { _, err := NewZipf(10, math.Inf(1), false); return err }, "theta +Inf"},
		{"latest n 0", func() error { _, err := NewLatest(0, 0.99); return err }, "latest: zipf: key count 0; want n >= 1"},
		{"latest theta 0", func() error { _, err := NewLatest(5, 0); return err }, "want a finite theta > 0"},
		{"hotspot n 0", func() error { _, err := NewHotspot(0, 0.2, 0.8); return err }, "want n >= 1"},
		{"hotspot hotSet 0", func() error { _, err := NewHotspot(10, 0, 0.8); return err }, "want 0 < hotSet < 1"},
		{"hotspot hotSet 1", func() error { _, err := NewHotspot(10, 1, 0.8); return err }, "want 0 < hotSet < 1"},
		{"hotspot hotSet NaN", func() error { _, err := NewHotspot(10, nan, 0.8); return err }, "want 0 < hotSet < 1"},
		{"hotspot hotOps negative", func() error { _, err := NewHotspot(10, 0.2, -0.1); return err }, "want 0 <= hotOps <= 1"},
		{"hotspot hotOps above 1", func() error { _, err := NewHotspot(10, 0.2, 1.5); return err }, "want 0 <= hotOps <= 1"},
		{"hotspot hotOps NaN", func() error { _, err := NewHotspot(10, 0.2, nan); return err }, "want 0 <= hotOps <= 1"},
		{"sequential n 0", func() error { _, err := NewSequential(0); return err }, "want n >= 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil {
				t.Fatalf("err = nil; want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

// drawCounts draws n keys from k and counts each key in [0, keys).
func drawCounts(t *testing.T, k Keys, keys uint64, n int, seed uint64) []int {
	t.Helper()
	r := NewRand(seed, 0)
	counts := make([]int, keys)
	for range n {
		v := k.Next(r)
		if v >= keys {
			t.Fatalf("Next() = %d; want < %d", v, keys)
		}
		counts[v]++
	}
	return counts
}

func TestUniformKeysFit(t *testing.T) {
	for _, n := range []uint64{1, 2, 7, 100} {
		u, err := NewUniform(n)
		if err != nil {
			t.Fatal(err)
		}
		probs := make([]float64, n)
		for i := range probs {
			probs[i] = 1 / float64(n)
		}
		checkFit(t, drawCounts(t, u, n, 200_000, 1), probs)
	}
}

func TestHotspotFit(t *testing.T) {
	tests := []struct {
		n              uint64
		hotSet, hotOps float64
		hot            uint64 // expected size of the hot set
	}{
		{100, 0.2, 0.8, 20},
		{100, 0.01, 0.99, 1},
		{100, 0.5, 0, 50},
		{100, 0.3, 1, 30},
		{10, 0.001, 0.5, 1}, // hot set rounded up to one key
		{10, 0.999, 0.5, 9}, // and down to leave one cold key
		{1, 0.5, 0.1, 1},    // a single key is hot
	}
	for _, tt := range tests {
		h, err := NewHotspot(tt.n, tt.hotSet, tt.hotOps)
		if err != nil {
			t.Fatal(err)
		}
		hotOps := tt.hotOps
		if tt.n == 1 {
			hotOps = 1
		}
		probs := make([]float64, tt.n)
		for i := range probs {
			if uint64(i) < tt.hot {
				probs[i] = hotOps / float64(tt.hot)
			} else {
				probs[i] = (1 - hotOps) / float64(tt.n-tt.hot)
			}
		}
		checkFit(t, drawCounts(t, h, tt.n, 200_000, 2), probs)
	}
}

func TestLatestFit(t *testing.T) {
	const n = 100
	for _, theta := range []float64{0.99, 1.2} {
		l, err := NewLatest(n, theta)
		if err != nil {
			t.Fatal(err)
		}
		ranks := producedPMF(n, theta)
		probs := make([]float64, n)
		for k, p := range ranks {
			probs[n-1-k] = p
		}
		checkFit(t, drawCounts(t, l, n, 200_000, 3), probs)
	}
}

func TestSequentialWraps(t *testing.T) {
	s, err := NewSequential(3)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{0, 1, 2, 0, 1, 2, 0}
	for i, w := range want {
		if got := s.Next(nil); got != w {
			t.Errorf("Next() #%d = %d; want %d", i, got, w)
		}
	}
}

func TestSequentialShardsPartition(t *testing.T) {
	tests := []struct{ n, k int }{{10, 1}, {10, 3}, {10, 10}, {7, 2}, {1000, 7}, {5, 4}}
	for _, tt := range tests {
		s, err := NewSequential(uint64(tt.n))
		if err != nil {
			t.Fatal(err)
		}
		s.Next(nil) // the parent's position must not leak into shards
		seen := make([]int, tt.n)
		smallest, largest := tt.n, 0
		for i := range tt.k {
			sh := s.Shard(i, tt.k).(*Sequential)
			size := int(sh.n)
			smallest, largest = min(smallest, size), max(largest, size)
			prev := uint64(0)
			for j := range size {
				v := sh.Next(nil)
				if j > 0 && v != prev+1 {
					t.Errorf("n=%d k=%d shard %d: key %d follows %d; want contiguous", tt.n, tt.k, i, v, prev)
				}
				seen[v]++
				prev = v
			}
			if v := sh.Next(nil); v != sh.lo {
				t.Errorf("n=%d k=%d shard %d: after a full pass Next() = %d; want the first key %d", tt.n, tt.k, i, v, sh.lo)
			}
		}
		for key, c := range seen {
			if c != 1 {
				t.Errorf("n=%d k=%d: key %d covered %d times; want exactly once", tt.n, tt.k, key, c)
			}
		}
		if largest-smallest > 1 {
			t.Errorf("n=%d k=%d: shard sizes from %d to %d; want them within 1", tt.n, tt.k, smallest, largest)
		}
	}
}

func TestSequentialShardOfShard(t *testing.T) {
	s, _ := NewSequential(100)
	half := s.Shard(1, 2).(*Sequential) // [50, 100)
	quarter := half.Shard(1, 2)         // [75, 100)
	if got := quarter.Next(nil); got != 75 {
		t.Errorf("Shard(1,2).Shard(1,2).Next() = %d; want 75", got)
	}
}

func TestSequentialMoreShardsThanKeys(t *testing.T) {
	s, _ := NewSequential(3)
	got := make([]uint64, 5)
	for i := range got {
		got[i] = s.Shard(i, 5).Next(nil)
	}
	seen := map[uint64]bool{}
	for _, v := range got {
		if v >= 3 {
			t.Fatalf("shard keys %v; want every key < 3", got)
		}
		seen[v] = true
	}
	if len(seen) != 3 {
		t.Errorf("shard keys %v; want all 3 keys covered", got)
	}
}

func TestSequentialShardHuge(t *testing.T) {
	s, _ := NewSequential(math.MaxUint64)
	last := s.Shard(2, 3).Next(nil)
	if want := uint64(math.MaxUint64 / 3 * 2); last != want {
		t.Errorf("Shard(2, 3).Next() = %d; want %d", last, want)
	}
}

func TestSequentialShardPanics(t *testing.T) {
	s, _ := NewSequential(10)
	for _, a := range [][2]int{{0, 0}, {-1, 2}, {2, 2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Shard(%d, %d) did not panic; want a panic", a[0], a[1])
				}
			}()
			s.Shard(a[0], a[1])
		}()
	}
}

func TestStatelessShardReturnsReceiver(t *testing.T) {
	u, _ := NewUniform(10)
	z, _ := NewZipf(10, 0.99, true)
	h, _ := NewHotspot(10, 0.2, 0.8)
	l, _ := NewLatest(10, 0.99)
	for _, k := range []Keys{u, z, h, l} {
		if got := k.Shard(1, 3); got != k {
			t.Errorf("%T.Shard(1, 3) = %p; want the receiver %p", k, got, k)
		}
	}
}

func TestKeysNextDoesNotAllocate(t *testing.T) {
	u, _ := NewUniform(1000)
	z, _ := NewZipf(1000, 0.99, false)
	zs, _ := NewZipf(1000, 0.99, true)
	z2, _ := NewZipf(1000, 1.5, false)
	h, _ := NewHotspot(1000, 0.2, 0.8)
	l, _ := NewLatest(1000, 0.99)
	s, _ := NewSequential(1000)
	r := NewRand(1, 0)
	for _, k := range []Keys{u, z, zs, z2, h, l, s} {
		if a := testing.AllocsPerRun(100, func() { k.Next(r) }); a != 0 {
			t.Errorf("%T.Next allocates %v times per call; want 0", k, a)
		}
	}
}

// TestImmutableSharedConcurrently backs the "safe for concurrent use"
// claims: under -race, goroutines share the immutable values, each with
// its own random stream and its own Sequential shard.
func TestImmutableSharedConcurrently(t *testing.T) {
	u, _ := NewUniform(100)
	z, _ := NewZipf(100, 0.99, true)
	z2, _ := NewZipf(100, 1.5, false)
	h, _ := NewHotspot(100, 0.2, 0.8)
	l, _ := NewLatest(100, 0.99)
	seq, _ := NewSequential(100)
	m, _ := NewMix([]float64{1, 2})
	b, _ := NewBuckets([]int{1, 2}, []float64{1, 2})
	p := mustNewProfile(t, testStages)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			r := NewRand(40, uint64(g))
			keys := []Keys{u, z, z2, h, l, seq.Shard(g, 4)}
			for range 1000 {
				for _, k := range keys {
					k.Shard(g, 4).Next(r)
				}
				m.Pick(r)
				b.Next(r)
			}
			s := NewSchedule(p, r, g, 4)
			for _, _, ok := s.Next(); ok; _, _, ok = s.Next() {
			}
		})
	}
	wg.Wait()
}

func TestFillBatch(t *testing.T) {
	seq, _ := NewSequential(10)
	shard := seq.Shard(1, 2) // keys 5..9
	for _, tc := range []struct {
		name  string
		keys  Keys
		first uint64
		n     int
		want  []uint64
	}{
		{"sequential", seq, 3, 4, []uint64{3, 4, 5, 6}},
		{"sequential wraps", seq, 8, 4, []uint64{8, 9, 0, 1}},
		{"shard wraps in its slice", shard, 8, 4, []uint64{8, 9, 5, 6}},
		{"longer than the keyspace", shard, 9, 7, []uint64{9, 5, 6, 7, 8, 9, 5}},
		{"one key", seq, 2, 1, []uint64{2}},
	} {
		dst := make([]uint64, tc.n)
		dst[0] = tc.first
		FillBatch(tc.keys, NewRand(1, 1), dst)
		if !slices.Equal(dst, tc.want) {
			t.Errorf("%s: got %v; want %v", tc.name, dst, tc.want)
		}
	}
	u, _ := NewUniform(1 << 40)
	a, b := make([]uint64, 8), make([]uint64, 8)
	FillBatch(u, NewRand(7, 3), a)
	FillBatch(u, NewRand(7, 3), b)
	if !slices.Equal(a, b) || a[1] == a[2] {
		t.Errorf("uniform batches %v and %v; want the same independent picks from the same stream", a, b)
	}
	r := NewRand(7, 3)
	if n := testing.AllocsPerRun(100, func() { FillBatch(u, r, a) }); n != 0 {
		t.Errorf("FillBatch makes %v allocations; want 0", n)
	}
}
