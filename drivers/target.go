package drivers

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// Op is one operation handed to a [Target]. The engine reuses Op values: a
// target must not keep a pointer to one after Do returns.
type Op struct {
	// Index is the op's position in the job's op table ([Job.Ops]); a target
	// uses it to find what it compiled for that op at start.
	Index int
	// Seq numbers the op in the run's whole schedule, across lanes; it is
	// unique and deterministic for a seed, so targets may draw per-op
	// randomness from it.
	Seq uint64
	// Key is the key index picked from the op's keyspace.
	Key uint64
	// ValueSize is the value size in bytes for ops that write.
	ValueSize int
	// Keys holds the keys of a batch op ([JobOp.Batch] above 1), Keys[0]
	// being Key; it is nil for other ops. The engine reuses its array: it
	// is valid only until Do returns.
	Keys []uint64
}

// Target is a system under test. Do performs one op and returns when it has
// completed; a nil error is a success, anything else is classified with
// [ClassOf]. Do is called from many goroutines at once and must be safe for
// concurrent use; it should not allocate on its success path.
type Target interface {
	Do(ctx context.Context, op *Op) error
}

// Class is the kind of an op failure. Results count errors by class so that a
// report can tell a slow target from a refusing or overloaded one.
type Class uint8

// The error classes. ClassOK is not an error.
const (
	ClassOK          Class = iota
	ClassTimeout           // the op or its context timed out
	ClassRefused           // the connection was refused
	ClassOverload          // the target shed the op (queue full, device overload)
	ClassNotFound          // the key does not exist
	ClassKeyBusy           // a hot key: the record is busy
	ClassServerError       // the target processed the op and answered with an error
	ClassCluster           // the cluster could not route the op (no node owns the partition, node gone)
	ClassNetwork           // the connection broke mid-op (reset, closed by the server)
	ClassCanceled          // the run cancelled the op at its drain timeout
	ClassUnsent            // the op was scheduled but never sent before the run stopped
	ClassOther             // anything else
	NumClasses             // the number of classes, for arrays indexed by Class
)

var classNames = [NumClasses]string{
	ClassOK:          "ok",
	ClassTimeout:     "timeout",
	ClassRefused:     "refused",
	ClassOverload:    "overload",
	ClassNotFound:    "not_found",
	ClassKeyBusy:     "key_busy",
	ClassServerError: "server_error",
	ClassCluster:     "cluster",
	ClassNetwork:     "network",
	ClassCanceled:    "canceled",
	ClassUnsent:      "unsent",
	ClassOther:       "other",
}

// String returns the class name used in results files ("timeout", "overload").
func (c Class) String() string {
	if c < NumClasses {
		return classNames[c]
	}
	return "other"
}

// Error is an op failure that carries its class. Targets return it (or a
// preallocated one, to stay allocation-free) when the class is known.
type Error struct {
	Class Class
	Err   error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Class.String()
	}
	return e.Class.String() + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Preallocated errors for targets whose failures carry no detail.
var (
	ErrOverload    = &Error{Class: ClassOverload}
	ErrServerError = &Error{Class: ClassServerError}
	ErrTimeout     = &Error{Class: ClassTimeout}
)

// ClassOf classifies an error returned by [Target.Do]. It never allocates for
// an [*Error] returned directly.
func ClassOf(err error) Class {
	if err == nil {
		return ClassOK
	}
	if e, ok := err.(*Error); ok {
		return e.Class
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return ClassNetwork
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	return ClassOther
}
