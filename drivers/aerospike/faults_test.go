package aerospike

import (
	"context"
	"errors"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/aerospike/astest"
)

func TestFaults(t *testing.T) {
	s := newServer(t, astest.Options{Seed: 1})
	cfg := testConfig(s)
	cfg.TotalTimeout = 50 * time.Millisecond
	c := newTarget(t, cfg, allOps...)
	for _, op := range []int{opPut, opPutBins} { // the records the reads find
		for k := range uint64(4) {
			mustRun(t, c, op, k, 32, drivers.ClassOK)
		}
	}
	tests := []struct {
		name   string
		faults astest.Faults
		want   drivers.Class
	}{
		{"KEY_BUSY", astest.Faults{ResultCode: 14, ErrorRate: 1}, drivers.ClassKeyBusy},
		{"DEVICE_OVERLOAD", astest.Faults{ResultCode: 18, ErrorRate: 1}, drivers.ClassOverload},
		{"QUOTA_EXCEEDED", astest.Faults{ResultCode: 83, ErrorRate: 1}, drivers.ClassOverload},
		{"server TIMEOUT", astest.Faults{ResultCode: 9, ErrorRate: 1}, drivers.ClassTimeout},
		{"PARTITION_UNAVAILABLE", astest.Faults{ResultCode: 11, ErrorRate: 1}, drivers.ClassCluster},
		{"SERVER_MEM_ERROR", astest.Faults{ResultCode: 8, ErrorRate: 1}, drivers.ClassServerError},
		{"delay past TotalTimeout", astest.Faults{Delay: 10 * cfg.TotalTimeout}, drivers.ClassTimeout},
		{"dropped connection", astest.Faults{DropRate: 1}, drivers.ClassNetwork},
	}
	ops := []int{opGet, opPut, opExists, opTouch, opDelete, opAdd, opOperate, opBatchGet}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetFaults(tt.faults)
			for _, op := range ops {
				err := c.Do(context.Background(), &drivers.Op{Index: op, Key: 1, Keys: []uint64{1, 2, 3}, ValueSize: 8})
				if got := drivers.ClassOf(err); got != tt.want {
					t.Errorf("%v: Do = %v (class %v); want class %v", c.ops[op].kind, err, got, tt.want)
				}
				var ae *as.AerospikeError
				if !errors.As(err, &ae) {
					t.Errorf("%v: Do = %v; want the client's error inside", c.ops[op].kind, err)
				}
			}
			s.SetFaults(astest.Faults{})
			for _, op := range ops {
				mustRun(t, c, op, 0, 8, drivers.ClassOK) // recovered; the delete's key is rewritten next
				if op == opDelete {
					mustRun(t, c, opPut, 0, 8, drivers.ClassOK)
				}
			}
		})
	}
}

func TestClusterFaults(t *testing.T) {
	cl, err := astest.NewCluster(3, astest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	cfg := Config{Hosts: []string{cl.Nodes[1].Addr()}, Namespace: "test", MaxRetries: -1}
	c := newTarget(t, cfg, allOps...)
	keys := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	batch := drivers.Op{Index: opBatchGet, Key: keys[0], Keys: keys}
	cl.SetFaults(astest.Faults{ResultCode: 14, ErrorRate: 1})
	if err := c.Do(context.Background(), &batch); drivers.ClassOf(err) != drivers.ClassKeyBusy {
		t.Errorf("batch-get over 3 busy nodes = %v; want class key_busy", err)
	}
	cl.SetFaults(astest.Faults{})
	if err := c.Do(context.Background(), &batch); err != nil {
		t.Errorf("batch-get after the faults = %v; want nil", err)
	}
}
