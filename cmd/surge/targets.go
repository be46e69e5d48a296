package main

import (
	"context"
	"fmt"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
	"github.com/surgeload/surge/scenarios"
)

// targetKinds wires each scenario driver name to its adapter.
var targetKinds = map[string]func(plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error){
	"sim": newSimTarget,
}

// newTarget builds the adapter for plan.Targets[i].
func newTarget(_ context.Context, plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	t := plan.Targets[i]
	newKind, ok := targetKinds[t.Driver]
	if !ok {
		return nil, fmt.Errorf("target %s: no adapter for driver %q", t.Name, t.Driver)
	}
	return newKind(plan, i, clock)
}

func newSimTarget(plan *scenarios.Plan, i int, clock drivers.Clock) (drivers.Target, error) {
	s := plan.Targets[i].Sim
	dist, err := sim.ParseDist(s.ServiceDist)
	if err != nil {
		return nil, err
	}
	cfg := sim.Config{
		Servers: s.Servers, ServiceTime: s.ServiceTime, Dist: dist, P99Ratio: s.P99Ratio,
		QueueLimit: s.QueueLimit, StallEvery: s.StallEvery, StallFor: s.StallFor,
		ErrorRate: s.ErrorRate, Seed: plan.Seed + uint64(i),
		OpServiceTime: make([]time.Duration, len(plan.Ops)),
	}
	for j, op := range plan.Ops {
		if op.Target == i && op.Sim != nil {
			cfg.OpServiceTime[j] = op.Sim.ServiceTime
		}
	}
	return sim.New(cfg, clock)
}
