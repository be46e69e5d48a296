package hpa

import (
	"fmt"
	"math"
)

// Env is the world a [Simulate] run plays out in: the offered load, the
// pods' capacity and the delays of the metric pipeline and of pod start-up
// (spec §6.3, §6.6). Times are seconds from the start of the run.
type Env struct {
	Load    func(t float64) float64 // offered req/s at t; the state before t = 0 is taken to be that of t = 0
	Seconds int                     // how long to simulate, one step per second
	Start   int                     // replicas at t = 0, all ready

	PodSLO float64 // req/s one pod serves within the SLO
	PodRaw float64 // req/s one pod serves at saturation (≥ PodSLO)

	MetricLagS float64 // the metric the controller reads at t describes t − MetricLagS (rounded to the second)
	PodReadyS  float64 // seconds from a pod's creation to Ready
	TimeoutS   float64 // requests waiting longer than this time out: the backlog is capped at load × TimeoutS

	// CPULimitOverRequest is the CPU limit over the request: utilisation
	// cannot exceed it. 0 → 1 (request = limit).
	CPULimitOverRequest float64
	// CPUPerRequest is the utilisation one req/s adds to a pod, as a
	// fraction of its request: a pod serving r req/s reports r × this.
	// Needed when a metric is CPU.
	CPUPerRequest float64

	// Floor is a replica floor such as a KEDA cron trigger (see
	// [CronFloor]); 0 means none at t. It joins the metrics as an External
	// metric with AverageValue 1, read without lag at each sync, so it is
	// subject to the tolerance like any other metric. nil = none.
	Floor func(t float64) int
	// SyncPhaseS is when the controller's first sync falls, in
	// [0, sync period): the loop does not know when a spike starts.
	SyncPhaseS int
}

// Step is one point of a replica timeline: from T on, Desired pods exist
// (the HPA's latest decision) and Ready of them serve.
type Step struct {
	T       float64 `json:"t"`
	Desired int     `json:"desired"`
	Ready   int     `json:"ready"`
}

// Outcome is what a simulated spike did.
type Outcome struct {
	// CapacityAfterS is the first second from which ready pods × PodSLO ≥
	// load for the rest of the run; 0 when it always held, −1 when it did
	// not hold at the end.
	CapacityAfterS float64 `json:"capacity_after_s"`
	// SecondsOver counts the seconds with load above ready × PodSLO.
	SecondsOver int `json:"seconds_over"`
	// TimedOut is the requests that waited longer than TimeoutS (model).
	TimedOut float64 `json:"timed_out"`
	// PeakDesired is the largest replica count the HPA asked for.
	PeakDesired int `json:"peak_desired"`
	// Timeline holds t = 0 and every second where Desired or Ready changed.
	Timeline []Step `json:"timeline"`
}

// simPod is one pod: when it was created and when it is (or was) ready.
type simPod struct{ created, ready float64 }

// Simulate runs autoscaler a against env one second at a time. Each second
// t: pods whose ready time has come start serving; ready pods serve
// min(load + backlog, ready × PodRaw); the unserved rest carries over up to
// load × TimeoutS and the excess times out; at each sync the controller
// reads the metrics as they were at t − MetricLagS (an External metric
// sees the offered load; CPU sees each ready pod's served rate ×
// CPUPerRequest, capped at CPULimitOverRequest) and resizes the target.
// New pods are ready PodReadyS later; a scale-down removes the newest pods.
//
// For CPU the controller sets a pod aside until a sample taken after the
// pod became ready reaches it, i.e. until MetricLagS after ready (within
// the 5-min initialisation period), so each CPU step costs PodReadyS +
// MetricLagS. The error wraps [ErrInvalid].
func Simulate(a Autoscaler, env Env) (Outcome, error) {
	if err := env.validate(); err != nil {
		return Outcome{}, err
	}
	if env.Floor != nil {
		ms := a.Metrics
		if len(ms) == 0 {
			ms = []Metric{{Kind: CPU, Target: defaultCPUTarget}}
		}
		a.Metrics = append(append([]Metric(nil), ms...), Metric{Kind: External, Target: 1, Name: "cron floor"})
	}
	c, err := NewController(a)
	if err != nil {
		return Outcome{}, err
	}
	if hasCPU(c.Metrics()) && !(env.CPUPerRequest > 0) {
		return Outcome{}, fmt.Errorf("cpu metric needs a positive CPUPerRequest, got %v: %w", env.CPUPerRequest, ErrInvalid)
	}
	if env.SyncPhaseS < 0 || env.SyncPhaseS >= c.SyncSeconds() {
		return Outcome{}, fmt.Errorf("sync phase %d s outside [0, %d): %w", env.SyncPhaseS, c.SyncSeconds(), ErrInvalid)
	}
	s := newSim(c, env)
	return s.run(), nil
}

func hasCPU(ms []Metric) bool {
	for _, m := range ms {
		if m.Kind == CPU {
			return true
		}
	}
	return false
}

