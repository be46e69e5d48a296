package hpa

import (
	"fmt"
	"math"
)

// Metric kinds an [Autoscaler] understands.
const (
	// External is an External (or Object) metric with an AverageValue
	// target: Target is the per-pod value (e.g. req/s per pod) and the
	// observation is the metric's total.
	External = "external"
	// CPU is a Resource cpu metric with a Utilization target: Target is the
	// utilisation as a fraction of the request (0.6 for 60 %), and the
	// observation is the mean utilisation of the pods with a usable sample.
	CPU = "cpu"
)

// Controller defaults (kube-controller-manager flags).
const (
	DefaultSyncSeconds = 15  // --horizontal-pod-autoscaler-sync-period
	DefaultTolerance   = 0.1 // --horizontal-pod-autoscaler-tolerance
	// CPUInitializationPeriodS is --horizontal-pod-autoscaler-cpu-initialization-period:
	// within it a pod's CPU sample counts only if taken after the pod became ready.
	CPUInitializationPeriodS = 300
	// defaultCPUTarget is the utilisation the API server fills in when an
	// autoscaling/v2 HPA lists no metrics.
	defaultCPUTarget = 0.8
)

// Reasons a [Decision] carries; they are the controller's ScalingLimited
// condition reasons plus two for syncs that change nothing.
const (
	ReasonWithinRange     = "DesiredWithinRange"
	ReasonScaleUpLimit    = "ScaleUpLimit"
	ReasonScaleDownLimit  = "ScaleDownLimit"
	ReasonTooMany         = "TooManyReplicas"
	ReasonTooFew          = "TooFewReplicas"
	ReasonScalingDisabled = "ScalingDisabled"   // the target has 0 replicas and minReplicas > 0
	ReasonInvalidMetrics  = "FailedGetMetrics"  // every metric failed, or some failed and the rest propose a scale-down
	ReasonOutsideBounds   = "OutsideMinMaxSync" // current replicas outside [Min, Max]: snapped to the bound
)

// Metric is one entry of an HPA's spec.metrics, reduced to what the model
// needs. Name is only carried for reports.
type Metric struct {
	Kind   string  `json:"kind"`   // External or CPU
	Target float64 `json:"target"` // per-pod value (External) or utilisation 0–1 (CPU)
	Name   string  `json:"name,omitempty"`
}

// Autoscaler is one HorizontalPodAutoscaler plus the controller flags that
// shape it. The zero values of Tolerance, SyncSeconds and
// DownscaleStabilizationSeconds mean the kube-controller-manager defaults;
// no Metrics means the API default, CPU at 80 %.
type Autoscaler struct {
	Min, Max  int       // minReplicas (≥ 1) and maxReplicas
	Behavior  *Behavior // nil: the legacy path (scale-up ≤ max(2×current, 4) per sync)
	Metrics   []Metric
	Tolerance float64 // 0 → 0.1
	// SyncSeconds is the controller's sync period; 0 → 15.
	SyncSeconds int
	// DownscaleStabilizationSeconds is the controller flag of the same name:
	// the legacy path's window and the scale-down window a behaviour leaves
	// out. nil → 300.
	DownscaleStabilizationSeconds *int
}

// Observation is what the metrics pipeline returns for one metric at one
// sync. For External, Value is the metric's total across the target. For
// CPU, Value is the mean utilisation (a fraction of the request) of the
// Ready pods; Unready pods are set aside (not ready, or their sample
// predates readiness) and Missing pods returned no sample. Unavailable
// marks a metric the controller could not fetch.
type Observation struct {
	Value                   float64
	Ready, Unready, Missing int
	Unavailable             bool
}

// Decision is the outcome of one [Controller.Sync].
type Decision struct {
	Current  int    // replicas before the sync
	Proposal int    // the largest metric proposal, before stabilisation and limits; 0 when none was computed
	Desired  int    // replicas after the sync (= Current when nothing changes)
	Reason   string // a Reason* constant
}

