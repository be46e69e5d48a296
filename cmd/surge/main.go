// Command surge is a load-testing and capacity-planning toolkit for
// sale-event traffic. See the README for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, newOSEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}
