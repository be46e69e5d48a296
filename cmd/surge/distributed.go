package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/surgeload/surge/coordinator"
	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/scenarios"
)

// fleetOptions are the coordinator's flags, shared by `surge coordinator`
// and `surge run --local-drivers`.
type fleetOptions struct {
	minDrivers   int
	startTimeout time.Duration
	lostAfter    time.Duration
	maxLost      int
}

func (o *fleetOptions) flags(f *pflag.FlagSet) {
	f.IntVar(&o.minDrivers, "min-drivers", 0, "after --start-timeout, start with this many ready drivers instead of failing (default: all)")
	f.DurationVar(&o.startTimeout, "start-timeout", coordinator.DefaultStartTimeout, "how long to wait for every driver to be ready")
	f.DurationVar(&o.lostAfter, "lost-after", coordinator.DefaultLostAfter, "declare a driver lost after this long without a word from it")
	f.IntVar(&o.maxLost, "max-lost", 0, "how many drivers may be lost before the run fails (exit 3)")
}

// serveOptions are the coordinator's options for n drivers on lis.
func (o *fleetOptions) serveOptions(e *env, lis net.Listener, token []byte, n int) coordinator.ServeOptions {
	return coordinator.ServeOptions{
		Listener: lis, Token: token, Drivers: n, MinDrivers: o.minDrivers,
		StartTimeout: o.startTimeout, LostAfter: o.lostAfter, MaxLost: o.maxLost,
		Release: buildVersion(), Log: e.stderr,
	}
}

type coordinatorOptions struct {
	run             runOptions
	fleet           fleetOptions
	listen          string
	drivers         int
	tokenFile       string
	tlsCert, tlsKey string
}

func newCoordinatorCmd(e *env) *cobra.Command {
	var o coordinatorOptions
	cmd := &cobra.Command{
		Use:   "coordinator [SCENARIO|FILE] --drivers N --token-file F",
		Short: "Coordinate a distributed run: wait for N drivers, start them together, merge their results",
		Long: "Listen for `surge driver` processes, admit those with the shared token, hand each\n" +
			"its shard of the plan, start them together and merge their intervals exactly into\n" +
			"the results directory. The run is checkpointed there: a coordinator restarted on\n" +
			"the same --out carries on and the drivers resend what it had not acknowledged.\n" +
			"Exit codes: 0 ok, 1 an SLO failed, 2 bad usage or input, 3 the run failed\n" +
			"(including more lost drivers than --max-lost).",
		Args: cobra.MaximumNArgs(1),
	}
	cmd.RunE = cobraRunE(func(ctx context.Context, args []string) error {
		return o.serve(ctx, e, args, cmd.Flags().Changed("seed"))
	})
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", ":7070", "address to listen on for drivers")
	f.IntVar(&o.drivers, "drivers", 0, "how many drivers the run waits for (required)")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding the shared secret drivers must present (required)")
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve TLS with this certificate (PEM); drivers then need --tls or --tls-ca")
	f.StringVar(&o.tlsKey, "tls-key", "", "the private key of --tls-cert (PEM)")
	o.run.flags(f)
	o.fleet.flags(f)
	return cmd
}

func (o *coordinatorOptions) serve(ctx context.Context, e *env, args []string, seedSet bool) error {
	if o.drivers < 1 {
		return usageError{errors.New("--drivers: expected the number of drivers, at least 1")}
	}
	token, err := readToken(o.tokenFile)
	if err != nil {
		return err
	}
	run, err := o.run.spec(e, args, seedSet)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", o.listen)
	if err != nil {
		return usageError{fmt.Errorf("--listen: %w", err)}
	}
	if o.tlsCert != "" || o.tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			lis.Close()
			return usageError{fmt.Errorf("--tls-cert/--tls-key: %w", err)}
		}
		lis = tls.NewListener(lis, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	fmt.Fprintf(e.stderr, "surge: coordinator listening on %s for %d drivers\n", lis.Addr(), o.drivers)
	return o.run.serve(ctx, e, run, o.fleet.serveOptions(e, lis, token, o.drivers))
}

// distributedRun is a distributed run's spec and plan, built from the run
// flags before anything listens or starts.
type distributedRun struct {
	spec   *wire.RunSpec
	plan   *scenarios.Plan
	lookup func(string) (string, bool)
}