// Controller is the state of one HPA in the controller: its recommendation
// history (stabilisation windows) and scale events (behaviour policies).
// It reads no clock: every [Controller.Sync] is given the time. A
// Controller is not safe for concurrent use.
type Controller struct {
	min, max   int
	metrics    []Metric
	tolerance  float64
	tolUp      float64 // per-direction tolerances in force
	tolDown    float64
	legacy     bool
	up, down   rules
	legacyWin  float64
	sync       int
	recs       []stamped // unstabilised recommendations
	upEvents   []event
	downEvents []event
	started    bool
}

type stamped struct {
	t float64
	n int
}

type event struct {
	t        float64
	change   int // replicas added (up) or removed (down), positive
	outdated bool
}

// NewController validates a and returns a controller with an empty
// history. The error wraps [ErrInvalid] and names the field.
func NewController(a Autoscaler) (*Controller, error) {
	c := &Controller{min: a.Min, max: a.Max, metrics: a.Metrics, tolerance: a.Tolerance, sync: a.SyncSeconds}
	if c.tolerance == 0 {
		c.tolerance = DefaultTolerance
	}
	if c.tolerance < 0 || math.IsNaN(c.tolerance) {
		return nil, fmt.Errorf("tolerance %v is negative: %w", a.Tolerance, ErrInvalid)
	}
	if c.sync == 0 {
		c.sync = DefaultSyncSeconds
	}
	if c.sync < 0 {
		return nil, fmt.Errorf("sync period %d s is negative: %w", a.SyncSeconds, ErrInvalid)
	}
	if a.Min < 1 || a.Max < a.Min {
		return nil, fmt.Errorf("replicas min %d max %d: need 1 ≤ min ≤ max: %w", a.Min, a.Max, ErrInvalid)
	}
	if len(c.metrics) == 0 {
		c.metrics = []Metric{{Kind: CPU, Target: defaultCPUTarget}}
	}
	for i, m := range c.metrics {
		if m.Kind != External && m.Kind != CPU {
			return nil, fmt.Errorf("metric %d kind %q is not %q or %q: %w", i, m.Kind, External, CPU, ErrInvalid)
		}
		if !(m.Target > 0) || math.IsInf(m.Target, 0) {
			return nil, fmt.Errorf("metric %d target %v is not positive: %w", i, m.Target, ErrInvalid)
		}
		if m.Kind == CPU && math.Round(m.Target*100) < 1 {
			return nil, fmt.Errorf("metric %d cpu target %v is below 1 %%: %w", i, m.Target, ErrInvalid)
		}
	}
	win := DefaultDownscaleStabilizationSeconds
	if a.DownscaleStabilizationSeconds != nil {
		win = *a.DownscaleStabilizationSeconds
	}
	if win < 0 {
		return nil, fmt.Errorf("downscale stabilization %d s is negative: %w", win, ErrInvalid)
	}
	c.legacyWin = float64(win)
	c.tolUp, c.tolDown = c.tolerance, c.tolerance
	if a.Behavior == nil {
		c.legacy = true
		return c, nil
	}
	var err error
	if c.up, err = resolve("scaleUp", a.Behavior.ScaleUp, defaultScaleUp(), c.tolerance); err != nil {
		return nil, err
	}
	if c.down, err = resolve("scaleDown", a.Behavior.ScaleDown, defaultScaleDown(win), c.tolerance); err != nil {
		return nil, err
	}
	c.tolUp, c.tolDown = c.up.tolerance, c.down.tolerance
	return c, nil
}

// SyncSeconds is the controller's sync period in seconds.
func (c *Controller) SyncSeconds() int { return c.sync }

// Metrics is the metric list in force (the API default when the
// autoscaler listed none). The caller must not modify it.
func (c *Controller) Metrics() []Metric { return c.metrics }

