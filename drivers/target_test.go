package drivers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/surgeload/surge/drivers"
)

func TestClassOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want drivers.Class
	}{
		{nil, drivers.ClassOK},
		{drivers.ErrOverload, drivers.ClassOverload},
		{fmt.Errorf("get: %w", &drivers.Error{Class: drivers.ClassKeyBusy}), drivers.ClassKeyBusy},
		{context.DeadlineExceeded, drivers.ClassTimeout},
		{context.Canceled, drivers.ClassCanceled},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, drivers.ClassRefused},
		{&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, drivers.ClassNetwork},
		{fmt.Errorf("read reply: %w", io.EOF), drivers.ClassNetwork},
		{io.ErrUnexpectedEOF, drivers.ClassNetwork},
		{syscall.EPIPE, drivers.ClassNetwork},
		{&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, drivers.ClassTimeout},
		{errors.New("something odd"), drivers.ClassOther},
	} {
		if got := drivers.ClassOf(tc.err); got != tc.want {
			t.Errorf("ClassOf(%v) = %v; want %v", tc.err, got, tc.want)
		}
	}
	for c := drivers.ClassOK; c < drivers.NumClasses; c++ {
		if c.String() == "other" && c != drivers.ClassOther {
			t.Errorf("class %d has no name", c)
		}
	}
}
