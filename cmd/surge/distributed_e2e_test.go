package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/report"
)

// End-to-end tests of distributed runs: the real binary as coordinator and
// drivers, on loopback. They wait on what the processes print, never on
// the clock, and assert counts, never rates.

// fleetScenario writes a sim scenario with the given workers and profile
// lines to a temporary directory and returns its path. The sim has far
// more servers than the load needs, so no op queues, and a 5% error rate
// that depends on each op's sequence number only: a sharded run must count
// the same ops and the same errors as one process with as many lanes.
func fleetScenario(t *testing.T, workers int, profile string) string {
	t.Helper()
	src := fmt.Sprintf(`version: 1
name: fleet
seed: 11
targets:
  kv: {driver: sim, servers: 1000, service_time: 1ms, error_rate: 5%%}
keyspaces:
  items: {count: 10k, distribution: zipfian}
mix:
  read: {weight: 3, target: kv, op: get, keyspace: items}
  write: {weight: 1, target: kv, op: put, keyspace: items, value_size: 1KiB}
profile:
%s
options: {workers: %d, interval: 250ms, drain_timeout: 2s}
`, profile, workers)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("fleet-w%d.yaml", workers))
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeToken writes a token file holding token and returns its path.
func writeToken(t *testing.T, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockedBuffer is a process's output, written by exec's copying goroutine
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// proc is a surge process running in the background of a test.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	done           chan struct{} // closed once the process has exited
}

// startSurge starts the binary with args and the extra environment
// variables env. The process is killed, if still running, when the test
// ends, so none outlives it.
func startSurge(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(surgeBin, args...), done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JOB_COMPLETION_INDEX=") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait() // the exit code is read from ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // an error means it had exited
		<-p.done
	})
	return p
}

// waitFor polls cond until it holds, failing the test after timeout.
func (p *proc) waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case <-p.done:
			if cond() {
				return
			}
			t.Fatalf("%s exited (%v) before %s\nstdout: %s\nstderr: %s", p.name, p.cmd.ProcessState, what, p.stdout.String(), p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s in %v\nstdout: %s\nstderr: %s", p.name, what, timeout, p.stdout.String(), p.stderr.String())
		}
	}
}

// waitStderr waits until the process's stderr holds s.
func (p *proc) waitStderr(t *testing.T, s string) {
	t.Helper()
	p.waitFor(t, fmt.Sprintf("%q on stderr", s), 30*time.Second, func() bool { return strings.Contains(p.stderr.String(), s) })
}

