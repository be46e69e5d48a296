package redis

import (
	"errors"
	"strings"

	"github.com/redis/rueidis"

	"github.com/surgeload/surge/drivers"
)

// Preallocated op errors, so that the common failures do not allocate.
var (
	// errNoOp is an op index this target has no op for: the engine routed
	// another target's op here.
	errNoOp = &drivers.Error{Class: drivers.ClassOther, Err: errors.New("redis: no op at this index")}
)

// classify maps an error from rueidis to an op error whose class
// [drivers.ClassOf] reads without unwrapping.
func classify(err error) error {
	if rueidis.IsRedisNil(err) {
		return drivers.ErrNotFound // a GET or HGET of a missing key
	}
	if re, ok := rueidis.IsRedisErr(err); ok {
		return &drivers.Error{Class: replyClass(re.Error()), Err: err}
	}
	class := drivers.ClassOf(err)
	if class == drivers.ClassOther && errors.Is(err, rueidis.ErrClosing) {
		class = drivers.ClassCanceled // the client was closed under the op
	}
	return &drivers.Error{Class: class, Err: err}
}

// replyClass classifies a Redis error reply by its error code, the first
// word of the reply (rueidis strips the generic "ERR ").
func replyClass(msg string) drivers.Class {
	code, _, _ := strings.Cut(msg, " ")
	switch code {
	case "BUSY", "LOADING", "OOM":
		// A script or function is running too long, the dataset is still
		// loading, or maxmemory is reached: the server sheds the command.
		return drivers.ClassOverload
	case "MOVED", "ASK", "CLUSTERDOWN", "TRYAGAIN":
		// The node does not serve the key's slot, or the slot is moving.
		return drivers.ClassCluster
	}
	return drivers.ClassServerError
}
