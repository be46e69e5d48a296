package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/surgeload/surge/drivers/http/shop"
	"github.com/surgeload/surge/drivers/sim"
)

// maxScale bounds --scale: 10,000 times the largest default model is
// within the shop's bound on servers.
const maxScale = 10_000

// targetHTTPOptions are the flags of `surge target http`.
type targetHTTPOptions struct {
	listen           string
	allowRemote      bool
	products, stock  int
	scale, errorRate float64
	slow, fail       []string
	stall            []string
	seed             uint64
}

func newTargetHTTPCmd(e *env) *cobra.Command {
	var o targetHTTPOptions
	cmd := &cobra.Command{
		Use:   "http",
		Short: "Serve an emulated e-commerce API (catalog, search, cart, checkout) until interrupted",
		Long: "Serve the JSON API of a sale backend: catalog, search, product, inventory, cart\n" +
			"and checkout endpoints, each with a capacity model of its own, so each queues and\n" +
			"saturates like a service and sheds load as 503 \"overloaded\". Search and checkout\n" +
			"are the expensive ones (capacities in the drivers/http/shop package doc); --scale\n" +
			"multiplies every capacity, --slow, --fail and --stall make one endpoint slow,\n" +
			"failing or pausing.\n\n" +
			"Routes: GET /api/catalog?page=N&size=M, GET /api/search?q=TEXT,\n" +
			"GET /api/products/{id}, GET /api/inventory/{id}, POST /api/cart (sets the sid\n" +
			"cookie), POST /api/cart/{cart_id}/items {\"product_id\":ID,\"qty\":Q},\n" +
			"GET /api/cart/{cart_id}, POST /api/checkout {\"cart_id\":\"...\"}, GET /healthz.\n" +
			"Endpoints (for --slow, --fail and --stall): " + strings.Join(shop.Endpoints, ", ") + ".",
		Example: "  surge target http --listen 127.0.0.1:8080\n" +
			"  surge target http --listen 127.0.0.1:0 --scale 0.5 --slow search=50ms --fail checkout=0.05",
		Args: cobra.NoArgs,
	}
	cmd.RunE = cobraRunE(func(ctx context.Context, _ []string) error { return o.serve(ctx, e) })
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "`HOST:PORT` to serve on (port 0: a free port)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a --listen address other than loopback")
	f.IntVar(&o.products, "products", 100_000, "catalog size: product ids 0 to `N`-1")
	f.IntVar(&o.stock, "stock", 1_000_000, "initial stock of every product, `N` units")
	f.Float64Var(&o.scale, "scale", 1, "multiply every endpoint's capacity (servers and queue) by `F`")
	f.Float64Var(&o.errorRate, "error-rate", 0, "answer a fraction `RATE` (0 to 1) of every endpoint's requests 500")
	f.StringArrayVar(&o.slow, "slow", nil, "a slow endpoint: `ENDPOINT=DURATION` adds DURATION to each of its requests (repeatable)")
	f.StringArrayVar(&o.fail, "fail", nil, "a failing endpoint: `ENDPOINT=RATE` answers a fraction RATE (0 to 1) of its requests 500 (repeatable)")
	f.StringArrayVar(&o.stall, "stall", nil, "a stalling endpoint: `ENDPOINT=EVERY/FOR` pauses it for FOR once every EVERY, as a GC or failover does (repeatable)")
	f.Uint64Var(&o.seed, "seed", 0, "`N` seeds the models, faults, prices and identifiers")
	return cmd
}

func (o *targetHTTPOptions) serve(ctx context.Context, e *env) error {
	opts, faults, err := o.options()
	if err != nil {
		return err
	}
	s, err := shop.Start(opts)
	if errors.Is(err, shop.ErrBadConfig) || errors.Is(err, sim.ErrBadConfig) {
		return usageError{err}
	} else if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(faults)) {
		if err := s.SetFault(name, faults[name]); err != nil {
			return usageError{errors.Join(err, s.Close())}
		}
	}
	fmt.Fprintf(e.stdout, "http shop listening on %s\n", s.URL())
	<-ctx.Done()
	return s.Close()
}

