package coordinator

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
)

// distScenario has a sim whose latency is a function of each op's Seq
// alone (servers never queue), so in virtual time a run's histograms do
// not depend on how its lanes are spread over processes.
const distScenario = `
name: dist
seed: 11
targets:
  kv: {driver: sim, servers: 100000, service_time: 3ms}
keyspaces:
  items: {count: 10k}
mix:
  read: {weight: 3, target: kv, op: get, keyspace: items}
  write: {weight: 1, target: kv, op: put, keyspace: items, value_size: 1KiB}
profile:
  - {name: ramp, duration: 3s, ramp_to: 800}
  - {name: steady, duration: 4s, rate: 800}
options: {workers: %d}
`

// lognormalSim builds sim targets with a lognormal service time and 2%
// errors, both drawn from (seed, op Seq).
func lognormalSim(_ context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	s := plan.Targets[i].Sim
	return sim.New(sim.Config{Servers: s.Servers, ServiceTime: s.ServiceTime, Dist: sim.Lognormal,
		ErrorRate: 0.02, Seed: plan.Seed}, clock)
}

// pipeListener is a net.Listener of in-memory connections: inside a
// synctest bubble the whole protocol runs in virtual time.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) Dial(ctx context.Context) (net.Conn, error) {
	a, b := net.Pipe()
	select {
	case l.conns <- b:
		return a, nil
	case <-l.done:
		return nil, errors.New("connection refused")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// cluster is a coordinator and its agents in one test.
type cluster struct {
	t       *testing.T
	dir     string
	spec    *wire.RunSpec
	plan    *scenarios.Plan
	lis     *pipeListener
	log     syncBuffer
	agents  sync.WaitGroup
	mu      sync.Mutex
	agentEr map[string]error
}

func newCluster(t *testing.T, src string) *cluster {
	t.Helper()
	spec := &wire.RunSpec{File: "dist.yaml", Source: []byte(src), RateScale: 1, DurationScale: 1}
	plan, err := PlanFromSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &cluster{t: t, dir: t.TempDir(), spec: spec, plan: plan, lis: newPipeListener(), agentEr: map[string]error{}}
}

func (c *cluster) serveOptions(n int) ServeOptions {
	return ServeOptions{
		Options:  Options{OutDir: c.dir, NewTarget: lognormalSim},
		Listener: c.lis, Spec: c.spec, Token: []byte("s3cret"), Drivers: n, Log: &c.log, Release: "test",
	}
}

// agent starts a driver agent; ctx cancels it.
func (c *cluster) agent(ctx context.Context, name string, token string) {
	c.agents.Go(func() {
		err := RunAgent(ctx, AgentOptions{Dial: c.lis.Dial, Token: []byte(token), Name: name, Index: -1,
			Release: "test", NewTarget: lognormalSim, Log: &c.log, Patience: time.Minute})
		c.mu.Lock()
		c.agentEr[name] = err
		c.mu.Unlock()
	})
}

func (c *cluster) agentErr(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.agentEr[name]
}

// syncBuffer is a bytes.Buffer for several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestDistributedEqualsLocal: four drivers give, count for count and
// bucket for bucket, what one process gives for the same lanes and seed.
func TestDistributedEqualsLocal(t *testing.T) {
	var local, dist *report.Results
	var localLog, distLog []byte
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		plan := testPlan(t, fmt.Sprintf(distScenario, 8))
		var err error
		local, err = Run(context.Background(), plan, Options{OutDir: dir, NewTarget: lognormalSim})
		if err != nil && !errors.Is(err, report.ErrSLOFailed) {
			t.Fatal(err)
		}
		localLog = readFile(t, filepath.Join(dir, IntervalsFile))
	})
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, fmt.Sprintf(distScenario, 2))
		for i := range 4 {
			c.agent(t.Context(), fmt.Sprintf("d%d", i), "s3cret")
		}
		var err error
		dist, err = Serve(t.Context(), c.plan, c.serveOptions(4))
		if err != nil {
			t.Fatalf("Serve: %v\n%s", err, c.log.String())
		}
		c.agents.Wait()
		for i := range 4 {
			if err := c.agentErr(fmt.Sprintf("d%d", i)); err != nil {
				t.Errorf("agent d%d: %v", i, err)
			}
		}
		distLog = readFile(t, filepath.Join(c.dir, IntervalsFile))
	})
	if dist.Drivers.Planned != 4 || dist.Drivers.Completed != 4 || len(dist.Drivers.Lost) != 0 {
		t.Errorf("drivers = %+v; want 4 planned and completed", dist.Drivers)
	}
	var total int64
	for _, st := range local.Stages {
		for _, op := range st.Ops {
			total += op.Count
		}
	}
	if total < 4000 {
		t.Fatalf("the local run measured %d ops; the test needs thousands", total)
	}
	ignore := func(p cmp.Path) bool {
		s := p.String()
		return s == "StartedAt" || s == "DurationS" || s == "Drivers" || strings.HasSuffix(s, "Lateness") || s == "Warnings"
	}
	if diff := cmp.Diff(local, dist, cmp.FilterPath(ignore, cmp.Ignore())); diff != "" {
		t.Errorf("distributed results differ from one process (-local +distributed):\n%s", diff)
	}
	if !bytes.Equal(hlogBody(localLog), hlogBody(distLog)) {
		t.Errorf("interval logs differ:\nlocal:\n%.2000s\ndistributed:\n%.2000s", hlogBody(localLog), hlogBody(distLog))
	}
}

