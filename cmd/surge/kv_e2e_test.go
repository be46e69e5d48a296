package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers/redis/redistest"
)

// startTarget runs `surge target aerospike` with args on free loopback
// ports and returns the nodes' addresses once all of them listen.
func startTarget(t *testing.T, nodes int, args ...string) []string {
	t.Helper()
	return startTargetArgs(t, nodes, append([]string{"target", "aerospike", "--listen", "127.0.0.1:0", "--nodes", fmt.Sprint(nodes)}, args...)...)
}

// startTargetArgs runs the binary with args, a `surge target` command, and
// returns the n addresses it prints as listening (without a scheme) once
// it has printed them all; the target is interrupted when the test ends.
func startTargetArgs(t *testing.T, n int, args ...string) []string {
	t.Helper()
	cmd := exec.Command(surgeBin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	listening := regexp.MustCompile(`listening on (?:https?://)?(\S+)`)
	var addrs []string
	lines := bufio.NewScanner(stdout)
	for len(addrs) < n && lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			addrs = append(addrs, m[1])
		}
	}
	if len(addrs) < n {
		t.Fatalf("surge %v: %d of %d listening (%v)", args, len(addrs), n, lines.Err())
	}
	go func() { // keep the pipe drained
		for lines.Scan() {
		}
	}()
	return addrs
}

// The bundled Aerospike sale, shortened, against a 3-node emulated cluster
// served by the binary itself: the populate writes the catalogue, every op
// runs and reads find what the populate wrote. Its latency SLOs hold or not
// depending on how busy the machine is, so --no-slo keeps them out of the
// exit code; they must still be judged.
func TestRunAerospikeSale(t *testing.T) {
	t.Parallel()
	hosts := startTarget(t, 3)
	out := filepath.Join(t.TempDir(), "out")
	r := surge(t, t.TempDir(), "run", "bbd-flash-sale-aerospike", "--out", out,
		"--env", "SURGE_AEROSPIKE_HOSTS="+strings.Join(hosts, ","), "--env", "SURGE_CATALOGUE_KEYS=1k",
		"--rate-scale", "0.1", "--duration-scale", "0.1", "--no-slo")
	if r.code != 0 {
		t.Fatalf("exit %d; want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	res := checkResults(t, out)
	if len(res.SLO) != 9 {
		t.Errorf("%d slo verdicts; want the 9 limits of the scenario's 5 rules", len(res.SLO))
	}
	if len(res.Populate) != 1 || res.Populate[0].Written != 1000 || !res.Populate[0].Complete() {
		t.Errorf("populate = %+v; want 1000 catalogue keys written", res.Populate)
	}
	for _, op := range res.Totals {
		if op.Completed == 0 || op.ErrorRate > 0.001 {
			t.Errorf("op %s: %d completed, errors %v", op.Name, op.Completed, op.Errors)
		}
	}
	if !strings.Contains(r.stdout, "populate catalogue  100%  1000/1000 keys") {
		t.Errorf("stdout lacks the populate line:\n%s", r.stdout)
	}
}

// An Aerospike cluster that is not there fails the run fast, naming the
// host, with exit code 3.
func TestRunAerospikeUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	start := time.Now()
	r := surge(t, t.TempDir(), "run", "bbd-flash-sale-aerospike", "--env", "SURGE_AEROSPIKE_HOSTS="+addr)
	if r.code != 3 || !strings.Contains(r.stderr, addr) {
		t.Errorf("exit %d, stderr %q; want 3 and a message naming %s", r.code, r.stderr, addr)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v to give up; want it to fail fast", d)
	}
}

// A wrong password is a clear authentication error, and the password is
// not printed.
func TestRunAerospikeWrongPassword(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(secret, []byte("right-horse-battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hosts := startTarget(t, 1, "--user", "surge", "--password-file", secret)
	r := surge(t, t.TempDir(), "populate", "bbd-flash-sale-aerospike", "--out", t.TempDir(),
		"--env", "SURGE_AEROSPIKE_HOSTS="+hosts[0], "--env", "SURGE_AEROSPIKE_USER=surge",
		"--env", "SURGE_AEROSPIKE_PASSWORD=wrong-staple")
	if r.code != 3 || !strings.Contains(strings.ToLower(r.stderr), "auth") || strings.Contains(r.stderr, "wrong-staple") {
		t.Errorf("exit %d, stderr %q; want 3 and an authentication error without the password", r.code, r.stderr)
	}
	r = surge(t, t.TempDir(), "populate", "bbd-flash-sale-aerospike", "--out", t.TempDir(),
		"--env", "SURGE_AEROSPIKE_HOSTS="+hosts[0], "--env", "SURGE_AEROSPIKE_USER=surge",
		"--env", "SURGE_AEROSPIKE_PASSWORD=right-horse-battery", "--env", "SURGE_CATALOGUE_KEYS=100")
	if r.code != 0 {
		t.Errorf("with the right password: exit %d\nstderr: %s", r.code, r.stderr)
	}
}

// surge populate resumes from its checkpoint: a second run of a complete
// populate writes nothing.
func TestPopulateTwice(t *testing.T) {
	t.Parallel()
	hosts := startTarget(t, 1)
	out := t.TempDir()
	args := []string{"populate", "bbd-flash-sale-aerospike", "--out", out,
		"--env", "SURGE_AEROSPIKE_HOSTS=" + hosts[0], "--env", "SURGE_CATALOGUE_KEYS=500"}
	r := surge(t, t.TempDir(), args...)
	if r.code != 0 || !strings.Contains(r.stdout, "populate catalogue  100%  500/500 keys") {
		t.Fatalf("first populate: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = surge(t, t.TempDir(), args...)
	if r.code != 0 || !strings.Contains(r.stdout, "already complete") {
		t.Errorf("second populate: exit %d; want it to find the keyspace complete\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = surge(t, t.TempDir(), "populate", "smoke")
	if r.code != 2 || !strings.Contains(r.stderr, "no populate section") {
		t.Errorf("populate of a scenario without one: exit %d, stderr %q; want 2", r.code, r.stderr)
	}
}

// The bundled Redis sale, shortened, against a real redis-server, with
// --no-slo as in TestRunAerospikeSale.
func TestRunRedisSale(t *testing.T) {
	t.Parallel()
	addr := redistest.Start(t).Addr
	out := filepath.Join(t.TempDir(), "out")
	r := surge(t, t.TempDir(), "run", "bbd-flash-sale-redis", "--out", out,
		"--env", "SURGE_REDIS_ADDRS="+addr, "--env", "SURGE_CATALOGUE_KEYS=1k",
		"--rate-scale", "0.1", "--duration-scale", "0.1", "--no-slo")
	if r.code != 0 {
		t.Fatalf("exit %d; want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	res := checkResults(t, out)
	if len(res.SLO) == 0 {
		t.Error("no slo verdicts in results.json")
	}
	if len(res.Populate) != 1 || res.Populate[0].Written != 1000 {
		t.Errorf("populate = %+v; want 1000 catalogue keys written", res.Populate)
	}
	for _, op := range res.Totals {
		if op.Completed == 0 || op.ErrorRate > 0.001 {
			t.Errorf("op %s: %d completed, errors %v", op.Name, op.Completed, op.Errors)
		}
	}
}
