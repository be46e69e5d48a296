package wire

import (
	"fmt"
	"math"
	"math/bits"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
)

// The layout of surge's histogram geometry ([drivers.NewHistogram]): a
// bucket index maps to the lowest value it holds as HdrHistogram lays its
// counts out. hdrhistogram-go does not export the mapping; the tests check
// ours against it for every index.
var (
	// countsLen is the number of buckets of the geometry.
	countsLen = len(drivers.NewHistogram().Export().Counts)
	// unitMagnitude is log2 of the lowest discernible value.
	unitMagnitude = bits.Len64(uint64(drivers.HistogramMinMicros)) - 1
	// subBucketHalfCountMagnitude is log2 of half the sub-buckets that
	// give HistogramSigFigs digits.
	subBucketHalfCountMagnitude = bits.Len64(uint64(2*math.Pow10(drivers.HistogramSigFigs))-1) - 1
)

// valueAt returns the lowest value bucket idx holds.
func valueAt(idx int) int64 {
	bucket := idx>>subBucketHalfCountMagnitude - 1
	sub := idx&(1<<subBucketHalfCountMagnitude-1) + 1<<subBucketHalfCountMagnitude
	if bucket < 0 {
		sub -= 1 << subBucketHalfCountMagnitude
		bucket = 0
	}
	return int64(sub) << (bucket + unitMagnitude)
}

// Hist is a histogram of surge's geometry on the wire: the indices of its
// non-zero buckets, ascending, and their counts. A Hist is reused from
// report to report; its slices grow to the largest seen.
type Hist struct {
	Idx    []int32
	Counts []int64
}

// From sets h to the contents of src, which must have surge's geometry.
// It copies src's counts once (hdrhistogram-go exposes them no other way).
func (h *Hist) From(src *hdrhistogram.Histogram) {
	if src == nil || src.TotalCount() == 0 {
		h.Idx, h.Counts = h.Idx[:0], h.Counts[:0]
		return
	}
	h.FromCounts(src.Export().Counts)
}

// FromCounts sets h to the non-zero buckets of counts, laid out as
// surge's geometry lays them out ([Counts], or an hdrhistogram export).
func (h *Hist) FromCounts(counts []int64) {
	h.Idx, h.Counts = h.Idx[:0], h.Counts[:0]
	for i, c := range counts {
		if c != 0 {
			h.Idx = append(h.Idx, int32(i))
			h.Counts = append(h.Counts, c)
		}
	}
}

// Total is the number of values h holds.
func (h *Hist) Total() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// AddTo merges h into dst, which must have surge's geometry, and returns
// the number of values dst could not hold (none, for a decoded Hist).
func (h *Hist) AddTo(dst *hdrhistogram.Histogram) (dropped int64) {
	for i, idx := range h.Idx {
		if err := dst.RecordValues(valueAt(int(idx)), h.Counts[i]); err != nil {
			dropped += h.Counts[i]
		}
	}
	return dropped
}

func (h *Hist) encode(e *enc) {
	e.uint(uint64(len(h.Idx)))
	prev := int32(-1)
	for i, idx := range h.Idx {
		e.uint(uint64(idx - prev - 1))
		e.uint(uint64(h.Counts[i]))
		prev = idx
	}
}

// decode reads a Hist, checking that indices ascend within the geometry,
// that counts are positive and that their total fits an int64.
func (h *Hist) decode(d *dec) {
	n := d.length(2)
	h.Idx, h.Counts = h.Idx[:0], h.Counts[:0]
	idx := int64(-1)
	var total int64
	for i := 0; i < n && d.err == nil; i++ {
		gap := d.uint()
		c := d.count()
		if gap < uint64(countsLen) {
			idx += int64(gap) + 1
		} else {
			idx = int64(countsLen)
		}
		switch {
		case d.err != nil:
			return
		case idx >= int64(countsLen):
			d.fail(fmt.Sprintf("histogram bucket %d beyond the geometry's %d", idx, countsLen))
		case c == 0:
			d.fail("histogram bucket with a zero count")
		case c > math.MaxInt64-total:
			d.fail("histogram total overflows")
		default:
			total += c
			h.Idx = append(h.Idx, int32(idx))
			h.Counts = append(h.Counts, c)
		}
	}
}

// Counts is a histogram of surge's geometry as its raw bucket counts, for
// a receiver that merges many Hists: one addition per bucket, where an
// hdrhistogram merge maps every value to its bucket again.
type Counts []int64

// NewCounts returns empty Counts.
func NewCounts() Counts { return make(Counts, countsLen) }

// Add merges h, which must come from [Hist.From] or a decoder (both give
// only buckets of the geometry), into c.
func (c Counts) Add(h *Hist) {
	for i, idx := range h.Idx {
		c[idx] += h.Counts[i]
	}
}

// WriteTo resets dst, which must have surge's geometry, to the contents
// of c and returns the number of values it could not hold (none: the
// totals of decoded Hists cannot overflow, and every bucket fits).
func (c Counts) WriteTo(dst *hdrhistogram.Histogram) (dropped int64) {
	dst.Reset()
	for idx, n := range c {
		if n != 0 && dst.RecordValues(valueAt(idx), n) != nil {
			dropped += n
		}
	}
	return dropped
}