// spec builds the run the flags and args ask for; a plan that cannot run
// distributed (a capacity search) or a bad scale is bad input.
func (o *runOptions) spec(e *env, args []string, seedSet bool) (*distributedRun, error) {
	name := defaultScenario
	if len(args) == 1 {
		name = args[0]
	}
	lookup, err := o.load.lookup(e)
	if err != nil {
		return nil, err
	}
	spec, plan, err := coordinator.NewSpec(name, coordinator.SpecOptions{Lookup: lookup,
		RateScale: o.rateScale, DurationScale: o.durationScale, Seed: o.seed, SeedSet: seedSet})
	if errors.Is(err, coordinator.ErrBadScale) || errors.Is(err, coordinator.ErrSearchDistributed) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, err
	}
	return &distributedRun{spec: spec, plan: plan, lookup: lookup}, nil
}

// serve runs the coordinator of a distributed run with the run flags.
func (o *runOptions) serve(ctx context.Context, e *env, run *distributedRun, so coordinator.ServeOptions) error {
	so.Spec = run.spec
	so.Options = o.options(e, run.plan.Name, targetBuilder{lookup: run.lookup}.newTarget)
	_, err := coordinator.Serve(ctx, run.plan, so)
	return o.sloVerdict(e, err)
}

// readToken reads the shared secret: the file's content without its
// surrounding white space.
func readToken(path string) ([]byte, error) {
	if path == "" {
		return nil, usageError{errors.New("--token-file: required: the file holding the shared secret")}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("--token-file: %w", err)}
	}
	token := bytes.TrimSpace(b)
	if len(token) == 0 {
		return nil, usageError{fmt.Errorf("--token-file: %s is empty", path)}
	}
	return token, nil
}

type driverOptions struct {
	load          loadOptions
	coordinator   string
	tokenFile     string
	name          string
	useTLS        bool
	tlsCA         string
	tlsServerName string
	patience      time.Duration
}

func newDriverCmd(e *env) *cobra.Command {
	var o driverOptions
	cmd := &cobra.Command{
		Use:   "driver --coordinator ADDR --token-file F",
		Short: "Generate one shard of a distributed run for a surge coordinator",
		Long: "Join the coordinator at ADDR, build the run's targets, generate this driver's\n" +
			"shard of the load from the common start and stream its intervals, resending any\n" +
			"the coordinator has not acknowledged after a reconnect. The driver's index comes\n" +
			"from JOB_COMPLETION_INDEX when set (a Kubernetes Indexed Job).\n" +
			"Exit codes: 0 ok, 2 refused (token, version) or bad usage, 3 the run failed.",
		Args: cobra.NoArgs,
	}
	cmd.RunE = cobraRunE(func(ctx context.Context, _ []string) error { return o.drive(ctx, e) })
	f := cmd.Flags()
	f.StringVar(&o.coordinator, "coordinator", "", "the coordinator's HOST:PORT (required)")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding the shared secret (required)")
	f.StringVar(&o.name, "name", "", "this driver's name in logs and results (default: the host name)")
	f.BoolVar(&o.useTLS, "tls", false, "connect with TLS, trusting the system's certificate authorities")
	f.StringVar(&o.tlsCA, "tls-ca", "", "connect with TLS, trusting this CA certificate (PEM)")
	f.StringVar(&o.tlsServerName, "tls-server-name", "", "the name the coordinator's certificate must carry (default: the host of --coordinator)")
	f.DurationVar(&o.patience, "patience", coordinator.DefaultPatience, "how long to keep trying to reach the coordinator")
	o.load.flags(f)
	return cmd
}

func (o *driverOptions) drive(ctx context.Context, e *env) error {
	if o.coordinator == "" {
		return usageError{errors.New("--coordinator: required: the coordinator's HOST:PORT")}
	}
	token, err := readToken(o.tokenFile)
	if err != nil {
		return err
	}
	lookup, err := o.load.lookup(e)
	if err != nil {
		return err
	}
	index := -1
	if s, ok := lookupVar(e, "JOB_COMPLETION_INDEX"); ok && s != "" {
		if index, err = strconv.Atoi(s); err != nil || index < 0 {
			return usageError{fmt.Errorf("JOB_COMPLETION_INDEX=%q: expected a non-negative integer", s)}
		}
	}
	name := o.name
	if name == "" {
		if name, _ = lookupVar(e, "HOSTNAME"); name == "" {
			name, _ = os.Hostname()
		}
	}
	dial, err := o.dialer()
	if err != nil {
		return err
	}
	return coordinator.RunAgent(ctx, coordinator.AgentOptions{
		Dial: dial, Token: token, Name: name, Index: index, Release: buildVersion(),
		NewTarget: targetBuilder{lookup: lookup}.newTarget, Patience: o.patience, Log: e.stderr,
	})
}

