package aerospike

import (
	"errors"
	"syscall"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/aerospike/aerospike-client-go/v7/types"

	"github.com/surgeload/surge/drivers"
)

// classes maps Aerospike result codes, the server's (positive) and the
// client's own (negative), to error classes. A positive code not listed is
// a [drivers.ClassServerError], a negative one [drivers.ClassOther]; 2
// KEY_NOT_FOUND_ERROR never reaches the table because Do answers it with
// [ErrNotFound].
var classes = map[types.ResultCode]drivers.Class{
	types.KEY_NOT_FOUND_ERROR: drivers.ClassNotFound,

	// The op or the client ran out of time: the server's own timeout (it
	// waited too long in a queue), or the client's TotalTimeout or
	// SocketTimeout.
	types.TIMEOUT:       drivers.ClassTimeout,
	types.QUERY_TIMEOUT: drivers.ClassTimeout,

	// A hot key: too many ops queued on one record, or a write waiting for
	// XDR to ship the record.
	types.KEY_BUSY:     drivers.ClassKeyBusy,
	types.XDR_KEY_BUSY: drivers.ClassKeyBusy,

	// Shed for lack of capacity: the storage write queue is full, a rate
	// quota is exceeded, batch or query queues are full, every connection
	// to the node is busy (more ops in flight than ConnectionQueueSize), or
	// the client's circuit breaker refuses a node that failed more than
	// ClientPolicy.MaxErrorRate ops in its window.
	types.DEVICE_OVERLOAD:                  drivers.ClassOverload,
	types.QUOTA_EXCEEDED:                   drivers.ClassOverload,
	types.BATCH_QUEUES_FULL:                drivers.ClassOverload,
	types.BATCH_MAX_REQUESTS_EXCEEDED:      drivers.ClassOverload,
	types.QUERY_QUEUEFULL:                  drivers.ClassOverload,
	types.NO_AVAILABLE_CONNECTIONS_TO_NODE: drivers.ClassOverload,
	types.MAX_ERROR_RATE:                   drivers.ClassOverload,

	// The cluster could not serve the key: no node owns its partition, the
	// node is gone or not the one the partition map names, the map itself
	// is broken, or the cluster changed under the op.
	types.PARTITION_UNAVAILABLE:         drivers.ClassCluster,
	types.INVALID_NODE_ERROR:            drivers.ClassCluster,
	types.SERVER_NOT_AVAILABLE:          drivers.ClassCluster,
	types.INVALID_CLUSTER_PARTITION_MAP: drivers.ClassCluster,
	types.CLUSTER_KEY_MISMATCH:          drivers.ClassCluster,
	types.CLUSTER_NAME_MISMATCH_ERROR:   drivers.ClassCluster,
	types.RACK_NOT_DEFINED:              drivers.ClassCluster,
	// New checks that the namespace exists, so losing it later means the
	// partition map lost it: the client answers INVALID_NAMESPACE
	// ("Partition map empty") when every node has gone.
	types.INVALID_NAMESPACE: drivers.ClassCluster,

	// The connection broke mid-op, or nothing came back.
	types.NETWORK_ERROR: drivers.ClassNetwork,
	types.NO_RESPONSE:   drivers.ClassNetwork,
}

// maxChain bounds how deep classify follows wrapped errors.
const maxChain = 8

// classify returns the class of an error of the client. The outermost
// result code decides, except for two codes that only wrap the real cause:
// MAX_RETRIES_EXCEEDED (the last attempt's error is inside) and
// COMMON_ERROR (a Go error is inside).
func classify(err error) drivers.Class {
	for range maxChain {
		ae, ok := err.(*as.AerospikeError)
		if !ok {
			if ae = findAerospikeError(err); ae == nil {
				return drivers.ClassOf(err) // a Go error: context, syscall, net
			}
		}
		code := ae.ResultCode
		if inner := ae.Unwrap(); inner != nil && (code == types.MAX_RETRIES_EXCEEDED || code == types.COMMON_ERROR) {
			err = inner
			continue
		}
		if code == types.NETWORK_ERROR && errors.Is(ae, errRefused) {
			return drivers.ClassRefused
		}
		if c, ok := classes[code]; ok {
			return c
		}
		if code == types.MAX_RETRIES_EXCEEDED {
			return drivers.ClassTimeout // "timed out on client: exceeded number of retries"
		}
		if code > 0 {
			return drivers.ClassServerError
		}
		return drivers.ClassOther
	}
	return drivers.ClassOther
}

// findAerospikeError is errors.As for the client's error type, apart so
// that classify's common case, the client's error itself, does not move a
// variable to the heap.
func findAerospikeError(err error) *as.AerospikeError {
	var ae *as.AerospikeError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// errRefused is ECONNREFUSED boxed once.
var errRefused error = syscall.ECONNREFUSED

// wrap turns a client error into what Do returns: nil, [ErrNotFound], or a
// classified [*drivers.Error] wrapping err. The wrapper is the one
// allocation of a failure that the client has not already made (it
// allocates its error and, for most codes, a stack trace).
func wrap(err as.Error) error {
	if err == nil {
		return nil
	}
	c := classify(err)
	if c == drivers.ClassNotFound {
		return ErrNotFound
	}
	return &drivers.Error{Class: c, Err: err}
}
