// Command httpload drives an HTTP server through [http.Client] the way wrk
// and vegeta's closed loop do: a fixed number of GETs of one path from a
// fixed number of concurrent goroutines, each calling Do in a loop.
// drivers/http/testdata/compare.sh runs it, wrk and vegeta under
// /usr/bin/time to compare requests per generator CPU-second; it is a
// measuring tool, not part of surge.
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
	"github.com/surgeload/surge/drivers/http"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	url, path, protocol string
	clients, requests   int
	connections         int
	cpuProfile          string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("httpload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base `url` of the server")
	fs.StringVar(&o.path, "path", "/", "path of the GETs")
	fs.StringVar(&o.protocol, "protocol", "", "Config.Protocol: http1 or http2")
	fs.IntVar(&o.clients, "c", 50, "concurrent clients (goroutines calling Do)")
	fs.IntVar(&o.requests, "n", 1000000, "total requests")
	fs.IntVar(&o.connections, "connections", 0, "Config.Connections; 0 means -c")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load to `file`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.clients < 1 || o.requests < 1 || o.connections < 0 {
		fmt.Fprintln(stderr, "httpload: -c and -n must be positive, -connections not negative")
		return 2
	}
	if o.connections == 0 {
		o.connections = o.clients
	}
	if err := load(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "httpload: %v\n", err)
		return 1
	}
	return 0
}

// load sends o.requests GETs from o.clients goroutines, each a bounded loop
// over its share, and prints what it did and what it cost.
func load(ctx context.Context, o options, stdout io.Writer) error {
	c, err := http.New(ctx, http.Config{BaseURL: o.url, Protocol: o.protocol, Connections: o.connections,
		Ops: []*http.OpConfig{{Path: http.LiteralTemplate(o.path)}}})
	if err != nil {
		return err
	}
	defer c.Close()
	var failed atomic.Int64
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
			op := drivers.Op{Seq: uint64(w) << 40}
			for range share {
				op.Seq++
				if err := c.Do(ctx, &op); err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	wall, cpu := time.Since(start), cpuTime()-cpu0
	fmt.Fprintf(stdout, "clients=%d connections=%d requests=%d errors=%d wall_s=%.3f rps=%.0f cpu_s=%.3f req_per_cpu_s=%.0f\n",
		o.clients, o.connections, o.requests, failed.Load(), wall.Seconds(),
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
