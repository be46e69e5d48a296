package workloads

import (
	"math/rand/v2"
	"time"
)

// Keys picks key indexes in [0, n) for one stream of ops. Implementations
// with state (Sequential) are not safe for concurrent use: each engine lane
// or driver shard takes its own with Shard.
type Keys interface {
	// Next returns the next key index. It does not allocate.
	Next(r *rand.Rand) uint64
	// Shard returns the chooser for shard i of n: stateless distributions
	// return themselves, Sequential returns its i-th contiguous slice.
	Shard(i, n int) Keys
}

// Sizes picks value sizes in bytes. Implementations are immutable and safe
// for concurrent use.
type Sizes interface {
	// Next returns the next size. It does not allocate.
	Next(r *rand.Rand) int
}

// Arrival is how intended start times are spaced within a stage.
type Arrival uint8

// The arrival processes.
const (
	// Uniform spaces ops evenly: the i-th op starts exactly when the
	// profile's cumulative count reaches i.
	Uniform Arrival = iota
	// Poisson draws exponential gaps, as independent users arrive.
	Poisson
)

// Stage is one phase of a load profile. The intended rate moves linearly
// from From to To ops/s over Duration (constant when they are equal); with
// Steps > 0 it moves in that many equal steps instead (a staircase).
type Stage struct {
	Name     string
	Duration time.Duration
	From, To float64
	Steps    int
	Arrival  Arrival
}
