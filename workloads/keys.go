package workloads

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// Compile-time checks that every distribution is a Keys.
var (
	_ Keys = (*UniformKeys)(nil)
	_ Keys = (*Zipf)(nil)
	_ Keys = (*Hotspot)(nil)
	_ Keys = (*Latest)(nil)
	_ Keys = (*Sequential)(nil)
)

// UniformKeys picks every key in [0, n) with the same probability. It is
// named UniformKeys rather than Uniform because [Uniform] is the arrival
// process. It is immutable and safe for concurrent use.
type UniformKeys struct {
	n uint64
}

// NewUniform returns uniform keys over [0, n); n >= 1.
func NewUniform(n uint64) (*UniformKeys, error) {
	if n == 0 {
		return nil, fmt.Errorf("uniform: key count %d; want n >= 1", n)
	}
	return &UniformKeys{n: n}, nil
}

// Next returns a key in [0, n). It does not allocate.
func (u *UniformKeys) Next(r *rand.Rand) uint64 { return r.Uint64N(u.n) }

// Shard returns u: a stateless distribution is the same in every shard.
func (u *UniformKeys) Shard(int, int) Keys { return u }

// Hotspot is YCSB's hotspot distribution: a fraction hotOps of the picks go
// uniformly to the first hotSet fraction of the keys (the hot set), the rest
// uniformly to the other keys. It is immutable and safe for concurrent use.
type Hotspot struct {
	hot, cold uint64 // key counts; hot >= 1
	hotOps    float64
}

// NewHotspot returns hotspot keys over [0, n): keys [0, h) are hot, where h
// is n·hotSet rounded down and kept within [1, n-1] so that both sets exist
// (for n == 1 the only key is hot). hotSet must be in (0, 1) and hotOps in
// [0, 1].
func NewHotspot(n uint64, hotSet, hotOps float64) (*Hotspot, error) {
	if n == 0 {
		return nil, fmt.Errorf("hotspot: key count %d; want n >= 1", n)
	}
	if !(hotSet > 0 && hotSet < 1) {
		return nil, fmt.Errorf("hotspot: hot set fraction %v; want 0 < hotSet < 1", hotSet)
	}
	if !(hotOps >= 0 && hotOps <= 1) {
		return nil, fmt.Errorf("hotspot: hot ops fraction %v; want 0 <= hotOps <= 1", hotOps)
	}
	if n == 1 {
		return &Hotspot{hot: 1, hotOps: 1}, nil
	}
	hot := min(max(uint64(float64(n)*hotSet), 1), n-1)
	return &Hotspot{hot: hot, cold: n - hot, hotOps: hotOps}, nil
}

// Next returns a key in [0, n). It does not allocate.
func (h *Hotspot) Next(r *rand.Rand) uint64 {
	if r.Float64() < h.hotOps {
		return r.Uint64N(h.hot)
	}
	return h.hot + r.Uint64N(h.cold)
}

// Shard returns h: a stateless distribution is the same in every shard.
func (h *Hotspot) Shard(int, int) Keys { return h }

// Latest is YCSB's "latest" distribution: skewed toward the newest keys,
// which are the highest indexes. Key n-1 is the hottest, n-2 the next, and
// so on, following an unscrambled [Zipf] over the ranks. It is immutable and
// safe for concurrent use.
type Latest struct {
	z Zipf
}

// NewLatest returns latest keys over [0, n) with zipfian skew theta, under
// the same rules as [NewZipf].
func NewLatest(n uint64, theta float64) (*Latest, error) {
	z, err := NewZipf(n, theta, false)
	if err != nil {
		return nil, fmt.Errorf("latest: %w", err)
	}
	return &Latest{z: *z}, nil
}

// Next returns a key in [0, n). It does not allocate.
func (l *Latest) Next(r *rand.Rand) uint64 { return l.z.n - 1 - l.z.rank(r) }

// Shard returns l: a stateless distribution is the same in every shard.
func (l *Latest) Shard(int, int) Keys { return l }

// Sequential returns keys in order, lo, lo+1, ..., wrapping back to lo
// after the last key of its range (the whole keyspace, or a shard's slice).
// It is what a populate phase uses to write every key once. A Sequential
// has state: it is not safe for concurrent use, and each lane takes its own
// through Shard.
type Sequential struct {
	lo, n uint64 // the range [lo, lo+n)
	next  uint64 // offset of the next key, in [0, n)
}

// NewSequential returns sequential keys over [0, n); n >= 1.
func NewSequential(n uint64) (*Sequential, error) {
	if n == 0 {
		return nil, fmt.Errorf("sequential: key count %d; want n >= 1", n)
	}
	return &Sequential{n: n}, nil
}

// Next returns the next key in order, ignoring r. It does not allocate.
func (s *Sequential) Next(*rand.Rand) uint64 {
	k := s.lo + s.next
	s.next++
	if s.next == s.n {
		s.next = 0
	}
	return k
}

// Shard returns a new Sequential, with its own position at the start, over
// the i-th of k contiguous slices of s's range; the slices partition the
// range and their sizes differ by at most 1. When k exceeds the number of
// keys, the slices that would be empty get the single key lo + i mod n
// instead, so every shard still has work. Shard reads only s's immutable
// range, so it may run while another goroutine uses s. It panics unless
// 0 <= i < k, as a programming error.
func (s *Sequential) Shard(i, k int) Keys {
	if k < 1 || i < 0 || i >= k {
		panic(fmt.Sprintf("workloads: Sequential.Shard(%d, %d): want 0 <= i < k", i, k))
	}
	start, end := s.cut(uint64(i), uint64(k)), s.cut(uint64(i)+1, uint64(k))
	if start == end {
		return &Sequential{lo: s.lo + uint64(i)%s.n, n: 1}
	}
	return &Sequential{lo: s.lo + start, n: end - start}
}

// cut returns floor(n·i/k), the offset where slice i of k starts, without
// overflowing for n near 2⁶⁴.
func (s *Sequential) cut(i, k uint64) uint64 {
	hi, lo := bits.Mul64(s.n, i)
	q, _ := bits.Div64(hi, lo, k) // hi < k because i <= k and n < 2⁶⁴
	return q
}

// FillBatch fills dst[1:] with the other keys of a batch whose first key,
// dst[0], was picked from k. From a Sequential the batch is the keys that
// follow dst[0] in order (wrapping at the keyspace's end, and repeating
// only when the batch is longer than the keyspace); from any other
// distribution each key is an independent pick with r, so hot keys stay
// hot inside batches. FillBatch does not change k's state and does not
// allocate.
func FillBatch(k Keys, r *rand.Rand, dst []uint64) {
	if len(dst) < 2 {
		return
	}
	if s, ok := k.(*Sequential); ok {
		for i := 1; i < len(dst); i++ {
			dst[i] = dst[i-1] + 1
			if dst[i] == s.lo+s.n {
				dst[i] = s.lo
			}
		}
		return
	}
	for i := 1; i < len(dst); i++ {
		dst[i] = k.Next(r)
	}
}
