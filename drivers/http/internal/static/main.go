// Command static serves one fixed small body over HTTP/1.1 with fasthttp,
// as fast as a server can, so that drivers/http/testdata/compare.sh
// measures the load generators rather than the server. It prints the
// address it listens on, then serves until SIGINT or SIGTERM. It is a
// measuring tool, not part of surge.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/valyala/fasthttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("static", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen `address`; port 0 picks a free one")
	size := fs.Int("size", 64, "body size in bytes")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := serve(ctx, *addr, *size, stdout); err != nil {
		fmt.Fprintf(stderr, "static: %v\n", err)
		return 1
	}
	return 0
}

// serve listens on addr, prints the address it got, and answers every
// request with 200 and size bytes until ctx is done.
func serve(ctx context.Context, addr string, size int, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	body := []byte(strings.Repeat("x", size))
	s := &fasthttp.Server{
		Handler: func(rc *fasthttp.RequestCtx) {
			rc.SetContentType("text/plain")
			rc.SetBody(body)
		},
		NoDefaultServerHeader: true,
		NoDefaultDate:         true,
		Concurrency:           1 << 20,
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	fmt.Fprintln(stdout, ln.Addr())
	select {
	case err := <-done: // Serve failed on its own
		return err
	case <-ctx.Done():
	}
	if err := s.Shutdown(); err != nil {
		return err
	}
	return <-done
}
