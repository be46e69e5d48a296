package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/http"
	"github.com/surgeload/surge/drivers/http/shop"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/scenarios"
	"github.com/surgeload/surge/workloads"
)

// newHTTPTarget builds the HTTP adapter of plan.Targets[i]. An embedded
// target first starts the built-in sale services on a free loopback port;
// closing the adapter stops them.
func newHTTPTarget(ctx context.Context, _ targetBuilder, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	h := plan.Targets[i].HTTP
	cfg := http.Config{
		BaseURL: h.BaseURL, Protocol: h.Protocol, Connections: h.Connections,
		ConnectTimeout: h.ConnectTimeout, Timeout: h.Timeout,
		Seed: plan.Seed + uint64(i), Scope: plan.Targets[i].Name,
	}
	for _, hd := range h.Headers {
		cfg.Headers = append(cfg.Headers, http.Header{Name: hd.Name, Value: hd.Value})
	}
	var err error
	if cfg.TLS, err = clientTLS(h.TLS); err != nil {
		return nil, err
	}
	if cfg.Ops, err = httpOps(plan, i); err != nil {
		return nil, err
	}
	if h.Embedded == nil {
		return http.New(ctx, cfg)
	}
	srv, err := startShop(h.Embedded, plan.Seed+uint64(i), clock)
	if err != nil {
		return nil, fmt.Errorf("embedded sale services: %w", err)
	}
	cfg.BaseURL = srv.URL()
	c, err := http.New(ctx, cfg)
	if err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	return embeddedHTTP{Client: c, shop: srv}, nil
}

// embeddedHTTP is an HTTP adapter aimed at the sale services it started.
type embeddedHTTP struct {
	*http.Client
	shop *shop.Server
}

var _ drivers.Target = embeddedHTTP{}

// Close closes the client, then stops the services.
func (e embeddedHTTP) Close() error { return errors.Join(e.Client.Close(), e.shop.Close()) }

// startShop starts the built-in sale services on a free loopback port.
func startShop(e *scenarios.EmbeddedShop, seed uint64, clock drivers.Clock) (*shop.Server, error) {
	opts := shop.Options{Products: e.Products, Stock: e.Stock, Scale: e.Scale, ErrorRate: e.ErrorRate,
		Seed: seed, Clock: clock}
	for name, m := range e.Endpoints {
		cfg, err := simConfig(&m)
		if err != nil {
			return nil, fmt.Errorf("endpoint %s: %w", name, err)
		}
		if opts.Endpoints == nil {
			opts.Endpoints = map[string]sim.Config{}
		}
		opts.Endpoints[name] = cfg
	}
	return shop.Start(opts)
}

// httpOps builds the request table of target i, by op index: templates
// bound to the op's keyspaces and, for a journey step, its journey's
// variables.
func httpOps(plan *scenarios.Plan, i int) ([]*http.OpConfig, error) {
	vars := journeyVars(plan)
	keyspaces := map[string]workloads.Keys{}
	for _, ks := range plan.Keyspaces {
		keyspaces[ks.Name] = ks.Keys
	}
	var err error
	ops := targetOps(plan, i, func(j int, op *scenarios.Op) *http.OpConfig {
		if op.HTTP == nil || err != nil {
			return nil
		}
		env := http.TemplateEnv{Keyspaces: keyspaces, Vars: vars[j], Value: op.Sizes != nil}
		if op.Keyspace >= 0 {
			env.OwnKeyspace = plan.Keyspaces[op.Keyspace].Name
		}
		var oc *http.OpConfig
		if oc, err = httpOp(op.HTTP, env); err != nil {
			err = fmt.Errorf("op %s: %w", op.Name, err)
		}
		return oc
	})
	return ops, err
}

// journeyVars maps each journey step's op index to its journey's variable
// indexes.
func journeyVars(plan *scenarios.Plan) map[int]map[string]int {
	out := map[int]map[string]int{}
	for _, j := range plan.Journeys {
		vars := map[string]int{}
		for k, name := range j.Vars {
			vars[name] = k
		}
		for _, st := range j.Steps {
			out[st.Op] = vars
		}
	}
	return out
}

// httpOp compiles one request op's templates and checks.
func httpOp(h *scenarios.HTTPOp, env http.TemplateEnv) (*http.OpConfig, error) {
	oc := &http.OpConfig{Method: h.Method, Expect: http.Expect{Contains: h.Contains}}
	var err error
	tpl := func(t workloads.Template) *http.Template {
		if err != nil {
			return nil
		}
		var out *http.Template
		out, err = http.CompileTemplate(t, env)
		return out
	}
	path := func(p workloads.JSONPath) *http.JSONPath {
		if p == nil {
			return nil
		}
		return http.NewJSONPath(p)
	}
	oc.Path = tpl(h.Path)
	for _, hd := range h.Headers {
		oc.Headers = append(oc.Headers, http.HeaderTemplate{Name: hd.Name, Value: tpl(hd.Value)})
	}
	if h.Body != nil {
		oc.Body = tpl(*h.Body)
	}
	for _, s := range h.Status {
		oc.Expect.Status = append(oc.Expect.Status, http.StatusRange{Lo: s.Lo, Hi: s.Hi})
	}
	for _, c := range h.JSON {
		oc.Expect.JSON = append(oc.Expect.JSON, http.JSONCheck{Path: path(c.Path), Equals: c.Equals, HasEquals: c.HasEquals})
	}
	for _, x := range h.Extract {
		oc.Extract = append(oc.Extract, http.Extract{Var: x.Var, JSON: path(x.JSON), Header: x.Header})
	}
	return oc, err
}
