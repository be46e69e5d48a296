package main

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers/aerospike/astest"
)

// A cluster whose nodes answer key busy, device overload, hold replies past
// the client's timeout and drop connections: the run completes, without a
// panic, and results.json counts each failure in its class.
func TestRunAerospikeFaults(t *testing.T) {
	c, err := astest.NewCluster(3, astest.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var hosts []string
	for _, n := range c.Nodes {
		hosts = append(hosts, net.JoinHostPort(n.Host(), strconv.Itoa(n.Port())))
	}
	// After the client has found the cluster: faults apply to data
	// requests only, so discovery is unaffected either way.
	c.Nodes[0].SetFaults(astest.Faults{ResultCode: 14, ErrorRate: 0.2}) // KEY_BUSY
	c.Nodes[1].SetFaults(astest.Faults{ResultCode: 18, ErrorRate: 0.2}) // DEVICE_OVERLOAD
	c.Nodes[2].SetFaults(astest.Faults{DropRate: 0.05})
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, now: time.Now}
	code := run(context.Background(), e, []string{"run", filepath.Join("testdata", "faults.yaml"), "--out", out,
		"--env", "HOSTS=" + strings.Join(hosts, ",")})
	if code != 0 {
		t.Fatalf("exit %d; want 0 (the error-rate SLO allows everything)\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	res := checkResults(t, out)
	errs := map[string]int64{}
	for _, op := range res.Totals {
		for class, n := range op.Errors {
			errs[class] += n
		}
	}
	for _, class := range []string{"key_busy", "overload", "network"} {
		if errs[class] == 0 {
			t.Errorf("no %s errors in results; got %v", class, errs)
		}
	}

	// Replies held past the client's timeout are timeouts.
	for _, n := range c.Nodes {
		n.SetFaults(astest.Faults{Delay: 300 * time.Millisecond})
	}
	out2 := filepath.Join(t.TempDir(), "out")
	stdout.Reset()
	code = run(context.Background(), e, []string{"run", filepath.Join("testdata", "faults.yaml"), "--out", out2,
		"--env", "HOSTS=" + strings.Join(hosts, ","), "--duration-scale", "0.2"})
	if code != 0 {
		t.Fatalf("delayed run: exit %d\nstderr: %s", code, stderr.String())
	}
	res = checkResults(t, out2)
	var timeouts, count int64
	for _, op := range res.Totals {
		timeouts += op.Errors["timeout"]
		count += op.Count
	}
	if timeouts == 0 || timeouts < count*9/10 {
		t.Errorf("%d of %d ops timed out against nodes that answer after 300ms; want nearly all", timeouts, count)
	}
}
