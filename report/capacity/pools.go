package capacity

import (
	"fmt"
	"math"

	"github.com/surgeload/surge/report/capacity/queueing"
)

// Pool sizing constants (capacity-method.md §4.1, §4.2 and §10).
const (
	// poolLoadFactor is the load, as a multiple of the forecast, that
	// pools are sized for.
	poolLoadFactor = 1.5
	// poolMaxWait is the highest Erlang C P(wait) a pool may have.
	poolMaxWait = 0.01
)

// pools sizes concurrency per replica at rate (req/s per replica at the
// forecast) by Little's law and the pool for 1.5× that by Erlang C, from
// the mean latency of the confirmation at MST; and, when the driver's
// measured rate is known, the load generator for the confirmation.
func pools(t *Tier, f float64, rate Value, env *planEnv) {
	m := t.MSTPerReplica
	if m == nil || m.Confirm == nil || !(m.Confirm.MeanMs.Value > 0) {
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("Pools of %s not sized: no confirmation recorded a "+
			"mean latency.", t.Name))
		return
	}
	w := m.Confirm.MeanMs.Value / 1000
	busy := poolLoadFactor * rate.Value * w
	c, wait := queueing.PoolSize(busy, poolMaxWait)
	p := &Pools{MeanLatencyMs: m.Confirm.MeanMs, PerReplicaRate: rate, InFlight: computed(rate.Value * w),
		LoadFactor: assumed(poolLoadFactor), Busy: computed(busy), MaxWait: assumed(poolMaxWait),
		Size: computed(float64(c)), Wait: computed(wait)}
	if t.Kind == KindAerospike {
		p.ClientQueue = ptr(assumed(clientQueueSize))
	}
	p.Generator = generator(t, f, env)
	t.Pools = p
}

// generator sizes the load generator for a confirmation at F(1+ε), from
// the driver's measured ops/s.
func generator(t *Tier, f float64, env *planEnv) *Generator {
	per := env.opts.DriverOpsPerS[t.Driver]
	if !(per > 0) {
		return nil
	}
	timeout := env.opts.TimeoutS
	tv := measured(timeout)
	if !(timeout > 0) {
		timeout = defaultTimeoutS
		tv = assumed(timeout)
	}
	rate := f * (1 + env.policy.ForecastError)
	drivers := math.Ceil(rate/per - 1e-9)
	rpd := rate / drivers
	return &Generator{TestRate: computed(rate), OpsPerDriver: measured(per), Drivers: computed(drivers),
		RatePerDriver: computed(rpd), TimeoutS: tv, InFlightCap: computed(math.Ceil(rpd * timeout))}
}
