package aerospike

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/aerospike/aerospike-client-go/v7/types"

	"github.com/surgeload/surge/drivers"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		code types.ResultCode
		want drivers.Class
	}{
		{types.KEY_NOT_FOUND_ERROR, drivers.ClassNotFound},
		{types.TIMEOUT, drivers.ClassTimeout},
		{types.QUERY_TIMEOUT, drivers.ClassTimeout},
		{types.MAX_RETRIES_EXCEEDED, drivers.ClassTimeout}, // with nothing wrapped
		{types.KEY_BUSY, drivers.ClassKeyBusy},
		{types.XDR_KEY_BUSY, drivers.ClassKeyBusy},
		{types.DEVICE_OVERLOAD, drivers.ClassOverload},
		{types.QUOTA_EXCEEDED, drivers.ClassOverload},
		{types.BATCH_QUEUES_FULL, drivers.ClassOverload},
		{types.BATCH_MAX_REQUESTS_EXCEEDED, drivers.ClassOverload},
		{types.QUERY_QUEUEFULL, drivers.ClassOverload},
		{types.NO_AVAILABLE_CONNECTIONS_TO_NODE, drivers.ClassOverload},
		{types.MAX_ERROR_RATE, drivers.ClassOverload},
		{types.PARTITION_UNAVAILABLE, drivers.ClassCluster},
		{types.INVALID_NODE_ERROR, drivers.ClassCluster},
		{types.SERVER_NOT_AVAILABLE, drivers.ClassCluster},
		{types.INVALID_CLUSTER_PARTITION_MAP, drivers.ClassCluster},
		{types.CLUSTER_KEY_MISMATCH, drivers.ClassCluster},
		{types.CLUSTER_NAME_MISMATCH_ERROR, drivers.ClassCluster},
		{types.RACK_NOT_DEFINED, drivers.ClassCluster},
		{types.INVALID_NAMESPACE, drivers.ClassCluster},
		{types.NETWORK_ERROR, drivers.ClassNetwork},
		{types.NO_RESPONSE, drivers.ClassNetwork},
		{types.SERVER_ERROR, drivers.ClassServerError},
		{types.GENERATION_ERROR, drivers.ClassServerError},
		{types.KEY_EXISTS_ERROR, drivers.ClassServerError},
		{types.SERVER_MEM_ERROR, drivers.ClassServerError},
		{types.RECORD_TOO_BIG, drivers.ClassServerError},
		{types.BIN_TYPE_ERROR, drivers.ClassServerError},
		{types.FAIL_FORBIDDEN, drivers.ClassServerError},
		{types.NOT_AUTHENTICATED, drivers.ClassServerError},
		{types.ROLE_VIOLATION, drivers.ClassServerError},
		{types.PARSE_ERROR, drivers.ClassOther},
		{types.SERIALIZE_ERROR, drivers.ClassOther},
		{types.COMMON_ERROR, drivers.ClassOther}, // with nothing wrapped
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			err := &as.AerospikeError{ResultCode: tt.code}
			if got := classify(err); got != tt.want {
				t.Errorf("classify(%v) = %v; want %v", tt.code, got, tt.want)
			}
			if got := classify(fmt.Errorf("context: %w", err)); got != tt.want {
				t.Errorf("classify(wrapped %v) = %v; want %v", tt.code, got, tt.want)
			}
			got := wrap(err)
			if drivers.ClassOf(got) != tt.want {
				t.Errorf("ClassOf(wrap(%v)) = %v; want %v", tt.code, drivers.ClassOf(got), tt.want)
			}
			var ae *as.AerospikeError
			if tt.want != drivers.ClassNotFound && !errors.As(got, &ae) {
				t.Errorf("wrap(%v) = %v; want the client's error inside", tt.code, got)
			}
		})
	}
}

func TestClassifyGoErrors(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want drivers.Class
	}{
		{"deadline", context.DeadlineExceeded, drivers.ClassTimeout},
		{"cancelled", context.Canceled, drivers.ClassCanceled},
		{"refused", refused, drivers.ClassRefused},
		{"reset", syscall.ECONNRESET, drivers.ClassNetwork},
		{"eof", io.EOF, drivers.ClassNetwork},
		{"anything else", errors.New("boom"), drivers.ClassOther},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
	if wrap(nil) != nil {
		t.Error("wrap(nil) != nil")
	}
}
