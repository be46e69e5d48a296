package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/aerospike"
	"github.com/surgeload/surge/drivers/redis"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/scenarios"
)

// targetBuilder builds the adapters of a plan's targets.
type targetBuilder struct {
	// lookup reads the variables of password_env: the same as the
	// scenario's ${NAME}, --env first, then the process environment.
	lookup func(string) (string, bool)
}

// targetKinds wires each scenario driver name to its adapter.
var targetKinds = map[string]func(ctx context.Context, b targetBuilder, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error){
	"sim":       newSimTarget,
	"aerospike": newAerospikeTarget,
	"redis":     newRedisTarget,
	"http":      newHTTPTarget,
}

// newTarget builds the adapter for plan.Targets[i]; it is the run's
// coordinator.TargetFactory.
func (b targetBuilder) newTarget(ctx context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	t := plan.Targets[i]
	newKind, ok := targetKinds[t.Driver]
	if !ok {
		return nil, fmt.Errorf("target %s: no adapter for driver %q", t.Name, t.Driver)
	}
	return newKind(ctx, b, plan, i, clock)
}

func newSimTarget(_ context.Context, _ targetBuilder, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	cfg, err := simConfig(plan.Targets[i].Sim)
	if err != nil {
		return nil, err
	}
	cfg.Seed = plan.Seed + uint64(i)
	cfg.OpServiceTime = targetOps(plan, i, func(_ int, op *scenarios.Op) time.Duration {
		if op.Sim == nil {
			return 0
		}
		return op.Sim.ServiceTime
	})
	return sim.New(cfg, clock)
}

// simConfig is the capacity model of a sim target, or of an endpoint of
// the embedded sale services.
func simConfig(s *scenarios.SimTarget) (sim.Config, error) {
	dist, err := sim.ParseDist(s.ServiceDist)
	if err != nil {
		return sim.Config{}, err
	}
	return sim.Config{
		Servers: s.Servers, ServiceTime: s.ServiceTime, Dist: dist, P99Ratio: s.P99Ratio,
		QueueLimit: s.QueueLimit, StallEvery: s.StallEvery, StallFor: s.StallFor, ErrorRate: s.ErrorRate,
		Replicas: s.Replicas,
	}, nil
}

func newAerospikeTarget(ctx context.Context, b targetBuilder, plan *scenarios.Plan, i int, _ drivers.Clock) (drivers.Target, error) {
	a := plan.Targets[i].Aerospike
	var password string
	if a.User != "" { // a user given as ${VAR:-} may be empty: then no login
		p, err := b.secret(a.Password)
		if err != nil {
			return nil, err
		}
		if p == "" {
			return nil, fmt.Errorf("aerospike user %s has no password: give password_file, or password_env naming a variable that is set", a.User)
		}
		password = p
	}
	tlsConfig, err := clientTLS(a.TLS)
	if err != nil {
		return nil, err
	}
	cfg := aerospike.Config{
		Hosts: a.Hosts, Namespace: a.Namespace, Set: a.Set, User: a.User, Password: password,
		TLS: tlsConfig, ClusterName: a.ClusterName, ConnectionQueueSize: a.ConnectionQueueSize,
		MinConnectionsPerNode: a.MinConnections, ConnectTimeout: a.ConnectTimeout,
		TotalTimeout: a.TotalTimeout, SocketTimeout: a.SocketTimeout, MaxRetries: a.MaxRetries,
		RackAware: a.RackAware, RackID: a.RackID, KeyType: a.KeyType, KeyPrefix: a.KeyPrefix,
	}
	ops := targetOps(plan, i, func(_ int, op *scenarios.Op) aerospike.OpConfig {
		oc := aerospike.OpConfig{Kind: op.Kind, KeyPrefix: plan.Keyspaces[op.Keyspace].Prefix}
		if o := op.Aerospike; o != nil {
			oc.Bins, oc.Bin, oc.Delta, oc.TTL, oc.NoExpire, oc.SendKey = o.Bins, o.Bin, o.Delta, o.TTL, o.NoExpire, o.SendKey
		}
		return oc
	})
	return aerospike.New(ctx, cfg, ops)
}

func newRedisTarget(ctx context.Context, b targetBuilder, plan *scenarios.Plan, i int, _ drivers.Clock) (drivers.Target, error) {
	r := plan.Targets[i].Redis
	password, err := b.secret(r.Password)
	if err != nil {
		return nil, err
	}
	tlsConfig, err := clientTLS(r.TLS)
	if err != nil {
		return nil, err
	}
	cfg := redis.Config{
		Addrs: r.Addrs, Cluster: r.Cluster, Username: r.User, Password: password, DB: r.DB, TLS: tlsConfig,
		Connections: r.Connections, Pipeline: r.Pipeline, FlushDelay: r.FlushDelay,
		DialTimeout: r.DialTimeout, Timeout: r.Timeout,
		KeyPrefix: r.KeyPrefix,
	}
	ops := targetOps(plan, i, func(_ int, op *scenarios.Op) redis.OpConfig {
		oc := redis.OpConfig{Kind: op.Kind, KeyPrefix: plan.Keyspaces[op.Keyspace].Prefix}
		if o := op.Redis; o != nil {
			oc.TTL, oc.Delta, oc.Field = o.TTL, o.Delta, o.Field
		}
		return oc
	})
	return redis.New(ctx, cfg, ops)
}

// targetOps builds the op table of target i, indexed like plan.AllOps():
// build configures op j when it runs on target i; the ops of other targets
// stay zero, which adapters never run.
func targetOps[T any](plan *scenarios.Plan, i int, build func(j int, op *scenarios.Op) T) []T {
	all := plan.AllOps()
	ops := make([]T, len(all))
	for j := range all {
		if op := &all[j]; op.Target == i {
			ops[j] = build(j, op)
		}
	}
	return ops
}

// secret reads a password from its file (the first line) or environment
// variable; an unset variable is no password, so that one scenario serves
// clusters with and without security. The password never appears in an
// error.
func (b targetBuilder) secret(s scenarios.Secret) (string, error) {
	switch {
	case s.File != "":
		p, err := readPassword(s.File)
		if err != nil {
			return "", fmt.Errorf("password_file: %w", err)
		}
		return p, nil
	case s.Env != "":
		v, _ := b.lookup(s.Env) // unset: no password
		return v, nil
	}
	return "", nil
}

// readPassword reads a password file: its first line, without the line
// ending.
func readPassword(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// clientTLS builds a TLS client configuration from the scenario's files;
// nil for none.
func clientTLS(t *scenarios.TLS) (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	c := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, fmt.Errorf("tls: ca: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls: ca: no PEM certificate in %s", t.CA)
		}
	}
	if t.Cert != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("tls: client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