// hlogBody drops the interval log's header comments, which carry times.
func hlogBody(b []byte) []byte {
	var out []byte
	for line := range bytes.Lines(b) {
		if !bytes.HasPrefix(line, []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// partition cuts a driver off: once cut, its connections break and no
// new one gets through, as when its pod dies or its node drops off the
// network.
type partition struct {
	dial  func(context.Context) (net.Conn, error)
	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func (p *partition) Dial(ctx context.Context) (net.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return nil, errors.New("no route to host")
	}
	c, err := p.dial(ctx)
	if err == nil {
		p.conns = append(p.conns, c)
	}
	return c, err
}

func (p *partition) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		c.Close()
	}
}

func TestLostDriver(t *testing.T) {
	for _, maxLost := range []int{0, 1} {
		t.Run(fmt.Sprint("max-lost=", maxLost), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, fmt.Sprintf(distScenario, 1))
				part := &partition{dial: c.lis.Dial}
				for i := range 2 {
					c.agent(t.Context(), fmt.Sprintf("d%d", i), "s3cret")
				}
				c.agents.Go(func() {
					err := RunAgent(t.Context(), AgentOptions{Dial: part.Dial, Token: []byte("s3cret"), Name: "doomed",
						Index: -1, NewTarget: lognormalSim, Patience: 20 * time.Second})
					if !errors.Is(err, ErrRunFailed) {
						t.Errorf("cut-off agent: %v; want a run failure", err)
					}
				})
				go func() {
					// Virtual: the run started at 1s, so this is 2.5s into it,
					// half an interval from any boundary. (At 4s the cut
					// fell on the ramp's end, and whether the interval
					// closing there got out first was a race.)
					time.Sleep(3500 * time.Millisecond)
					part.Cut()
				}()
				opts := c.serveOptions(3)
				opts.MaxLost = maxLost
				res, err := Serve(t.Context(), c.plan, opts)
				c.agents.Wait()
				if maxLost == 0 && !errors.Is(err, ErrRunFailed) {
					t.Errorf("Serve: %v; want a run failure for a lost driver", err)
				}
				if maxLost == 1 && err != nil && !errors.Is(err, report.ErrSLOFailed) {
					t.Errorf("Serve: %v; want the lost driver tolerated", err)
				}
				if len(res.Drivers.Lost) != 1 || res.Drivers.Lost[0].Name != "doomed" || res.Drivers.Completed != 2 {
					t.Fatalf("drivers = %+v; want doomed lost, 2 completed", res.Drivers)
				}
				l := res.Drivers.Lost[0]
				if l.Share < 0.33 || l.Share > 0.34 || l.ReportedUntilS < 2 || l.ReportedUntilS > 3.5 || l.LostAtS < l.ReportedUntilS+9 {
					t.Errorf("lost = %+v; want a third of the load, data to about 3s, lost 10s later", l)
				}
				// ramp is 0-3s, steady 3-7s: the driver's data ends inside the
				// ramp, so steady misses its whole third.
				if got := res.Stages[1].NotOfferedShare; got < 0.33 || got > 0.34 {
					t.Errorf("steady not offered = %v; want 1/3", got)
				}
				if got := res.Stages[0].NotOfferedShare; got <= 0 || got >= 0.33 {
					t.Errorf("ramp not offered = %v; want part of a third", got)
				}
				if !strings.Contains(c.log.String(), "driver doomed lost") {
					t.Errorf("the log does not name the lost driver:\n%s", c.log.String())
				}
			})
		})
	}
}