// Sync runs one reconcile at time now (seconds) for a target that has
// current replicas, given one observation per metric (in the order of
// [Controller.Metrics]; a missing one counts as unavailable). It records
// the recommendation and any scale event, and returns the decision.
func (c *Controller) Sync(now float64, current int, obs []Observation) Decision {
	if !c.started {
		// recordInitialRecommendation: the first sync remembers the size it found.
		c.recs = append(c.recs, stamped{now, current})
		c.started = true
	}
	d := Decision{Current: current, Desired: current}
	switch {
	case current == 0:
		d.Reason = ReasonScalingDisabled
		return d
	case current > c.max:
		d.Desired, d.Reason = c.max, ReasonOutsideBounds
	case current < c.min:
		d.Desired, d.Reason = c.min, ReasonOutsideBounds
	default:
		p, ok := c.propose(current, obs)
		d.Proposal = p
		if !ok {
			d.Reason = ReasonInvalidMetrics
			return d
		}
		if c.legacy {
			d.Desired, d.Reason = c.normalizeLegacy(now, current, p)
		} else {
			d.Desired, d.Reason = c.normalize(now, current, p)
		}
	}
	if d.Desired != current && !c.legacy {
		c.storeEvent(now, current, d.Desired)
	}
	return d
}

// propose is computeReplicasForMetrics: the largest proposal over the
// metrics; not ok when every metric failed, or when some failed and the
// others would scale down.
func (c *Controller) propose(current int, obs []Observation) (int, bool) {
	best, invalid := 0, 0
	for i, m := range c.metrics {
		var o Observation
		if i < len(obs) {
			o = obs[i]
		} else {
			o.Unavailable = true
		}
		p, ok := 0, !o.Unavailable
		if ok {
			switch m.Kind {
			case External:
				p = c.externalReplicas(current, o.Value, m.Target)
			case CPU:
				p, ok = c.cpuReplicas(current, o, m.Target)
			}
		}
		if !ok {
			invalid++
			continue
		}
		best = max(best, p)
	}
	if invalid == len(c.metrics) || (invalid > 0 && best < current) {
		return best, false
	}
	return best, true
}

// normalizeLegacy is normalizeDesiredReplicas: the highest recommendation
// of the downscale window (inclusive at its old end), then
// convertDesiredReplicasWithRules.
func (c *Controller) normalizeLegacy(now float64, current, desired int) (int, string) {
	cutoff := now - c.legacyWin
	stab, old := desired, -1
	for i, r := range c.recs {
		if r.t < cutoff {
			old = i
		} else if r.n > stab {
			stab = r.n
		}
	}
	c.remember(old, now, desired)

	// Do not scale up too much at once: scaleUpLimitFactor 2, scaleUpLimitMinimum 4.
	upLimit := int(math.Max(2*float64(current), 4))
	maxAllowed, reason := c.max, ReasonTooMany
	if c.max > upLimit {
		maxAllowed, reason = upLimit, ReasonScaleUpLimit
	}
	switch {
	case stab < c.min:
		return c.min, ReasonTooFew
	case stab > maxAllowed:
		return maxAllowed, reason
	}
	return stab, ReasonWithinRange
}

// normalize is normalizeDesiredReplicasWithBehaviors: stabilise between the
// lowest recommendation of the scale-up window and the highest of the
// scale-down window, then apply the policies' rate limits and the bounds.
func (c *Controller) normalize(now float64, current, desired int) (int, string) {
	upCut, downCut := now-c.up.window, now-c.down.window
	upRec, downRec, old := desired, desired, -1
	for i, r := range c.recs {
		if r.t > upCut {
			upRec = min(upRec, r.n)
		}
		if r.t > downCut {
			downRec = max(downRec, r.n)
		}
		if r.t < upCut && r.t < downCut {
			old = i
		}
	}
	c.remember(old, now, desired)
	rec := min(max(current, upRec), downRec)

	switch {
	case rec > current:
		limit := max(c.scaleUpLimit(now, current), current)
		maxAllowed, reason := c.max, ReasonTooMany
		if c.max > limit {
			maxAllowed, reason = limit, ReasonScaleUpLimit
		}
		if rec > maxAllowed {
			return maxAllowed, reason
		}
	case rec < current:
		limit := min(c.scaleDownLimit(now, current), current)
		minAllowed, reason := c.min, ReasonTooFew
		if c.min < limit {
			minAllowed, reason = limit, ReasonScaleDownLimit
		}
		if rec < minAllowed {
			return minAllowed, reason
		}
	}
	return rec, ReasonWithinRange
}

