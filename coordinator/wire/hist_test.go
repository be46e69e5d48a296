package wire

import (
	"math"
	"math/rand/v2"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
)

// TestGeometry pins the bucket count that doc.go quotes.
func TestGeometry(t *testing.T) {
	if countsLen != 23552 {
		t.Errorf("countsLen = %d; want 23552 (doc.go quotes it)", countsLen)
	}
}

// TestValueAtMatchesHDR checks valueAt against hdrhistogram-go for every
// bucket of the geometry: recording valueAt(i) with count i+1 must land in
// bucket i and nowhere else, and valueAt(i)-1 must lie in another bucket,
// so valueAt(i) is bucket i's lowest value.
func TestValueAtMatchesHDR(t *testing.T) {
	h := drivers.NewHistogram()
	for i := range countsLen {
		if err := h.RecordValues(valueAt(i), int64(i+1)); err != nil {
			t.Fatalf("RecordValues(valueAt(%d) = %d, %d): %v", i, valueAt(i), i+1, err)
		}
	}
	counts := h.Export().Counts
	if len(counts) != countsLen {
		t.Fatalf("len(Counts) = %d; want %d", len(counts), countsLen)
	}
	bad := 0
	for i, c := range counts {
		if c != int64(i+1) {
			t.Errorf("Counts[%d] = %d; want %d (valueAt(%d) = %d)", i, c, i+1, i, valueAt(i))
			if bad++; bad == 10 {
				t.Fatal("too many mismatches")
			}
		}
	}
	for i := 1; i < countsLen; i++ {
		if v := valueAt(i); h.ValuesAreEquivalent(v-1, v) {
			t.Fatalf("valueAt(%d) = %d is not its bucket's lowest value: %d is in the same bucket", i, v, v-1)
		}
	}
	if got := valueAt(0); got != 0 {
		t.Errorf("valueAt(0) = %d; want 0", got)
	}
}

// randomHist returns a histogram of n values spread log-uniformly over
// 1 µs to 1 h, some recorded more than once, plus the geometry's edges.
func randomHist(r *rand.Rand, n int) *hdrhistogram.Histogram {
	h := drivers.NewHistogram()
	logMax := math.Log(float64(drivers.HistogramMaxMicros))
	for range n {
		v := int64(math.Exp(r.Float64() * logMax))
		c := int64(1)
		if r.IntN(10) == 0 {
			c = 1 + r.Int64N(1<<20)
		}
		if err := h.RecordValues(v, c); err != nil {
			panic(err)
		}
	}
	for _, v := range []int64{1, drivers.HistogramMaxMicros} {
		if err := h.RecordValue(v); err != nil {
			panic(err)
		}
	}
	return h
}

// viaReport sends src through a Report's encoding and adds what arrives
// to a fresh histogram.
func viaReport(t *testing.T, src *hdrhistogram.Histogram) *hdrhistogram.Histogram {
	t.Helper()
	var total int64
	if src != nil {
		total = src.TotalCount()
	}
	in := Report{Ops: []OpReport{{Stage: 1, Op: 2, Count: total}}}
	in.Ops[0].Latency.From(src)
	if got := in.Ops[0].Latency.Total(); got != total {
		t.Errorf("Hist.Total() = %d; want %d", got, total)
	}
	var out Report
	if err := out.Unmarshal(in.Marshal(nil)); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	dst := drivers.NewHistogram()
	if dropped := out.Ops[0].Latency.AddTo(dst); dropped != 0 {
		t.Errorf("AddTo dropped %d values; want 0", dropped)
	}
	return dst
}

func TestHistRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		h    *hdrhistogram.Histogram
	}{
		{"nil", nil},
		{"empty", drivers.NewHistogram()},
		{"edges", randomHist(r, 0)},
		{"one", randomHist(r, 1)},
		{"hundred", randomHist(r, 100)},
		{"ten thousand", randomHist(r, 10_000)},
		{"million", randomHist(r, 1_000_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.h
			if want == nil {
				want = drivers.NewHistogram()
			}
			if got := viaReport(t, tt.h); !got.Equals(want) {
				t.Errorf("round trip: total %d, max %d; want total %d, max %d, bucket for bucket",
					got.TotalCount(), got.Max(), want.TotalCount(), want.Max())
			}
		})
	}
}

// TestHistMerge checks that adding two Hists to one histogram is
// hdrhistogram's own Merge.
func TestHistMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a, b := randomHist(r, 5000), randomHist(r, 5000)
	want := drivers.NewHistogram()
	for _, h := range []*hdrhistogram.Histogram{a, b} {
		if dropped := want.Merge(h); dropped != 0 {
			t.Fatalf("Merge dropped %d", dropped)
		}
	}
	got := drivers.NewHistogram()
	var ha, hb Hist
	ha.From(a)
	hb.From(b)
	for _, h := range []*Hist{&ha, &hb} {
		if dropped := h.AddTo(got); dropped != 0 {
			t.Errorf("AddTo dropped %d; want 0", dropped)
		}
	}
	if !got.Equals(want) {
		t.Errorf("AddTo a, b: total %d; want Merge's %d, bucket for bucket", got.TotalCount(), want.TotalCount())
	}
}

// TestHistFromReuses checks that From empties a reused Hist first.
func TestHistFromReuses(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var h Hist
	h.From(randomHist(r, 1000))
	small := randomHist(r, 3)
	h.From(small)
	dst := drivers.NewHistogram()
	h.AddTo(dst)
	if !dst.Equals(small) {
		t.Errorf("From after From: total %d; want %d", dst.TotalCount(), small.TotalCount())
	}
	h.From(nil)
	if len(h.Idx) != 0 || len(h.Counts) != 0 {
		t.Errorf("From(nil) left %d buckets", len(h.Idx))
	}
}

// TestHistAddToDropped checks that AddTo counts what a smaller geometry
// cannot hold.
func TestHistAddToDropped(t *testing.T) {
	h := Hist{Idx: []int32{1, int32(countsLen - 1)}, Counts: []int64{2, 3}}
	dst := hdrhistogram.New(1, 1000, 3)
	if dropped := h.AddTo(dst); dropped != 3 {
		t.Errorf("AddTo(1 µs to 1 ms histogram) dropped %d; want 3", dropped)
	}
	if got := dst.TotalCount(); got != 2 {
		t.Errorf("TotalCount() = %d; want 2", got)
	}
}
