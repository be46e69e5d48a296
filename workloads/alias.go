package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// aliasTable draws index i with probability weights[i]/sum in O(1) time
// (Vose, "A linear algorithm for generating random numbers with a given
// distribution", IEEE TSE 1991). It is immutable once built and safe for
// concurrent use. Mix and the Buckets sizes share it.
type aliasTable struct {
	cells []aliasCell
	// shares are the normalised weights, for Mix.Share.
	shares []float64
}

// aliasCell is one column of the table: keep the column's own index when
// the coin is below keep, else take alias.
type aliasCell struct {
	keep  uint64 // acceptance probability × 2⁶⁴
	alias int
}

// newAliasTable validates weights (at least one; each finite and >= 0; sum
// > 0) and builds the table.
func newAliasTable(weights []float64) (aliasTable, error) {
	shares, err := normalise(weights)
	if err != nil {
		return aliasTable{}, err
	}
	n := len(shares)
	p := make([]float64, n)
	var small, large []int
	for i, s := range shares {
		p[i] = s * float64(n)
		if p[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	cells := make([]aliasCell, n)
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small, large = small[:len(small)-1], large[:len(large)-1]
		cells[s] = aliasCell{keep: probToUint64(p[s]), alias: l}
		// (p[l] + p[s]) - 1 loses less precision than p[l] - (1 - p[s]) (Vose).
		p[l] = (p[l] + p[s]) - 1
		if p[l] < 1 {
			small = append(small, l)
		} else {
			large = append(large, l)
		}
	}
	fillLeftovers(cells, shares, small, large)
	return aliasTable{cells: cells, shares: shares}, nil
}

// fillLeftovers completes the columns left when one worklist ran dry: their
// probability is 1 up to rounding, so they keep themselves. A leftover with
// zero weight (only possible through gross rounding) must still never be
// drawn, so it always takes the heaviest index instead.
func fillLeftovers(cells []aliasCell, shares []float64, lists ...[]int) {
	heaviest := 0
	for i, s := range shares {
		if s > shares[heaviest] {
			heaviest = i
		}
	}
	for _, list := range lists {
		for _, i := range list {
			cells[i] = aliasCell{keep: math.MaxUint64, alias: i}
			if shares[i] == 0 {
				cells[i] = aliasCell{keep: 0, alias: heaviest}
			}
		}
	}
}

// normalise checks weights and returns them divided by their sum. Weights
// are first divided by the largest so that the sum cannot overflow.
func normalise(weights []float64) ([]float64, error) {
	if len(weights) == 0 {
		return nil, errors.New("weights: none given; want at least one")
	}
	var top float64
	for i, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return nil, fmt.Errorf("weight %d is %v; want a finite number >= 0", i, w)
		}
		top = max(top, w)
	}
	if top == 0 {
		return nil, errors.New("weights sum to 0; want a positive sum")
	}
	shares := make([]float64, len(weights))
	var sum float64
	for i, w := range weights {
		shares[i] = w / top
		sum += shares[i]
	}
	for i := range shares {
		shares[i] /= sum
	}
	return shares, nil
}

// probToUint64 maps a probability in [0, 1] to a threshold on a uniform
// uint64: P(x < probToUint64(p)) = p.
func probToUint64(p float64) uint64 {
	if p >= 1 {
		return math.MaxUint64
	}
	if p <= 0 {
		return 0
	}
	return uint64(p * 0x1p64)
}

// pick draws an index. It takes a single 64-bit random number: the high
// word of x·n picks the column uniformly (Lemire's multiply-shift, bias <=
// n/2⁶⁴) and the low word, which is uniform over [0, 2⁶⁴) in steps of n
// whatever the column, is the biased coin. One draw instead of two halves
// the cost of a pick.
func (a *aliasTable) pick(r *rand.Rand) int {
	col, coin := bits.Mul64(r.Uint64(), uint64(len(a.cells)))
	c := &a.cells[col]
	i := c.alias
	if coin < c.keep { // a conditional move, not a mispredicted branch
		i = int(col)
	}
	return i
}

// Mix picks an op index with probability proportional to its weight, in
// O(1) time per pick through Vose's alias method. A Mix is immutable and
// safe for concurrent use; the *rand.Rand passed to Pick is not.
type Mix struct {
	table aliasTable
}

// NewMix returns a Mix over len(weights) ops. Weights are relative (they
// need not sum to 1); each must be finite and >= 0 and their sum must be
// positive. An op with weight 0 is never picked.
func NewMix(weights []float64) (*Mix, error) {
	t, err := newAliasTable(weights)
	if err != nil {
		return nil, fmt.Errorf("mix: %w", err)
	}
	return &Mix{table: t}, nil
}

// Pick returns an op index in [0, Len()). It does not allocate.
func (m *Mix) Pick(r *rand.Rand) int { return m.table.pick(r) }

// Len returns the number of ops in the mix.
func (m *Mix) Len() int { return len(m.table.shares) }

// Share returns op i's probability: its weight divided by the sum of the
// weights.
func (m *Mix) Share(i int) float64 { return m.table.shares[i] }
