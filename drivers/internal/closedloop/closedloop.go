// Package closedloop drives a target the way redis-benchmark, wrk and
// vegeta's closed-loop mode do: a fixed number of requests from a fixed
// number of goroutines, each sending its next request when the last one
// answered, and measures what that cost the generator in CPU. It is the
// core of the measuring tools behind the drivers' comparison scripts
// (drivers/redis/internal/redisload, drivers/http/internal/httpload), not
// part of surge's own open-loop engine.
package closedloop

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/surgeload/surge/drivers"
)

// Options shape a run.
type Options struct {
	Clients, Requests int
	// CPUProfile, if set, receives a CPU profile of the load.
	CPUProfile string
	// Prepare sets up op for its request, numbered op.Seq (unique per
	// run); nil leaves only op.Seq set.
	Prepare func(op *drivers.Op)
}

// Result is what a run did and what it cost.
type Result struct {
	Requests int
	// Misses counts ops that failed with class not_found (a reply, for the
	// tools this is compared with); Failed counts the other failures and
	// FirstErr is the first of them.
	Misses, Failed int64
	FirstErr       error
	Wall, CPU      time.Duration
}

// Run sends o.Requests ops to t from o.Clients goroutines, each a bounded
// loop over its share.
func Run(ctx context.Context, t drivers.Target, o Options) (Result, error) {
	if o.Clients < 1 || o.Requests < 1 {
		return Result{}, fmt.Errorf("closedloop: want at least one client and one request, got %d and %d", o.Clients, o.Requests)
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return Result{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return Result{}, err
		}
		defer pprof.StopCPUProfile()
	}
	var misses, failed atomic.Int64
	var errOnce sync.Once
	res := Result{Requests: o.Requests}
	start, cpu0 := time.Now(), CPUTime()
	var wg sync.WaitGroup
	for w := range o.Clients {
		share := o.Requests / o.Clients
		if w < o.Requests%o.Clients {
			share++
		}
		wg.Go(func() {
			var op drivers.Op
			seq := uint64(w) << 40
			for range share {
				seq++
				op.Seq = seq
				if o.Prepare != nil {
					o.Prepare(&op)
				}
				switch err := t.Do(ctx, &op); {
				case drivers.ClassOf(err) == drivers.ClassNotFound:
					misses.Add(1)
				case err != nil:
					failed.Add(1)
					errOnce.Do(func() { res.FirstErr = err })
				}
			}
		})
	}
	wg.Wait()
	res.Wall, res.CPU = time.Since(start), CPUTime()-cpu0
	res.Misses, res.Failed = misses.Load(), failed.Load()
	return res, nil
}

// String formats the result as the comparison scripts parse it.
func (r Result) String() string {
	return fmt.Sprintf("requests=%d misses=%d errors=%d wall_s=%.3f rps=%.0f cpu_s=%.3f req_per_cpu_s=%.0f",
		r.Requests, r.Misses, r.Failed, r.Wall.Seconds(), float64(r.Requests)/r.Wall.Seconds(),
		r.CPU.Seconds(), float64(r.Requests)/r.CPU.Seconds())
}

// Err reports the failures, if any.
func (r Result) Err() error {
	if r.Failed > 0 {
		return fmt.Errorf("%d of %d requests failed, the first with: %w", r.Failed, r.Requests, r.FirstErr)
	}
	return nil
}

// CPUTime returns the user plus system CPU time of this process so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
