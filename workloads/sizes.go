package workloads

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// Fixed is a value size that never varies, in bytes: Fixed(512) is a
// [Sizes] whose Next always returns 512. A negative Fixed acts as 0. Being
// a plain value, it is safe for concurrent use.
type Fixed int

// Next returns the size. It does not allocate.
func (f Fixed) Next(*rand.Rand) int { return max(int(f), 0) }

// uniformSize draws value sizes uniformly from an inclusive range.
type uniformSize struct {
	lo    int
	width uint64 // hi - lo + 1
}

// NewUniformSize returns value sizes drawn uniformly from [lo, hi] bytes,
// both included; 0 <= lo <= hi. The result is immutable and safe for
// concurrent use.
func NewUniformSize(lo, hi int) (Sizes, error) {
	if lo < 0 {
		return nil, fmt.Errorf("uniform size: min %d is negative; want 0 <= min <= max", lo)
	}
	if hi < lo {
		return nil, fmt.Errorf("uniform size: max %d is below min %d; want 0 <= min <= max", hi, lo)
	}
	return &uniformSize{lo: lo, width: uint64(hi-lo) + 1}, nil
}

// Next returns a size in [lo, lo+width).
func (u *uniformSize) Next(r *rand.Rand) int {
	return u.lo + int(r.Uint64N(u.width))
}

// buckets draws sizes from a weighted set through an alias table.
type buckets struct {
	sizes []int
	table aliasTable
}

// NewBuckets returns value sizes drawn from a fixed set (for example 90% at
// 100 B, 9% at 4 KiB, 1% at 64 KiB): sizes[i] bytes with probability
// proportional to weights[i], in O(1) per draw through the same alias table
// as [Mix]. The slices must have the same non-zero length; sizes must be
// >= 0; weights must be finite and >= 0 with a positive sum. The slices are
// copied; the result is immutable and safe for concurrent use.
func NewBuckets(sizes []int, weights []float64) (Sizes, error) {
	if len(sizes) != len(weights) {
		return nil, fmt.Errorf("buckets: %d sizes but %d weights; want one weight per size", len(sizes), len(weights))
	}
	if len(sizes) == 0 {
		return nil, errors.New("buckets: no sizes; want at least one")
	}
	for i, s := range sizes {
		if s < 0 {
			return nil, fmt.Errorf("buckets: size %d is %d; want >= 0", i, s)
		}
	}
	t, err := newAliasTable(weights)
	if err != nil {
		return nil, fmt.Errorf("buckets: %w", err)
	}
	return &buckets{sizes: append([]int(nil), sizes...), table: t}, nil
}

// Next returns one of the sizes.
func (b *buckets) Next(r *rand.Rand) int { return b.sizes[b.table.pick(r)] }