func lookupVar(e *env, name string) (string, bool) {
	if e.lookupEnv == nil {
		return "", false
	}
	return e.lookupEnv(name)
}

// dialer returns how the driver reaches its coordinator.
func (o *driverOptions) dialer() (func(context.Context) (net.Conn, error), error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 15 * time.Second}
	if !o.useTLS && o.tlsCA == "" {
		return func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", o.coordinator) }, nil
	}
	cfg := &tls.Config{ServerName: o.tlsServerName, MinVersion: tls.VersionTLS12}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(o.coordinator)
		if err != nil {
			return nil, usageError{fmt.Errorf("--coordinator: %w", err)}
		}
		cfg.ServerName = host
	}
	if o.tlsCA != "" {
		pem, err := os.ReadFile(o.tlsCA)
		if err != nil {
			return nil, usageError{fmt.Errorf("--tls-ca: %w", err)}
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usageError{fmt.Errorf("--tls-ca: no PEM certificate in %s", o.tlsCA)}
		}
	}
	td := &tls.Dialer{NetDialer: d, Config: cfg}
	return func(ctx context.Context) (net.Conn, error) { return td.DialContext(ctx, "tcp", o.coordinator) }, nil
}

// runLocal runs the coordinator and n driver child processes of this same
// binary on loopback: one machine's cores as a distributed run.
func (o *runOptions) runLocal(ctx context.Context, e *env, args []string, seedSet bool) error {
	run, err := o.spec(e, args, seedSet) // before any driver starts
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--local-drivers: %w", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("--local-drivers: %w", err)
	}
	var secret [16]byte
	_, _ = rand.Read(secret[:]) // crypto/rand never fails
	token := hex.EncodeToString(secret[:])
	dir, err := os.MkdirTemp("", "surge-local-")
	if err != nil {
		lis.Close()
		return fmt.Errorf("--local-drivers: %w", err)
	}
	defer os.RemoveAll(dir)
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		lis.Close()
		return fmt.Errorf("--local-drivers: %w", err)
	}
	kids := &children{}
	for i := range o.localDrivers {
		args := []string{"driver", "--coordinator", lis.Addr().String(), "--token-file", tokenFile,
			"--name", fmt.Sprintf("local-%d", i), "--patience", "30s"}
		for _, kv := range o.load.env {
			args = append(args, "--env", kv)
		}
		if err := kids.start(exe, args); err != nil {
			lis.Close()
			kids.stop(0)
			return fmt.Errorf("--local-drivers: %w", err)
		}
	}
	err = o.serve(ctx, e, run, o.fleet.serveOptions(e, lis, []byte(token), o.localDrivers))
	for _, failure := range kids.stop(10 * time.Second) {
		fmt.Fprintf(e.stderr, "surge: %s\n", failure)
	}
	return err
}

// children are the driver processes of a local distributed run.
type children struct{ procs []*child }

type child struct {
	cmd    *exec.Cmd
	name   string
	stderr bytes.Buffer
	done   chan error
}

func (c *children) start(exe string, args []string) error {
	ch := &child{cmd: exec.Command(exe, args...), name: args[6], done: make(chan error, 1)}
	ch.cmd.Stdout = io.Discard
	ch.cmd.Stderr = &ch.stderr
	if err := ch.cmd.Start(); err != nil {
		return err
	}
	go func() { ch.done <- ch.cmd.Wait() }()
	c.procs = append(c.procs, ch)
	return nil
}

// stop waits up to grace for the drivers to exit, kills the rest, and
// returns a line for each that failed, with the end of its log.
func (c *children) stop(grace time.Duration) []string {
	deadline := time.After(grace)
	var failures []string
	for _, ch := range c.procs {
		var err error
		select {
		case err = <-ch.done:
		case <-deadline:
			_ = ch.cmd.Process.Kill()
			err = <-ch.done
		}
		if err != nil {
			log := strings.TrimSpace(ch.stderr.String())
			if len(log) > 2000 {
				log = "..." + log[len(log)-2000:]
			}
			failures = append(failures, fmt.Sprintf("driver %s: %v: %s", ch.name, err, log))
		}
	}
	return failures
}
