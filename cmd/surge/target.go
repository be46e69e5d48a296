package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/surgeload/surge/drivers/aerospike/astest"
	"github.com/surgeload/surge/drivers/sim"
)

// targetOptions are the flags of `surge target aerospike`.
type targetOptions struct {
	listen, user, passwordFile, serviceDist string
	nodes, servers, queueLimit              int
	namespaces                              []string
	serviceTime, stallEvery, stallFor       time.Duration
	errorRate                               float64
	allowRemote                             bool
}

// modelFlags shape the capacity model, which --servers turns on.
var modelFlags = []string{"service-time", "service-dist", "queue-limit", "stall-every", "stall-for", "error-rate"}

func newTargetCmd(e *env) *cobra.Command {
	var o targetOptions
	aero := &cobra.Command{
		Use:   "aerospike",
		Short: "Serve an emulated Aerospike cluster (astest) until interrupted",
		Long: "Serve an in-memory Aerospike cluster that the real client talks to, node i on the\n" +
			"--listen port plus i. --servers gives each node a capacity model: requests queue\n" +
			"for N servers of --service-time and a full queue answers DEVICE_OVERLOAD.",
		Args: cobra.NoArgs,
	}
	aero.RunE = cobraRunE(func(ctx context.Context, _ []string) error { return o.serve(ctx, e, aero.Flags().Changed) })
	f := aero.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:3000", "address of node 1 (port 0: free ports)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a --listen address other than loopback")
	f.IntVar(&o.nodes, "nodes", 1, "number of nodes")
	f.StringArrayVar(&o.namespaces, "namespace", []string{"test"}, "namespace to serve (repeatable)")
	f.IntVar(&o.servers, "servers", 0, "requests each node serves at once (0: unlimited capacity)")
	f.DurationVar(&o.serviceTime, "service-time", time.Millisecond, "service time of a request, with --servers")
	f.StringVar(&o.serviceDist, "service-dist", "constant", "service time distribution: constant, exponential or lognormal")
	f.IntVar(&o.queueLimit, "queue-limit", 0, "requests that may wait for a server (0: unbounded)")
	f.DurationVar(&o.stallEvery, "stall-every", 0, "stall each node once per period")
	f.DurationVar(&o.stallFor, "stall-for", 0, "length of each stall")
	f.Float64Var(&o.errorRate, "error-rate", 0, "fraction of requests answered with a server error")
	f.StringVar(&o.user, "user", "", "require a login as this user")
	f.StringVar(&o.passwordFile, "password-file", "", "file holding the --user password")
	cmd := &cobra.Command{Use: "target", Short: "Serve a local target to test against"}
	cmd.AddCommand(aero, newTargetHTTPCmd(e))
	return cmd
}

func (o *targetOptions) serve(ctx context.Context, e *env, changed func(string) bool) error {
	opts, err := o.options(changed)
	if err != nil {
		return err
	}
	cl, err := astest.NewCluster(o.nodes, opts)
	if errors.Is(err, sim.ErrBadConfig) {
		return usageError{err}
	} else if err != nil {
		return err
	}
	for i, s := range cl.Nodes {
		fmt.Fprintf(e.stdout, "aerospike node %d of %d listening on %s\n", i+1, len(cl.Nodes), s.Addr())
	}
	<-ctx.Done()
	return cl.Close()
}

// options checks the flags and turns them into the cluster's options.
func (o *targetOptions) options(changed func(string) bool) (astest.Options, error) {
	opts := astest.Options{Addr: o.listen, Namespaces: o.namespaces}
	if err := checkListen(o.listen, o.allowRemote); err != nil {
		return opts, err
	}
	if o.nodes < 1 || o.nodes > 64 {
		return opts, usageError{fmt.Errorf("--nodes %d: want 1 to 64", o.nodes)}
	}
	for _, name := range modelFlags {
		if o.servers == 0 && changed(name) {
			return opts, usageError{fmt.Errorf("--%s needs --servers", name)}
		}
	}
	if o.servers != 0 {
		dist, err := sim.ParseDist(o.serviceDist)
		if err != nil {
			return opts, usageError{err}
		}
		opts.Model = &sim.Config{Servers: o.servers, ServiceTime: o.serviceTime, Dist: dist, QueueLimit: o.queueLimit,
			StallEvery: o.stallEvery, StallFor: o.stallFor, ErrorRate: o.errorRate}
	}
	if (o.user == "") != (o.passwordFile == "") {
		return opts, usageError{errors.New("--user and --password-file go together")}
	}
	if o.user != "" {
		password, err := readPassword(o.passwordFile)
		if err != nil {
			return opts, fmt.Errorf("read --password-file: %w", err)
		}
		opts.Users = map[string]string{o.user: password}
	}
	return opts, nil
}

// checkListen checks a target's --listen address: host:port, and loopback
// unless --allow-remote.
func checkListen(listen string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return usageError{fmt.Errorf("--listen: %w", err)}
	}
	if ip := net.ParseIP(host); !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageError{fmt.Errorf("--listen %s is not loopback: add --allow-remote to serve other machines", listen)}
	}
	return nil
}
