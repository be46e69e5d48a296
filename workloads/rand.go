package workloads

import "math/rand/v2"

// NewRand returns a random generator for stream number stream of a run
// seeded with seed: a PCG source whose two seed words are derived from
// (seed, stream) through splitmix64, so that neighbouring streams (0, 1, 2,
// ...) and neighbouring seeds give decorrelated sequences. The same pair
// always gives the same sequence. The result is not safe for concurrent use:
// give each goroutine its own stream.
func NewRand(seed, stream uint64) *rand.Rand {
	// Subtleness ahead: seeding PCG with (seed, stream) directly would make
	// the streams of nearby seeds nearly identical in their first outputs.
	// The stream number goes through the splitmix64 finalizer (a bijection)
	// before it meets the mixed seed, and the result seeds a splitmix64
	// sequence whose next two outputs are the PCG seed words.
	src := new(rand.PCG)
	Reseed(src, seed, stream)
	return rand.New(src)
}

// Reseed puts src in the state [NewRand](seed, stream) starts from, without
// allocating: for per-op streams drawn on the hot path.
func Reseed(src *rand.PCG, seed, stream uint64) {
	state := mix64(seed) ^ mix64(stream^0xa0761d6478bd642f)
	hi := splitmix64(&state)
	lo := splitmix64(&state)
	src.Seed(hi, lo)
}

// splitmix64 advances state by the golden-ratio increment and returns the
// mixed value (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", 2014).
func splitmix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	return mix64(*state)
}

// mix64 is the splitmix64 finalizer, a bijection on uint64 with good
// avalanche.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