// options checks the flags and turns them into the shop's options and
// the faults to set, by endpoint.
func (o *targetHTTPOptions) options() (shop.Options, map[string]shop.Fault, error) {
	opts := shop.Options{Addr: o.listen, Products: o.products, Stock: o.stock, Scale: o.scale,
		ErrorRate: o.errorRate, Seed: o.seed}
	if err := checkListen(o.listen, o.allowRemote); err != nil {
		return opts, nil, err
	}
	switch {
	case o.products < 1 || o.products > shop.MaxProducts:
		return opts, nil, usageError{fmt.Errorf("--products %d: want 1 to %d", o.products, shop.MaxProducts)}
	case o.stock < 1:
		return opts, nil, usageError{fmt.Errorf("--stock %d: want at least 1", o.stock)}
	case !(o.scale > 0 && o.scale <= maxScale):
		return opts, nil, usageError{fmt.Errorf("--scale %g: want more than 0, at most %d", o.scale, maxScale)}
	case !(o.errorRate >= 0 && o.errorRate <= 1):
		return opts, nil, usageError{fmt.Errorf("--error-rate %g: want 0 to 1", o.errorRate)}
	}
	faults := map[string]shop.Fault{}
	for _, kv := range o.slow {
		name, d, err := endpointValue("slow", kv, "DURATION", time.ParseDuration)
		if err != nil || d <= 0 {
			return opts, nil, usageError{cmp.Or(err, fmt.Errorf("--slow %s: want a positive DURATION", kv))}
		}
		f := faults[name]
		f.Delay = d
		faults[name] = f
	}
	for _, kv := range o.fail {
		name, rate, err := endpointValue("fail", kv, "RATE", func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
		if err != nil || !(rate >= 0 && rate <= 1) {
			return opts, nil, usageError{cmp.Or(err, fmt.Errorf("--fail %s: want a RATE of 0 to 1", kv))}
		}
		f := faults[name]
		f.ErrorRate = rate
		faults[name] = f
	}
	for _, kv := range o.stall {
		name, pause, err := endpointValue("stall", kv, "EVERY/FOR", parseStall)
		if err != nil {
			return opts, nil, usageError{err}
		}
		if opts.Endpoints == nil {
			opts.Endpoints = map[string]sim.Config{}
		}
		m := shop.DefaultModel(name)
		m.StallEvery, m.StallFor = pause[0], pause[1]
		opts.Endpoints[name] = m
	}
	return opts, faults, nil
}

// parseStall reads EVERY/FOR, two durations with FOR below EVERY.
func parseStall(s string) ([2]time.Duration, error) {
	every, pause, ok := strings.Cut(s, "/")
	e, err1 := time.ParseDuration(every)
	f, err2 := time.ParseDuration(pause)
	if !ok || err1 != nil || err2 != nil || f <= 0 || e <= f {
		return [2]time.Duration{}, fmt.Errorf("want EVERY/FOR durations with 0 < FOR < EVERY, like 30s/200ms")
	}
	return [2]time.Duration{e, f}, nil
}

// endpointValue reads the ENDPOINT=VALUE of --flag, parsing VALUE (what)
// with parse.
func endpointValue[T any](flag, kv, what string, parse func(string) (T, error)) (string, T, error) {
	var zero T
	name, value, ok := strings.Cut(kv, "=")
	if !ok {
		return "", zero, fmt.Errorf("--%s %q: want ENDPOINT=%s", flag, kv, what)
	}
	if !slices.Contains(shop.Endpoints, name) {
		return "", zero, fmt.Errorf("--%s %s: unknown endpoint %q: want one of %s", flag, kv, name, strings.Join(shop.Endpoints, ", "))
	}
	v, err := parse(value)
	if err != nil {
		return "", zero, fmt.Errorf("--%s %s: bad %s: %w", flag, kv, what, err)
	}
	return name, v, nil
}
