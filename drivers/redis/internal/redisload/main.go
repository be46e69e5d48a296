// Command redisload drives a Redis server through [redis.Client] the way
// redis-benchmark does: a fixed number of requests of one kind from a fixed
// number of concurrent clients. drivers/redis/testdata/compare.sh runs it
// and redis-benchmark under /usr/bin/time to compare requests per
// generator CPU-second; it is a measuring tool, not part of surge.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/redis"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	addr                  string
	kind                  string
	clients, requests     int
	size, keys            int
	pipeline, connections int
	flushDelay            time.Duration
	cpuProfile            string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("redisload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:6379", "server `host:port`")
	fs.StringVar(&o.kind, "op", "get", "op kind: get or set")
	fs.IntVar(&o.clients, "c", 50, "concurrent clients (goroutines calling Do)")
	fs.IntVar(&o.requests, "n", 1000000, "total requests")
	fs.IntVar(&o.size, "d", 3, "value size in bytes for set")
	fs.IntVar(&o.keys, "r", 100000, "keyspace: keys key:0 … key:r-1")
	fs.IntVar(&o.pipeline, "pipeline", 0, "Config.Pipeline (1: no pipelining)")
	fs.IntVar(&o.connections, "connections", 0, "Config.Connections")
	fs.DurationVar(&o.flushDelay, "flush-delay", 0, "Config.FlushDelay")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load to `file`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.clients < 1 || o.requests < 1 || o.keys < 1 {
		fmt.Fprintln(stderr, "redisload: -c, -n and -r must be positive")
		return 2
	}
	if err := load(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "redisload: %v\n", err)
		return 1
	}
	return 0
}

// load sends o.requests ops from o.clients goroutines, each a bounded loop
// over its share, and prints what it did and what it cost.
func load(ctx context.Context, o options, stdout io.Writer) error {
	c, err := redis.New(ctx, redis.Config{Addrs: []string{o.addr}, Pipeline: o.pipeline,
		Connections: o.connections, FlushDelay: o.flushDelay, KeyPrefix: "key:"}, []redis.OpConfig{{Kind: o.kind}})
	if err != nil {
		return err
	}
	defer c.Close()
	var failed, misses atomic.Int64
	var (
		errOnce  sync.Once
		firstErr error
	)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for w := range o.clients {
		share := o.requests / o.clients
		if w < o.requests%o.clients {
			share++
		}
		wg.Go(func() {
			op := drivers.Op{ValueSize: o.size}
			seq := uint64(w) << 40
			for range share {
				seq++
				op.Key = (seq * 0x9e3779b97f4a7c15 >> 20) % uint64(o.keys)
				if err := c.Do(ctx, &op); drivers.ClassOf(err) == drivers.ClassNotFound {
					misses.Add(1) // a hit for redis-benchmark too: it counts replies
				} else if err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	wall, cpu := time.Since(start), cpuTime()-cpu0
	fmt.Fprintf(stdout, "op=%s clients=%d pipeline=%d connections=%d requests=%d misses=%d errors=%d wall_s=%.3f rps=%.0f cpu_s=%.3f req_per_cpu_s=%.0f\n",
		o.kind, o.clients, o.pipeline, o.connections, o.requests, misses.Load(), failed.Load(), wall.Seconds(),
		float64(o.requests)/wall.Seconds(), cpu.Seconds(), float64(o.requests)/cpu.Seconds())
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d requests failed, the first with: %w", n, o.requests, firstErr)
	}
	return nil
}

// cpuTime returns the user plus system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
