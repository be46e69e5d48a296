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
// Steps > 0 it moves in that many equal steps instead (a staircase): step k
// of Steps holds From + (To-From)·k/(Steps-1), so the first step is at From
// and the last at To, and Steps == 1 holds From throughout. [NewProfile]
// validates stages and turns them into a [Profile].
type Stage struct {
	Name     string        // for reports and errors; need not be unique
	Duration time.Duration // > 0
	From, To float64       // intended rates at the start and end, ops/s, >= 0
	Steps    int           // 0: linear ramp; > 0: staircase of Steps steps
	Arrival  Arrival       // how ops are spaced; the zero value is Uniform
}
