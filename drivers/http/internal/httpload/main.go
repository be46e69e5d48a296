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

	"github.com/surgeload/surge/drivers/http"
	"github.com/surgeload/surge/drivers/internal/closedloop"
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

// load sends o.requests GETs from o.clients goroutines and prints what it
// did and what it cost.
func load(ctx context.Context, o options, stdout io.Writer) error {
	c, err := http.New(ctx, http.Config{BaseURL: o.url, Protocol: o.protocol, Connections: o.connections,
		Ops: []*http.OpConfig{{Path: http.LiteralTemplate(o.path)}}})
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := closedloop.Run(ctx, c, closedloop.Options{Clients: o.clients, Requests: o.requests, CPUProfile: o.cpuProfile})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "clients=%d connections=%d %v\n", o.clients, o.connections, res)
	return res.Err()
}