// remember stores an unstabilised recommendation, reusing the slot of one
// that has left every window (as the controller does).
func (c *Controller) remember(old int, now float64, n int) {
	if old >= 0 {
		c.recs[old] = stamped{now, n}
		return
	}
	c.recs = append(c.recs, stamped{now, n})
}

// scaleUpLimit is calculateScaleUpLimitWithScalingRules: each policy allows
// a change from the replica count at the start of its period (current,
// less what was added and plus what was removed within the period).
func (c *Controller) scaleUpLimit(now float64, current int) int {
	if c.up.selectPol == SelectDisabled {
		return current
	}
	result := math.MinInt
	if c.up.selectPol == SelectMin {
		result = math.MaxInt
	}
	for _, p := range c.up.policies {
		start := current - changes(c.upEvents, p.PeriodSeconds, now) + changes(c.downEvents, p.PeriodSeconds, now)
		var proposed int
		if p.Type == PodsPolicy {
			proposed = start + p.Value
		} else {
			// Rounded up so that a small percentage still adds a pod. The
			// float product is the controller's: 10 % of 10 gives 12, as in
			// Kubernetes, because 10 × 1.1 is 11.000000000000002.
			proposed = int(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		if c.up.selectPol == SelectMin {
			result = min(result, proposed)
		} else {
			result = max(result, proposed)
		}
	}
	return result
}

// scaleDownLimit is calculateScaleDownLimitWithBehaviors; Percent is
// truncated (so 10 % of 72 removes 8: 72 × 0.9 = 64.8 → 64).
func (c *Controller) scaleDownLimit(now float64, current int) int {
	if c.down.selectPol == SelectDisabled {
		return current
	}
	result := math.MaxInt
	if c.down.selectPol == SelectMin {
		result = math.MinInt
	}
	for _, p := range c.down.policies {
		start := current - changes(c.upEvents, p.PeriodSeconds, now) + changes(c.downEvents, p.PeriodSeconds, now)
		var proposed int
		if p.Type == PodsPolicy {
			proposed = start - p.Value
		} else {
			proposed = int(float64(start) * (1 - float64(p.Value)/100))
		}
		if c.down.selectPol == SelectMin {
			result = max(result, proposed)
		} else {
			result = min(result, proposed)
		}
	}
	return result
}

// changes is getReplicasChangePerPeriod: the replicas changed by events
// strictly inside (now − period, now].
func changes(events []event, period int, now float64) int {
	cutoff := now - float64(period)
	n := 0
	for _, e := range events {
		if e.t > cutoff {
			n += e.change
		}
	}
	return n
}

// storeEvent is storeScaleEvent: events older than the direction's longest
// policy period are outdated, and the last outdated slot is reused.
func (c *Controller) storeEvent(now float64, prev, next int) {
	events, r, change := &c.upEvents, c.up, next-prev
	if next < prev {
		events, r, change = &c.downEvents, c.down, prev-next
	}
	cutoff, old := now-r.longest, -1
	for i := range *events {
		if (*events)[i].t < cutoff {
			(*events)[i].outdated = true
		}
		if (*events)[i].outdated {
			old = i
		}
	}
	e := event{t: now, change: change}
	if old >= 0 {
		(*events)[old] = e
		return
	}
	*events = append(*events, e)
}
