package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"

	"github.com/surgeload/surge/coordinator"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/report/capacity"
	"github.com/surgeload/surge/scenarios"
)

// env is all the process state a command may touch. main builds it from
// the os package, and nothing else in cmd/surge reads os.Std*, os.Getenv
// or calls os.Exit.
type env struct {
	stdout, stderr io.Writer
	// stdoutTTY is whether stdout is a terminal: live progress on one line
	// instead of a line per interval.
	stdoutTTY bool
	now       func() time.Time
	// lookupEnv reads the process environment: ${NAME} in scenarios and
	// password_env; nil means an empty environment.
	lookupEnv func(string) (string, bool)
}

// The documented exit codes (DESIGN.md "Commands").
const (
	exitOK        = 0
	exitSLOFailed = 1 // an SLO, threshold or gate failed
	exitBadInput  = 2 // bad usage or bad input
	exitRunFailed = 3 // the run itself failed
)

// runError marks an error that happened while a command ran, after its
// arguments and inputs were accepted.
type runError struct{ err error }

func (e runError) Error() string { return e.err.Error() }
func (e runError) Unwrap() error { return e.err }

// usageError marks bad usage found by a command itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// runE adapts a command body: its errors count as run failures unless they
// are bad input.
func runE(f func(ctx context.Context, args []string) error) func(ctx context.Context, args []string) error {
	return func(ctx context.Context, args []string) error {
		if err := f(ctx, args); err != nil {
			return runError{err}
		}
		return nil
	}
}

// exitCode maps an error to the documented exit codes. Everything cobra
// rejects before a command runs is bad usage.
func exitCode(err error) int {
	var (
		scenarioErr *scenarios.Error
		usage       usageError
		ran         runError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &scenarioErr), errors.As(err, &usage), errors.Is(err, fs.ErrNotExist),
		errors.Is(err, coordinator.ErrRefused):
		return exitBadInput
	case errors.Is(err, report.ErrSLOFailed), errors.Is(err, capacity.ErrRefused):
		return exitSLOFailed
	case errors.Is(err, context.Canceled), errors.As(err, &ran):
		return exitRunFailed
	}
	return exitBadInput
}
