// Command surge is a load-testing and capacity-planning toolkit for
// sale-event traffic. See the README for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())), now: time.Now, lookupEnv: os.LookupEnv}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}
