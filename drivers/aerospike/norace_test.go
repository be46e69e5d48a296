//go:build !race

package aerospike

// raceEnabled: see race_test.go.
const raceEnabled = false
