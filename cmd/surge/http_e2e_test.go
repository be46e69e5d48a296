package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The bundled checkout funnel, shortened, against `surge target http`
// served by the binary in another process: every step of the journey runs,
// sessions keep their cart and cookie from step to step, some complete
// the checkout, and the results hold the funnel. As with the other sales,
// --no-slo keeps latency limits that depend on the machine out of the exit
// code; they must still be judged.
func TestRunCheckoutFunnel(t *testing.T) {
	t.Parallel()
	url := "http://" + startTargetArgs(t, 1, "target", "http", "--listen", "127.0.0.1:0")[0]
	out := filepath.Join(t.TempDir(), "out")
	r := surge(t, t.TempDir(), "run", "bbd-checkout-funnel", "--out", out, "--env", "SURGE_SHOP_URL="+url,
		"--duration-scale", "0.2", "--rate-scale", "0.5", "--no-slo")
	if r.code != 0 {
		t.Fatalf("exit %d; want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	res := checkResults(t, out)
	if want := 2 + len(res.Totals); len(res.SLO) != want {
		t.Errorf("%d slo verdicts; want %d: two latency limits and an error rate per op", len(res.SLO), want)
	}
	if len(res.Journeys) != 1 {
		t.Fatalf("%d journeys in the results; want 1", len(res.Journeys))
	}
	j := res.Journeys[0]
	if j.Started < 100 || j.Completed == 0 || j.Failed != 0 || j.Completed+j.Abandoned+j.Canceled != j.Started {
		t.Errorf("funnel %+v: want 100+ journeys, none failed, some completed, all accounted for", j)
	}
	for _, st := range j.Steps {
		if st.Reached == 0 || st.Failed != 0 {
			t.Errorf("step %s: reached %d, failed %d", st.Name, st.Reached, st.Failed)
		}
	}
	for _, op := range res.Totals {
		if op.Count == 0 || op.ErrorRate != 0 {
			t.Errorf("op %s: count %d, errors %v", op.Name, op.Count, op.Errors)
		}
	}
	for _, want := range []string{"journey shopper  started", "view-cart", "shopper.checkout"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
}

// Against a service that is not there, the run fails before its first
// stage with a message naming the address, and exit code 3.
func TestRunCheckoutFunnelNoServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	out := filepath.Join(t.TempDir(), "out")
	start := time.Now()
	r := surge(t, t.TempDir(), "run", "bbd-checkout-funnel", "--out", out, "--env", "SURGE_SHOP_URL=http://"+addr)
	if r.code != 3 {
		t.Fatalf("exit %d; want 3\nstderr: %s", r.code, r.stderr)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v to fail; want a fast failure", took)
	}
	for _, want := range []string{addr, "connection refused"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// surge run starts the embedded sale services itself, and loads them over
// HTTP/2: single requests and journeys whose second step needs the first
// one's cart id and session cookie all succeed.
func TestRunEmbeddedShopHTTP2(t *testing.T) {
	t.Parallel()
	file, err := filepath.Abs(filepath.Join("testdata", "h2-shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	r := surge(t, t.TempDir(), "run", file, "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d; want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	res := checkResults(t, out)
	if j := res.Journeys[0]; j.Started < 50 || j.Completed != j.Started {
		t.Errorf("journeys %+v; want all of 50+ completed", j)
	}
}