func TestAbortStopsEveryDriver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, fmt.Sprintf(distScenario, 1))
		for i := range 3 {
			c.agent(t.Context(), fmt.Sprintf("d%d", i), "s3cret")
		}
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(3500 * time.Millisecond) // virtual: 2.5s into the run
			cancel()                            // Ctrl-C
		}()
		res, err := Serve(ctx, c.plan, c.serveOptions(3))
		c.agents.Wait()
		if !errors.Is(err, ErrRunFailed) {
			t.Errorf("Serve: %v; want the run reported as aborted", err)
		}
		if res == nil {
			t.Fatal("no results")
		}
		for i := range 3 {
			if err := c.agentErr(fmt.Sprintf("d%d", i)); err != nil {
				t.Errorf("agent d%d: %v; want a clean stop", i, err)
			}
		}
		// Every driver stopped within one interval of the abort: nothing
		// was scheduled after 3.5s of run time.
		if ran := res.Stages[1].RanS; ran > 1.6 {
			t.Errorf("steady ran %.1fs after an abort at 2.5s into the run; want at most one interval past it", ran)
		}
		if res.Drivers.Completed != 3 {
			t.Errorf("drivers = %+v; want all 3 to finish their partial intervals", res.Drivers)
		}
		if _, err := os.Stat(filepath.Join(c.dir, ResultsFile)); err != nil {
			t.Errorf("no partial results: %v", err)
		}
	})
}

func TestRefusals(t *testing.T) {
	for _, tt := range []struct{ name, token, want string }{
		{"wrong token", "guess", "wrong token"},
		{"no token", "", "no token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, fmt.Sprintf(distScenario, 1))
				ctx, cancel := context.WithCancel(t.Context())
				served := make(chan error, 1)
				go func() {
					_, err := Serve(ctx, c.plan, c.serveOptions(1))
					served <- err
				}()
				err := RunAgent(t.Context(), AgentOptions{Dial: c.lis.Dial, Token: []byte(tt.token), Name: "intruder",
					Index: -1, NewTarget: lognormalSim})
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("agent: %v; want refused: %s", err, tt.want)
				}
				cancel()
				<-served
				if log := c.log.String(); !strings.Contains(log, `refused driver "intruder"`) || !strings.Contains(log, tt.want) {
					t.Errorf("the coordinator did not log the refusal:\n%s", log)
				}
				if _, err := os.Stat(filepath.Join(c.dir, IntervalsFile)); err != nil {
					t.Errorf("no results directory: %v", err)
				}
			})
		})
	}
}