// exit waits for the process to exit and returns its exit code (-1 when a
// signal ended it).
func (p *proc) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(90 * time.Second):
		t.Fatalf("%s did not exit in 90s\nstdout: %s\nstderr: %s", p.name, p.stdout.String(), p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// finished checks a driver of a run that ended: the coordinator told it
// the run is over, and it exited 0.
func (p *proc) finished(t *testing.T) {
	t.Helper()
	if code := p.exit(t); code != 0 || !strings.Contains(p.stderr.String(), "driver: the run is over") {
		t.Errorf("%s exited %d; want 0, after the coordinator said the run is over\nstderr: %s", p.name, code, p.stderr.String())
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill %s: %v", p.name, err)
	}
	p.exit(t)
}

var listeningOn = regexp.MustCompile(`coordinator listening on (\S+) for`)

// startCoordinator starts `surge coordinator` with args and returns it and
// the address it listens on, once it listens.
func startCoordinator(t *testing.T, args ...string) (*proc, string) {
	t.Helper()
	c := startSurge(t, "coordinator", nil, append([]string{"coordinator"}, args...)...)
	var addr string
	c.waitFor(t, "listening address", 30*time.Second, func() bool {
		m := listeningOn.FindStringSubmatch(c.stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	return c, addr
}

// startDriver starts `surge driver` named name against the coordinator at
// addr; index >= 0 sets JOB_COMPLETION_INDEX. Its --patience is far longer
// than a coordinator restart takes here, and far shorter than the default,
// so that a driver left waiting for a coordinator that is gone fails the
// test in seconds, not minutes.
func startDriver(t *testing.T, addr, tokenFile, name string, index int) *proc {
	t.Helper()
	var env []string
	if index >= 0 {
		env = append(env, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", index))
	}
	return startSurge(t, "driver "+name, env, "driver", "--coordinator", addr, "--token-file", tokenFile, "--name", name, "--patience", "15s")
}

// progressLines counts the coordinator's per-interval progress lines: each
// is one merged interval.
func progressLines(c *proc) int { return strings.Count(c.stdout.String(), "(intended ") }

// opCounts are a run's per-stage, per-op counts and error classes: what
// its schedule and the ops' sequence numbers decide. (Completed depends on
// when each op finished, so it is left out.)
type opCounts map[string]map[string]report.OpResult

func countsOf(t *testing.T, res *report.Results) opCounts {
	t.Helper()
	out := opCounts{}
	for _, st := range res.Stages {
		out[st.Name] = map[string]report.OpResult{}
		for _, op := range st.Ops {
			out[st.Name][op.Name] = report.OpResult{Count: op.Count, Errors: op.Errors}
			for _, class := range []string{"unsent", "canceled"} {
				if n := op.Errors[class]; n != 0 {
					t.Errorf("stage %s op %s: %d %s ops; want every op sent and completed", st.Name, op.Name, n, class)
				}
			}
		}
	}
	return out
}

// total sums the counts of every stage and op.
func (c opCounts) total() int64 {
	var n int64
	for _, ops := range c {
		for _, op := range ops {
			n += op.Count
		}
	}
	return n
}

// Four driver processes of one worker each count exactly the ops, and the
// errors, of one process with four workers: lanes are the same wherever
// they run, and the coordinator's merge loses and duplicates nothing.
func TestDistributedLocalDriversMatchOneProcess(t *testing.T) {
	t.Parallel()
	profile := `  - {name: warm, duration: 1s, rate: 200, ramp_to: 800}
  - {name: peak, duration: 2s, rate: 800, arrival: poisson}`
	var dist, single *report.Results
	t.Run("runs", func(t *testing.T) {
		t.Run("local-drivers", func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			r := surge(t, t.TempDir(), "run", fleetScenario(t, 1, profile), "--local-drivers", "4", "--out", out)
			if r.code != 0 {
				t.Fatalf("exit %d; want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			dist = checkResults(t, out)
		})
		t.Run("one process", func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			r := surge(t, t.TempDir(), "run", fleetScenario(t, 4, profile), "--out", out)
			if r.code != 0 {
				t.Fatalf("exit %d; want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			single = checkResults(t, out)
		})
	})
	if dist == nil || single == nil {
		return // a run failed, and said why
	}
	if dist.Drivers.Planned != 4 || dist.Drivers.Completed != 4 || len(dist.Drivers.Lost) != 0 {
		t.Errorf("drivers = %d planned, %d completed, lost %+v; want 4, 4, none", dist.Drivers.Planned, dist.Drivers.Completed, dist.Drivers.Lost)
	}
	got, want := countsOf(t, dist), countsOf(t, single)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-stage op counts of --local-drivers 4 differ from one process with 4 workers (-one process +local-drivers):\n%s", diff)
	}
	var errs int64
	for _, op := range single.Totals {
		errs += op.Errors["server_error"]
	}
	if errs == 0 || want.total() == 0 {
		t.Errorf("the reference run has %d ops and %d server errors; want some of each", want.total(), errs)
	}
}

// A driver killed with SIGKILL mid-run is declared lost after --lost-after;
// the run carries on with the others and reports the share it did not
// offer. With --max-lost 1 the run passes; with the default 0 it fails.
func TestDistributedDriverKilled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		maxLost  string
		wantCode int
	}{
		{"tolerated", "1", 0},
		{"over --max-lost", "0", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scenario := fleetScenario(t, 1, `  - {name: early, duration: 3s, rate: 300}
  - {name: late, duration: 3s, rate: 300}`)
			token := writeToken(t, "killed-driver-secret")
			out := filepath.Join(t.TempDir(), "out")
			c, addr := startCoordinator(t, scenario, "--listen", "127.0.0.1:0", "--drivers", "3", "--token-file", token,
				"--lost-after", "2s", "--max-lost", tt.maxLost, "--out", out)
			var ds []*proc
			for i := range 3 {
				ds = append(ds, startDriver(t, addr, token, fmt.Sprintf("d%d", i), i))
			}
			c.waitStderr(t, "starts in")
			// Four merged intervals: every driver has reported its first second.
			c.waitFor(t, "4 progress lines", 60*time.Second, func() bool { return progressLines(c) >= 4 })
			ds[1].kill(t)

			if code := c.exit(t); code != tt.wantCode {
				t.Fatalf("coordinator exited %d; want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, c.stdout.String(), c.stderr.String())
			}
			ds[0].finished(t)
			ds[2].finished(t)
			res := checkResults(t, out)
			checkKilled(t, res)
			stdout, stderr := c.stdout.String(), c.stderr.String()
			if !strings.Contains(stdout, "drivers 2/3 (lost d1 at ") {
				t.Errorf("summary lacks the lost driver:\n%s", stdout)
			}
			if !strings.Contains(stderr, "coordinator: driver d1 lost: silent for 2s") {
				t.Errorf("coordinator log lacks the loss:\n%s", stderr)
			}
			if tt.wantCode == 3 && !strings.Contains(stderr, "more than --max-lost 0") {
				t.Errorf("stderr does not say the run lost more drivers than --max-lost:\n%s", stderr)
			}
		})
	}
}

// checkKilled checks results.json of TestDistributedDriverKilled: d1 lost
// with a third of the load, that third missing from stage late, and from
// stage early from d1's last interval on.
func checkKilled(t *testing.T, res *report.Results) {
	t.Helper()
	if res.Drivers.Planned != 3 || res.Drivers.Completed != 2 || len(res.Drivers.Lost) != 1 {
		t.Fatalf("drivers = %d planned, %d completed, lost %+v; want 3, 2, one", res.Drivers.Planned, res.Drivers.Completed, res.Drivers.Lost)
	}
	l := res.Drivers.Lost[0]
	if l.Name != "d1" || l.Index != 1 || math.Abs(l.Share-1.0/3) > 1e-9 || l.Reason != "silent for 2s" {
		t.Errorf("lost = %+v; want d1, index 1, share 1/3, silent for 2s", l)
	}
	if !(l.ReportedUntilS >= 1 && l.LostAtS > l.ReportedUntilS) {
		t.Errorf("lost = %+v; want data until at least 1s (4 intervals were merged) and the loss after it", l)
	}
	for _, st := range res.Stages {
		// The share of the stage after d1's last interval, as in report.notOffered.
		lo, hi := st.StartS, st.StartS+st.DurationS
		want := 0.0
		if from := max(l.ReportedUntilS, lo); from < hi {
			want = (hi - from) / (hi - lo) / 3
		}
		if math.Abs(st.NotOfferedShare-want) > 1e-3 || (want > 0) != (st.NotOfferedShare > 0) {
			t.Errorf("stage %s: not_offered_share %v; want %.4f", st.Name, st.NotOfferedShare, want)
		}
		if want > 0 && st.NotOfferedRate <= 0 {
			t.Errorf("stage %s: not_offered_rate %v; want > 0", st.Name, st.NotOfferedRate)
		}
	}
	if n := len(res.Stages); n != 2 || res.Stages[1].NotOfferedShare < 0.333 {
		t.Errorf("%d stages, the last with not_offered_share %v; want stage late without d1's third", n, res.Stages[n-1].NotOfferedShare)
	}
	var warned bool
	for _, w := range res.Warnings {
		warned = warned || strings.HasPrefix(w, "driver d1 was lost at ")
	}
	if !warned {
		t.Errorf("warnings do not name the lost driver: %q", res.Warnings)
	}
	for _, d := range res.Drivers.List {
		if want := map[bool]string{true: "lost", false: "completed"}[d.Name == "d1"]; d.Status != want {
			t.Errorf("driver %s status %q; want %q", d.Name, d.Status, want)
		}
	}
}

// A coordinator killed mid-run and started again on the same --out
// resumes from its checkpoint: the drivers reconnect, resend what it had
// not acknowledged, and the results hold every scheduled op exactly once.
func TestDistributedCoordinatorRestart(t *testing.T) {
	t.Parallel()
	profile := `  - {name: first, duration: 2s, rate: 400}
  - {name: second, duration: 3s, rate: 200, ramp_to: 600}`
	// The reference: one process with the two drivers' lanes.
	refOut := filepath.Join(t.TempDir(), "ref")
	ref := startSurge(t, "reference run", nil, "run", fleetScenario(t, 2, profile), "--out", refOut)

	scenario := fleetScenario(t, 1, profile)
	token := writeToken(t, "restart-secret")
	out := filepath.Join(t.TempDir(), "out")
	args := []string{scenario, "--drivers", "2", "--token-file", token, "--out", out}
	c, addr := startCoordinator(t, append(args, "--listen", "127.0.0.1:0")...)
	ds := []*proc{startDriver(t, addr, token, "d0", -1), startDriver(t, addr, token, "d1", -1)}
	c.waitStderr(t, "starts in")
	c.waitFor(t, "4 progress lines", 60*time.Second, func() bool { return progressLines(c) >= 4 })
	c.kill(t)
	if _, err := os.Stat(filepath.Join(out, "run.checkpoint")); err != nil {
		t.Fatalf("no checkpoint after the coordinator was killed: %v", err)
	}

	c2, _ := startCoordinator(t, append(args, "--listen", addr)...)
	c2.waitStderr(t, "resuming run ")
	if code := c2.exit(t); code != 0 {
		t.Fatalf("restarted coordinator exited %d; want 0\nstdout: %s\nstderr: %s", code, c2.stdout.String(), c2.stderr.String())
	}
	for _, d := range ds {
		d.finished(t)
		if s := d.stderr.String(); !strings.Contains(s, "reconnecting") || !strings.Contains(s, "rejoined run ") {
			t.Errorf("%s did not reconnect and rejoin:\n%s", d.name, s)
		}
	}
	for _, name := range []string{"d0", "d1"} {
		if !strings.Contains(c2.stderr.String(), "coordinator: driver "+name+" reconnected") {
			t.Errorf("restarted coordinator's log lacks %s reconnecting:\n%s", name, c2.stderr.String())
		}
	}
	res := checkResults(t, out)
	if res.Drivers.Planned != 2 || res.Drivers.Completed != 2 || len(res.Drivers.Lost) != 0 {
		t.Errorf("drivers = %d planned, %d completed, lost %+v; want 2, 2, none", res.Drivers.Planned, res.Drivers.Completed, res.Drivers.Lost)
	}

	if code := ref.exit(t); code != 0 {
		t.Fatalf("reference run exited %d\nstdout: %s\nstderr: %s", code, ref.stdout.String(), ref.stderr.String())
	}
	got, want := countsOf(t, res), countsOf(t, checkResults(t, refOut))
	if got.total() != want.total() {
		t.Errorf("%d ops across the restart; want the %d the schedule holds", got.total(), want.total())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-stage op counts across the restart differ from one process's (-one process +restarted):\n%s", diff)
	}
}
