package http

import (
	"errors"

	"github.com/surgeload/surge/drivers"
)

// Preallocated op errors, so that the failures without detail do not
// allocate.
var (
	// errNoOp is an op index this target has no op for: the engine routed
	// another target's op here.
	errNoOp = &drivers.Error{Class: drivers.ClassOther, Err: errors.New("http: no op at this index")}
	// errClosed is an op after Close.
	errClosed = &drivers.Error{Class: drivers.ClassCanceled, Err: errors.New("http: client closed")}
	// errBodyTooBig is a response body over maxBody, on either client.
	errBodyTooBig = &drivers.Error{Class: drivers.ClassCheck, Err: errors.New("response body over 16 MiB")}
)
