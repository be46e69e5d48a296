//go:build !unix

package coordinator

import "time"

// processCPU is not measured on this platform: results show 0 cores.
func processCPU() time.Duration { return 0 }
