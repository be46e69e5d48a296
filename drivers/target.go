package drivers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	// Session is the journey this op is a step of, nil for an op of the
	// mix. A target may read and write it during Do (variables, cookies);
	// the steps of one journey run one at a time.
	Session *Session
}

// Session is the state one user journey carries from step to step: the
// variables its steps extracted from responses and the cookies the targets
// set. A journey owns its Session; the runner reuses it for a later journey
// once this one ends.
type Session struct {
	// Vars holds the journey's variables by the index the scenario gave
	// them; a variable no step has set yet is "" and not Set.
	Vars []string
	// Set marks the variables a step has set.
	Set []bool
	// Cookies are the cookies set by the journey's responses, by scope
	// (the target that set them; a target sends only its own).
	Cookies []Cookie
}

// Cookie is one cookie a journey keeps.
type Cookie struct {
	Scope, Name, Value string
}

// Reset empties s for a new journey with n variables, keeping its arrays.
func (s *Session) Reset(n int) {
	if cap(s.Vars) < n {
		s.Vars, s.Set = make([]string, n), make([]bool, n)
	}
	s.Vars, s.Set = s.Vars[:n], s.Set[:n]
	clear(s.Vars)
	clear(s.Set)
	clear(s.Cookies)
	s.Cookies = s.Cookies[:0]
}

// SetVar sets variable i.
func (s *Session) SetVar(i int, v string) {
	s.Vars[i], s.Set[i] = v, true
}

// SetCookie adds or replaces the cookie name in scope; an empty value
// deletes it, as a server's expired Set-Cookie does. It takes the bytes of
// a response header and allocates only when the cookie changes.
func (s *Session) SetCookie(scope string, name, value []byte) {
	for i, c := range s.Cookies {
		if c.Scope == scope && c.Name == string(name) {
			switch {
			case len(value) == 0:
				s.Cookies = append(s.Cookies[:i], s.Cookies[i+1:]...)
			case c.Value != string(value):
				s.Cookies[i].Value = string(value)
			}
			return
		}
	}
	if len(value) > 0 {
		s.Cookies = append(s.Cookies, Cookie{Scope: scope, Name: string(name), Value: string(value)})
	}
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
	ClassTLS               // the TLS handshake failed (unknown authority, bad name, protocol)
	ClassCheck             // the target answered, but a response check failed
	ClassAbandoned         // a journey ended by the user's choice (its exit probability) before completing; not a failure
	ClassHTTP400           // HTTP status 400, and so on for the codes a load test meets
	ClassHTTP401
	ClassHTTP403
	ClassHTTP404
	ClassHTTP408
	ClassHTTP409
	ClassHTTP422
	ClassHTTP429
	ClassHTTP4xx // any other 4xx status
	ClassHTTP500
	ClassHTTP502
	ClassHTTP503
	ClassHTTP504
	ClassHTTP5xx // any other 5xx status
	NumClasses   // the number of classes, for arrays indexed by Class
)

// httpClasses maps the HTTP status codes that have a class of their own.
var httpClasses = map[int]Class{
	400: ClassHTTP400, 401: ClassHTTP401, 403: ClassHTTP403, 404: ClassHTTP404, 408: ClassHTTP408,
	409: ClassHTTP409, 422: ClassHTTP422, 429: ClassHTTP429,
	500: ClassHTTP500, 502: ClassHTTP502, 503: ClassHTTP503, 504: ClassHTTP504,
}

// StatusClass returns the class of an HTTP status code that failed an op:
// its own class for the common 4xx and 5xx codes, ClassHTTP4xx or
// ClassHTTP5xx for the rest of those ranges, and ClassCheck for any other
// status that was not expected.
func StatusClass(code int) Class {
	if c, ok := httpClasses[code]; ok {
		return c
	}
	switch {
	case code >= 400 && code < 500:
		return ClassHTTP4xx
	case code >= 500 && code < 600:
		return ClassHTTP5xx
	}
	return ClassCheck
}

// Failure reports whether class c counts against an error rate: every
// class but ok, not_found (a read of a missing key is an answer) and
// abandoned (a user leaving a journey is behaviour, not an error).
func (c Class) Failure() bool {
	return c != ClassOK && c != ClassNotFound && c != ClassAbandoned
}

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
	ClassTLS:         "tls",
	ClassCheck:       "check_failed",
	ClassAbandoned:   "abandoned",
	ClassHTTP400:     "http_400",
	ClassHTTP401:     "http_401",
	ClassHTTP403:     "http_403",
	ClassHTTP404:     "http_404",
	ClassHTTP408:     "http_408",
	ClassHTTP409:     "http_409",
	ClassHTTP422:     "http_422",
	ClassHTTP429:     "http_429",
	ClassHTTP4xx:     "http_4xx",
	ClassHTTP500:     "http_500",
	ClassHTTP502:     "http_502",
	ClassHTTP503:     "http_503",
	ClassHTTP504:     "http_504",
	ClassHTTP5xx:     "http_5xx",
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
	ErrNotFound    = &Error{Class: ClassNotFound}
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
	if isTLS(err) {
		return ClassTLS
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	return ClassOther
}

// isTLS reports whether err is a failed TLS handshake: a certificate the
// client does not trust, a name that does not match, an alert from the
// peer, or a peer that does not speak TLS at all.
func isTLS(err error) bool {
	var (
		verify  *tls.CertificateVerificationError
		header  tls.RecordHeaderError
		alert   tls.AlertError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &header) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}
