package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/report"
)

// surgeBin is the real binary, built once by TestMain.
var surgeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "surge-e2e")
	if err != nil {
		panic(err)
	}
	surgeBin = filepath.Join(dir, "surge")
	build := exec.Command("go", "build", "-o", surgeBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build surge: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// surge runs the built binary in dir with a bounded time.
func surge(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return surgeWithin(t, 2*time.Minute, dir, args...)
}

// surgeWithin is surge with a time limit other than two minutes.
func surgeWithin(t *testing.T, limit time.Duration, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(surgeBin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("surge %v did not finish in %v", args, limit)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

func TestCLI(t *testing.T) {
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{"version", []string{"version"}, 0, []string{"surge "}, nil},
		{"scenario list", []string{"scenario", "list"}, 0, []string{"bbd-flash-sale", "smoke"}, nil},
		{"validate a good file", []string{"scenario", "validate", filepath.Join(testdata, "slo-fail.yaml")}, 0,
			[]string{"slo-fail.yaml: ok"}, nil},
		{"validate a broken file", []string{"scenario", "validate", filepath.Join(testdata, "broken.yaml")}, 2,
			nil, []string{"broken.yaml:4:33: ", "service_tme", `did you mean "service_time"`}},
		{"run an unknown scenario", []string{"run", "no-such-scenario"}, 2, nil, []string{"no-such-scenario", "bbd-flash-sale"}},
		{"run with a bad flag value", []string{"run", "smoke", "--rate-scale", "0"}, 2, nil, []string{"rate"}},
		{"run with an unknown flag", []string{"run", "--rate", "2"}, 2, nil, []string{"unknown flag"}},
		{"unknown command", []string{"runn"}, 2, nil, []string{"unknown command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := surge(t, t.TempDir(), tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("surge %v exited %d; want %d\nstderr: %s", tt.args, r.code, tt.wantCode, r.stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
}

// checkResults reads a results directory back and checks that it holds a
// whole run: results.json with every stage and op, and an interval log
// that HdrHistogram's log reader accepts, one tag per op.
func checkResults(t *testing.T, dir string) *report.Results {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := report.ReadJSON(f)
	if err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if res.Schema != "surge.results/v1" || len(res.Stages) == 0 {
		t.Fatalf("results.json has schema %q and %d stages", res.Schema, len(res.Stages))
	}
	ops := map[string]int64{}
	for _, st := range res.Stages {
		for _, op := range st.Ops {
			// canceled and unsent ops, and abandoned journeys, have no
			// latency, so no hlog entry
			ops[op.Name] += op.Count - op.Errors["canceled"] - op.Errors["unsent"] - op.Errors["abandoned"]
		}
	}
	hlog, err := os.Open(filepath.Join(dir, "intervals.hlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer hlog.Close()
	reader := hdrhistogram.NewHistogramLogReader(bufio.NewReader(hlog))
	logged := map[string]int64{}
	for {
		h, err := reader.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("intervals.hlog: %v", err)
		}
		if h == nil {
			break
		}
		logged[h.Tag()] += h.TotalCount()
	}
	for name, n := range ops {
		if n == 0 || logged[name] != n {
			t.Errorf("op %s: %d ops in results.json, %d in intervals.hlog; want the same, non-zero", name, n, logged[name])
		}
	}
	return res
}

func TestRunSmoke(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	r := surge(t, t.TempDir(), "run", "smoke", "--out", out)
	if r.code != 0 {
		t.Fatalf("surge run smoke exited %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	res := checkResults(t, out)
	if res.Scenario != "smoke" {
		t.Errorf("scenario %q; want smoke", res.Scenario)
	}
	for _, want := range []string{"PASS", "results: " + out} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "summary.txt")); err != nil {
		t.Error(err)
	}
}

// With no argument, surge runs the bundled sale scenario (shortened here)
// into ./surge-results. Whether its tight latency SLOs hold on a CI machine
// busy with other tests depends on that machine, so the run has --no-slo:
// it must complete and exit 0 whatever the verdicts. The smoke test holds
// its SLOs strictly.
func TestRunDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := surge(t, dir, "run", "--duration-scale", "0.05", "--no-slo")
	if r.code != 0 {
		t.Fatalf("surge run exited %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	runs, err := filepath.Glob(filepath.Join(dir, "surge-results", "bbd-flash-sale-*"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("want one results directory under surge-results, got %v (%v)", runs, err)
	}
	if res := checkResults(t, runs[0]); len(res.Stages) != 5 {
		t.Errorf("%d stages; want the 5 of bbd-flash-sale", len(res.Stages))
	}
}

func TestRunSLOFailureExits1(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	file, err := filepath.Abs(filepath.Join("testdata", "slo-fail.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := surge(t, t.TempDir(), "run", file, "--out", out)
	if r.code != 1 {
		t.Fatalf("exit %d; want 1\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stderr, "slo") {
		t.Errorf("want a FAIL row on stdout and the SLO failure on stderr\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
	}
	checkResults(t, out)

	// --no-slo reports the same failed verdict and exits 0.
	out = filepath.Join(t.TempDir(), "out")
	r = surge(t, t.TempDir(), "run", file, "--out", out, "--no-slo")
	if r.code != 0 || !strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stderr, "ignored: --no-slo") {
		t.Fatalf("with --no-slo: exit %d; want 0, a FAIL row and the failure noted\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if res := checkResults(t, out); len(res.SLO) != 1 || res.SLO[0].Pass {
		t.Errorf("with --no-slo: results.json slo = %+v; want the one failed verdict", res.SLO)
	}
}

func TestRunUnwritableOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := surge(t, dir, "run", "smoke", "--out", filepath.Join(file, "out"))
	if r.code != 3 || !strings.Contains(r.stderr, "results directory") {
		t.Errorf("exit %d, stderr %q; want 3 and a message about the results directory", r.code, r.stderr)
	}
}

// An interrupted run writes what it measured and exits 3.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(surgeBin, "run", filepath.Join(testdata, "long.yaml"), "--out", out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	for i := 0; i < 3 && lines.Scan(); i++ { // three progress lines: the run is under way
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("exit %d; want 3\nstderr: %s", code, stderr.String())
	}
	res := checkResults(t, out)
	if len(res.Warnings) == 0 {
		t.Error("results.json of an interrupted run has no warning saying so")
	}
}
