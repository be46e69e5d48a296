package capacity

import (
	"fmt"
	"math"
	"time"

	"github.com/surgeload/surge/report/capacity/hpa"
)

// Autoscaling constants (capacity-method.md §5.1 step 7, §6.3, §6.4).
const (
	// maxOverPlan is maxReplicas over N_plan, and maxOverNStar its cap as
	// a share of an identified N*.
	maxOverPlan  = 1.5
	maxOverNStar = 0.8
	// cpuDefaultTarget is the CPU utilisation of the "default CPU HPA"
	// that the recommendation is compared with.
	cpuDefaultTarget = 0.60
	// scaleUpTolerance is the scale-up tolerance of the plain HPAs for
	// Kubernetes ≥ 1.35 (HPAConfigurableTolerance), so that a floor holds
	// near the plan. It is not emitted through KEDA, whose HPA types may
	// not carry it.
	scaleUpTolerance = 0.02
	// simAfterRampS is how long the simulation runs after the ramp.
	simAfterRampS = 1200
	// leadOverStart is how many pod start-ups the pre-scale lead should
	// cover at least.
	leadOverStart = 3
)

// Simulation names.
const (
	SimCPUDefault  = "cpu_default"
	SimRecommended = "recommended"
	SimPrescaled   = "prescaled"
)

// autoscale recommends the HPA, simulates it against the forecast ramp and
// sets the pre-scale window for a deployment planned at n pods.
func autoscale(t *Tier, sc *scaling, tf *TierForecast, n, ppn, zones int, env *planEnv) {
	a := &Autoscaling{Simulations: []Simulation{}}
	t.Autoscaling = a
	a.Reaction = reaction(t, tf)
	f := tf.EventPeak
	a.Ramp = Ramp{BAU: assumed(tf.BAUPeak), Peak: assumed(f), Seconds: assumed(tf.RampS)}
	if tf.BAUPeak > 0 {
		a.Ramp.Ratio = ptr(computed(f / tf.BAUPeak))
	} else {
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("No BAU peak for %s: minReplicas is the zone count "+
			"and the simulated ramp starts from no load.", t.Name))
	}
	tpod := math.Ceil(f/float64(n) - 1e-9)
	h := &a.HPA
	h.RPSPerPod = computed(tpod)
	bauRep := math.Ceil(tf.BAUPeak/tpod - 1e-9)
	h.BAUReplicas = computed(bauRep)
	h.Min = computed(float64(roundUp(max(zones, int(bauRep)), zones)))
	h.Max = computed(float64(maxReplicas(t, sc, tf, n)))
	if h.Min.Value > h.Max.Value {
		h.Min = h.Max
	}
	cpuTarget(t, tf, tpod, h)
	beh := hpa.SpikeBehavior(n)
	a.Tolerance = assumed(hpa.DefaultTolerance)
	if versionAtLeast(env.policy.KubernetesVersion, 1, 35) && !env.policy.KEDA {
		tol := scaleUpTolerance
		beh.ScaleUp.Tolerance = &tol
		a.Tolerance = assumed(tol)
	}
	h.Behavior = behaviorOf(beh)
	prescale(t, a, n, env)
	simulate(t, a, tf, n, beh, env)
	a.Nodes = computed(math.Ceil(float64(n)/float64(ppn) - 1e-9))
	// Below floorHeld pods the floor's ratio leaves the tolerance; on a
	// small plan that is the plan itself, and there is nothing to say.
	if floorHeld := int(math.Floor(float64(n)/(1+a.Tolerance.Value)-1e-9)) + 1; floorHeld < n {
		a.Notes = append(a.Notes,
			fmt.Sprintf("The HPA ignores metric ratios within its tolerance of %s: at %d pods a cron floor of %d is not "+
				"enforced while %d or more pods run, so pre-scale from BAU rather than from just below the plan.",
				fmtPercent(a.Tolerance.Value), n, n, floorHeld))
	}
	a.Notes = append(a.Notes, "Remove spec.replicas from the Deployment manifest while an autoscaler owns it, or every apply resets it.")
}

// reaction is the reaction-time budget: metric lag + sync + pod ready.
func reaction(t *Tier, tf *TierForecast) Reaction {
	lag, ready := measured(tf.MetricLagS), measured(tf.PodReadyS)
	if !(tf.MetricLagS > 0) {
		lag = assumed(defaultMetricLagS)
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("Metric lag %d s (default: the metrics pipeline "+
			"was not measured).", defaultMetricLagS))
	}
	if !(tf.PodReadyS > 0) {
		ready = assumed(defaultPodReadyS)
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("Pod start-up %d s to Ready (default: not measured).",
			defaultPodReadyS))
	}
	sync := assumed(defaultSyncS)
	return Reaction{MetricLagS: lag, SyncS: sync, PodReadyS: ready,
		TotalS: computed(lag.Value + sync.Value + ready.Value)}
}