func TestStartBarrier(t *testing.T) {
	for _, tt := range []struct {
		name       string
		minDrivers int
		wantErr    string
	}{
		{"start with fewer", 2, ""},
		{"abort", 0, "only 2 of 3 drivers were ready after 5s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, fmt.Sprintf(distScenario, 1))
				for i := range 2 {
					c.agent(t.Context(), fmt.Sprintf("d%d", i), "s3cret")
				}
				opts := c.serveOptions(3)
				opts.StartTimeout, opts.MinDrivers = 5*time.Second, tt.minDrivers
				res, err := Serve(t.Context(), c.plan, opts)
				c.agents.Wait()
				if tt.wantErr != "" {
					if !errors.Is(err, ErrRunFailed) || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("Serve: %v; want a run failure: %s", err, tt.wantErr)
					}
					if err := c.agentErr("d0"); !errors.Is(err, ErrRunFailed) {
						t.Errorf("agent: %v; want it told the run stopped", err)
					}
					return
				}
				if err != nil && !errors.Is(err, report.ErrSLOFailed) {
					t.Fatalf("Serve: %v", err)
				}
				if res.Drivers.Planned != 2 || res.Drivers.Completed != 2 {
					t.Errorf("drivers = %+v; want the 2 ready ones to run", res.Drivers)
				}
				if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "started with 2 of 3 drivers") }) {
					t.Errorf("warnings = %q; want the smaller start said", res.Warnings)
				}
				// The two carry the whole rate between them.
				if got, want := res.Stages[1].Ops[0].Count+res.Stages[1].Ops[1].Count, int64(3200); got != want {
					t.Errorf("steady ran %d ops; want %d", got, want)
				}
			})
		})
	}
}

func TestSLOAbortAcrossDrivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := fmt.Sprintf(distScenario, 1) + `
slo:
  - {op: "*", p99: 1ms, abort: true, for: 2s}
`
		c := newCluster(t, src)
		for i := range 2 {
			c.agent(t.Context(), fmt.Sprintf("d%d", i), "s3cret")
		}
		res, err := Serve(t.Context(), c.plan, c.serveOptions(2))
		c.agents.Wait()
		var abort *report.AbortError
		if !errors.As(err, &abort) || !errors.Is(err, report.ErrSLOFailed) {
			t.Fatalf("Serve: %v; want an SLO abort", err)
		}
		if abort.At != 2*time.Second {
			t.Errorf("aborted at %v; want 2s, after two breached intervals of merged data", abort.At)
		}
		if ran := res.Stages[1].RanS; ran > 0 {
			t.Errorf("steady (from 3s) ran %.1fs; want the run stopped within an interval of 2s", ran)
		}
		for i := range 2 {
			if err := c.agentErr(fmt.Sprintf("d%d", i)); err != nil {
				t.Errorf("agent d%d: %v; want a clean stop", i, err)
			}
		}
	})
}

// TestTLS runs a short distributed run over TLS on loopback, in real time.
func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS() // for its certificate, valid for 127.0.0.1
	srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lis := tls.NewListener(tcp, &tls.Config{Certificates: srv.TLS.Certificates, MinVersion: tls.VersionTLS12})
	c := newCluster(t, `
name: tls
targets:
  kv: {driver: sim, servers: 100, service_time: 1ms}
keyspaces:
  items: {count: 1k}
mix:
  read: {weight: 1, target: kv, op: get, keyspace: items}
profile:
  - {name: steady, duration: 1s, rate: 100}
options: {workers: 1}
`)
	dial := func(ctx context.Context) (net.Conn, error) {
		d := &tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}
		return d.DialContext(ctx, "tcp", tcp.Addr().String())
	}
	c.agents.Go(func() {
		if err := RunAgent(t.Context(), AgentOptions{Dial: dial, Token: []byte("s3cret"), Name: "tls", Index: -1,
			NewTarget: lognormalSim}); err != nil {
			t.Errorf("agent: %v", err)
		}
	})
	opts := c.serveOptions(1)
	opts.Listener, opts.StartIn = lis, 10*time.Millisecond
	res, err := Serve(t.Context(), c.plan, opts)
	c.agents.Wait()
	if err != nil && !errors.Is(err, report.ErrSLOFailed) {
		t.Fatalf("Serve: %v\n%s", err, c.log.String())
	}
	if n := res.Stages[0].Ops[0].Count; n != 100 {
		t.Errorf("%d ops over TLS; want 100", n)
	}
}