func (e Env) validate() error {
	switch {
	case e.Load == nil:
		return fmt.Errorf("no load function: %w", ErrInvalid)
	case e.Seconds <= 0:
		return fmt.Errorf("run of %d s: %w", e.Seconds, ErrInvalid)
	case e.Start < 1:
		return fmt.Errorf("start with %d replicas: %w", e.Start, ErrInvalid)
	case !(e.PodSLO > 0) || math.IsInf(e.PodSLO, 0):
		return fmt.Errorf("pod capacity at SLO %v is not positive: %w", e.PodSLO, ErrInvalid)
	case !(e.PodRaw >= e.PodSLO) || math.IsInf(e.PodRaw, 0):
		return fmt.Errorf("pod raw capacity %v below capacity at SLO %v: %w", e.PodRaw, e.PodSLO, ErrInvalid)
	case !(e.MetricLagS >= 0) || !(e.PodReadyS >= 0) || !(e.TimeoutS >= 0):
		return fmt.Errorf("lag %v s, pod ready %v s and timeout %v s must be ≥ 0: %w", e.MetricLagS, e.PodReadyS, e.TimeoutS, ErrInvalid)
	case e.CPULimitOverRequest < 0 || math.IsNaN(e.CPULimitOverRequest):
		return fmt.Errorf("cpu limit/request %v is negative: %w", e.CPULimitOverRequest, ErrInvalid)
	}
	return nil
}

// sim is the state of one run.
type sim struct {
	c      *Controller
	env    Env
	lag    int
	cpuCap float64
	pods   []simPod // creation order; ready times never decrease along it
	load   []float64
	perPod []float64 // served req/s per ready pod, per second
	obs    []Observation
	floor  int // index of the floor metric; -1 = none
	out    Outcome
}

func newSim(c *Controller, env Env) *sim {
	s := &sim{
		c:      c,
		env:    env,
		lag:    int(math.Round(env.MetricLagS)),
		cpuCap: env.CPULimitOverRequest,
		pods:   make([]simPod, env.Start, env.Start*2),
		load:   make([]float64, env.Seconds),
		perPod: make([]float64, env.Seconds),
		obs:    make([]Observation, len(c.Metrics())),
		floor:  -1,
	}
	if env.Floor != nil {
		s.floor = len(c.Metrics()) - 1
	}
	if s.cpuCap == 0 {
		s.cpuCap = 1
	}
	for i := range s.pods {
		s.pods[i] = simPod{created: math.Inf(-1), ready: math.Inf(-1)}
	}
	s.out.Timeline = make([]Step, 0, 32)
	s.out.PeakDesired = env.Start
	return s
}

func (s *sim) run() Outcome {
	env := s.env
	backlog, lastOver := 0.0, -1
	sync := s.c.SyncSeconds()
	for t := range env.Seconds {
		now := float64(t)
		l := env.Load(now)
		if !(l > 0) || math.IsInf(l, 0) {
			l = 0
		}
		s.load[t] = l
		ready := s.readyAt(now)
		demand := l + backlog
		served := math.Min(demand, float64(ready)*env.PodRaw)
		backlog = demand - served
		if limit := l * env.TimeoutS; backlog > limit {
			s.out.TimedOut += backlog - limit
			backlog = limit
		}
		if ready > 0 {
			s.perPod[t] = served / float64(ready)
		}
		if float64(ready)*env.PodSLO < l {
			s.out.SecondsOver++
			lastOver = t
		}
		if t >= env.SyncPhaseS && (t-env.SyncPhaseS)%sync == 0 {
			s.syncAt(t)
		}
		s.record(now, ready)
	}
	switch {
	case lastOver < 0:
		s.out.CapacityAfterS = 0
	case lastOver == env.Seconds-1:
		s.out.CapacityAfterS = -1
	default:
		s.out.CapacityAfterS = float64(lastOver + 1)
	}
	return s.out
}

// readyAt counts the pods ready at t: ready times are sorted, so it is the
// index of the first pod not ready yet.
func (s *sim) readyAt(t float64) int {
	lo, hi := 0, len(s.pods)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.pods[mid].ready <= t {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// syncAt runs the controller at second t on the metrics of second t − lag.
func (s *sim) syncAt(t int) {
	now := float64(t)
	seen := max(t-s.lag, 0)
	observed := float64(t - s.lag)
	for i, m := range s.c.Metrics() {
		switch {
		case i == s.floor:
			s.obs[i] = Observation{Value: float64(max(s.env.Floor(now), 0))}
		case m.Kind == External:
			s.obs[i] = Observation{Value: s.load[seen]}
		default:
			s.obs[i] = s.cpuObservation(now, observed, seen)
		}
	}
	d := s.c.Sync(now, len(s.pods), s.obs)
	switch {
	case d.Desired > len(s.pods):
		for range d.Desired - len(s.pods) {
			s.pods = append(s.pods, simPod{created: now, ready: now + s.env.PodReadyS})
		}
	case d.Desired < len(s.pods):
		s.pods = s.pods[:d.Desired]
	}
	s.out.PeakDesired = max(s.out.PeakDesired, d.Desired)
}

// cpuObservation classifies the pods as the replica calculator's groupPods
// does for CPU: a pod counts once its sample (taken at observed) postdates
// its readiness, or, past the initialisation period, whenever it is ready.
func (s *sim) cpuObservation(now, observed float64, seen int) Observation {
	var o Observation
	for _, p := range s.pods {
		readyNow := p.ready <= now
		switch {
		case readyNow && p.ready <= observed:
			o.Ready++
		case readyNow && now-p.created >= CPUInitializationPeriodS:
			o.Ready++
		default:
			o.Unready++
		}
	}
	o.Value = math.Min(s.perPod[seen]*s.env.CPUPerRequest, s.cpuCap)
	return o
}

func (s *sim) record(now float64, ready int) {
	st := Step{T: now, Desired: len(s.pods), Ready: ready}
	if n := len(s.out.Timeline); n > 0 {
		last := s.out.Timeline[n-1]
		if last.Desired == st.Desired && last.Ready == st.Ready {
			return
		}
	}
	s.out.Timeline = append(s.out.Timeline, st)
}