// maxReplicas is min(ceil(1.5·N_plan), floor(0.8·N*) when identified,
// quota, floor(2·N_max)), never below N_plan: like any replica count surge
// gives, it stays within twice the largest tested size.
func maxReplicas(t *Tier, sc *scaling, tf *TierForecast, n int) int {
	m := int(math.Ceil(maxOverPlan*float64(n) - 1e-9))
	m = min(m, int(math.Floor(2*sc.nMax+1e-9)))
	if sc.identified() {
		if nStar, _, ok := sc.fit.Peak(); ok && finite(nStar) {
			m = min(m, int(math.Floor(maxOverNStar*nStar)))
		}
	}
	if tf.MaxReplicas > 0 {
		if tf.MaxReplicas < n {
			t.Warnings = append(t.Warnings, fmt.Sprintf("The quota of %s, %d pods, is below the plan of %d: "+
				"maxReplicas is set to %d; raise the quota.", t.Name, tf.MaxReplicas, n, n))
		}
		m = min(m, tf.MaxReplicas)
	}
	m = max(m, n)
	if ratio := float64(m) / sc.nMax; ratio > inRange+1e-9 {
		peak := "N* is identified"
		if !sc.identified() {
			peak = "N* is not identified"
		}
		t.Warnings = append(t.Warnings, fmt.Sprintf("maxReplicas of %s, %d, is %s× the largest tested size "+
			"and %s: capacity above %d pods is untested.", t.Name, m, fmtFactor(ratio), peak,
			int(math.Floor(inRange*sc.nMax+1e-9))))
	}
	return m
}

// cpuTarget sets the CPU backstop floor5(100·(c0 + c1·T_pod)/request)
// when the forecast has a CPU model.
func cpuTarget(t *Tier, tf *TierForecast, tpod float64, h *HPA) {
	if !(tf.CPURequest > 0 && tf.CPUPerRequest > 0) {
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("No CPU model for %s (request and CPU per request): "+
			"no CPU trigger and no simulation of a CPU-based HPA.", t.Name))
		return
	}
	u := 100 * (tf.CPUBase + tf.CPUPerRequest*tpod) / tf.CPURequest
	if u > 100 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("At %s req/s per pod %s would use %s of its CPU request: "+
			"CPU cannot be the backstop; no CPU trigger.", fmtRate(tpod), t.Name, fmtPercent(u/100)))
		return
	}
	h.CPUUtilisation = ptr(computed(max(5, math.Floor(u/5)*5)))
}

// behaviorOf mirrors an hpa.Behavior for the report.
func behaviorOf(b hpa.Behavior) Behavior {
	return Behavior{Source: Assumed, ScaleUp: rulesOf(b.ScaleUp), ScaleDown: rulesOf(b.ScaleDown)}
}

func rulesOf(r *hpa.Rules) Rules {
	out := Rules{SelectPolicy: r.SelectPolicy, Policies: []RulePolicy{}}
	if r.StabilizationWindowSeconds != nil {
		out.StabilizationWindowSeconds = *r.StabilizationWindowSeconds
	}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, RulePolicy{Type: p.Type, Value: p.Value, PeriodSeconds: p.PeriodSeconds})
	}
	return out
}

// simulate runs the HPA simulator over the forecast ramp: the default CPU
// HPA (with a CPU model), the recommended HPA, and the recommended HPA
// with the pre-scale floor.
func simulate(t *Tier, a *Autoscaling, tf *TierForecast, n int, beh hpa.Behavior, env *planEnv) {
	p := t.Plan
	bau, f, ramp := tf.BAUPeak, tf.EventPeak, max(tf.RampS, 0)
	podSLO := p.CapacityPerReplica.Value
	podRaw := podSLO
	if u := t.UsableFraction; u != nil && u.Value > 0 && u.Value <= 1 {
		podRaw = podSLO / u.Value
	}
	timeout := env.opts.TimeoutS
	if !(timeout > 0) {
		timeout = defaultTimeoutS
	}
	base := hpa.Env{
		Load: func(s float64) float64 {
			if ramp <= 0 || s >= ramp {
				return f
			}
			return bau + (f-bau)*max(s, 0)/ramp
		},
		Seconds: int(ramp) + simAfterRampS, PodSLO: podSLO, PodRaw: podRaw,
		MetricLagS: a.Reaction.MetricLagS.Value, PodReadyS: a.Reaction.PodReadyS.Value, TimeoutS: timeout,
		CPULimitOverRequest: 1,
	}
	h := a.HPA
	lo, hi := int(h.Min.Value), int(h.Max.Value)
	if h.CPUUtilisation != nil {
		simulateCPU(t, a, tf, base, lo, hi)
	}
	metrics := []hpa.Metric{{Kind: hpa.External, Target: h.RPSPerPod.Value, Name: "requests per second"}}
	rec := hpa.Autoscaler{Min: lo, Max: hi, Behavior: &beh, Metrics: metrics}
	e := base
	e.Start = min(max(lo, int(h.BAUReplicas.Value)), hi)
	addSim(t, a, SimRecommended, "RPS metric, fast HPA", h.RPSPerPod, rec, e)
	e.Start = n
	e.Floor = prescaleFloor(a.Prescale, n, env)
	addSim(t, a, SimPrescaled, "pre-scaled, same HPA", h.RPSPerPod, rec, e)
	for _, s := range a.Simulations {
		if s.Name == SimRecommended {
			a.ReactiveOK = s.OK
		}
	}
}

