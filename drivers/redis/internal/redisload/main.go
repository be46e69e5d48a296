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
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/internal/closedloop"
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

// load sends o.requests ops from o.clients goroutines and prints what it
// did and what it cost.
func load(ctx context.Context, o options, stdout io.Writer) error {
	c, err := redis.New(ctx, redis.Config{Addrs: []string{o.addr}, Pipeline: o.pipeline,
		Connections: o.connections, FlushDelay: o.flushDelay, KeyPrefix: "key:"}, []redis.OpConfig{{Kind: o.kind}})
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := closedloop.Run(ctx, c, closedloop.Options{Clients: o.clients, Requests: o.requests, CPUProfile: o.cpuProfile,
		Prepare: func(op *drivers.Op) {
			op.ValueSize = o.size
			op.Key = (op.Seq * 0x9e3779b97f4a7c15 >> 20) % uint64(o.keys)
		}})
	if err != nil {
		return err
	}
	// A miss is a reply for redis-benchmark too: it counts replies.
	fmt.Fprintf(stdout, "op=%s pipeline=%d clients=%d connections=%d %v\n", o.kind, o.pipeline, o.clients, o.connections, res)
	return res.Err()
}