// simulateCPU runs the default CPU HPA (60 %, default behaviour) from the
// replicas at which BAU runs at 60 % CPU.
func simulateCPU(t *Tier, a *Autoscaling, tf *TierForecast, base hpa.Env, lo, hi int) {
	// CPU use is c0 + c1·rps; the simulator's CPU is linear in rps, so take
	// the slope through the target point, where decisions are made.
	r60 := (cpuDefaultTarget*tf.CPURequest - tf.CPUBase) / tf.CPUPerRequest
	if !(r60 > 0) {
		return
	}
	e := base
	e.CPUPerRequest = cpuDefaultTarget / r60
	e.Start = min(max(lo, int(math.Ceil(tf.BAUPeak/r60-1e-9))), hi)
	def := hpa.DefaultBehavior()
	as := hpa.Autoscaler{Min: lo, Max: hi, Behavior: &def, Metrics: []hpa.Metric{{Kind: hpa.CPU, Target: cpuDefaultTarget}}}
	addSim(t, a, SimCPUDefault, fmt.Sprintf("CPU %s, default HPA", fmtPercent(cpuDefaultTarget)),
		assumed(100*cpuDefaultTarget), as, e)
	t.Assumptions = append(t.Assumptions, "CPU limit equals the CPU request in the simulation (the forecast gives no limit).")
}

// prescaleFloor is the cron trigger's floor over simulated seconds from
// the event start, by KEDA's window rule.
func prescaleFloor(ps Prescale, n int, env *planEnv) func(float64) int {
	start, err1 := hpa.ParseCron(ps.Start)
	end, err2 := hpa.ParseCron(ps.End)
	if err1 != nil || err2 != nil {
		return func(float64) int { return n }
	}
	return hpa.CronFloor(start, end, env.loc, env.forecast.Event, n, false)
}

// addSim runs one simulation and records it, or says why it could not.
func addSim(t *Tier, a *Autoscaling, name, label string, target Value, as hpa.Autoscaler, e hpa.Env) {
	out, err := hpa.Simulate(as, e)
	if err != nil {
		t.Warnings = append(t.Warnings, fmt.Sprintf("The %s simulation of %s could not run: %v.", label, t.Name, err))
		return
	}
	s := Simulation{Name: name, Label: label, Target: target, Start: computed(float64(e.Start)),
		SecondsOver: computed(float64(out.SecondsOver)), TimedOut: computed(math.Round(out.TimedOut)),
		Seconds: computed(float64(e.Seconds)), OK: out.SecondsOver == 0}
	if out.CapacityAfterS >= 0 {
		s.CapacityAfterS = ptr(computed(out.CapacityAfterS))
	}
	a.Simulations = append(a.Simulations, s)
}

// prescale sets the pre-scale window event − lead … event + hold and its
// KEDA cron lines.
func prescale(t *Tier, a *Autoscaling, n int, env *planEnv) {
	f := env.forecast
	lead, hold := assumed(f.Lead), assumed(f.Hold)
	if !(f.Lead > 0) {
		lead = assumed(defaultLeadS)
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("Pre-scale lead %d min (default).", defaultLeadS/60))
	}
	if !(f.Hold > 0) {
		hold = assumed(defaultHoldS)
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("Peak hold %d h after the event start (default).",
			defaultHoldS/3600))
	}
	from := f.Event.Add(-seconds(lead.Value)).In(env.loc)
	to := f.Event.Add(seconds(hold.Value)).In(env.loc)
	a.Prescale = Prescale{Replicas: computed(float64(n)), From: from, To: to, LeadS: lead, HoldS: hold,
		Timezone: f.Timezone, Start: hpa.CronAt(from, env.loc), End: hpa.CronAt(to, env.loc),
		RemoveAfter: to.Format(time.DateOnly)}
	if a.Prescale.Timezone == "" {
		a.Prescale.Timezone = env.loc.String()
	}
	if _, err := time.LoadLocation(a.Prescale.Timezone); err != nil || a.Prescale.Timezone == "" ||
		a.Prescale.Timezone == "Local" {
		t.Warnings = append(t.Warnings, fmt.Sprintf("The forecast gives no IANA time zone (%q): KEDA's cron trigger "+
			"needs one; set the forecast's timezone before applying the pre-scale window.", a.Prescale.Timezone))
	}
	if need := leadOverStart * a.Reaction.PodReadyS.Value; lead.Value < need {
		t.Warnings = append(t.Warnings, fmt.Sprintf("The pre-scale lead of %s, %s s, is less than %d pod start-ups "+
			"(%s s): start pre-scaling earlier to leave time for nodes, warm-up and a smoke test.", t.Name,
			fmtRate(lead.Value), leadOverStart, fmtRate(need)))
	}
	if a.Prescale.Start == a.Prescale.End {
		t.Warnings = append(t.Warnings, fmt.Sprintf("The pre-scale window of %s starts and ends in the same minute: "+
			"KEDA needs different cron lines; give a lead or a hold.", t.Name))
	}
}

// seconds converts seconds to a duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
