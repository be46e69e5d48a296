package hpa

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ext is one External observation totalling v.
func ext(v float64) []Observation { return []Observation{{Value: v}} }

// perPod1 is an External metric with a per-pod target of 1, so that an
// observation of n proposes exactly n replicas (outside the tolerance).
var perPod1 = []Metric{{Kind: External, Target: 1}}

func mustController(t *testing.T, a Autoscaler) *Controller {
	t.Helper()
	c, err := NewController(a)
	if err != nil {
		t.Fatalf("NewController(%+v) = %v", a, err)
	}
	return c
}

// run syncs every 15 s from t = 0 to last inclusive, starting at current
// replicas, with the observation obs(t), and returns the replicas after
// each sync.
func run(c *Controller, current int, last float64, obs func(t float64) []Observation) []int {
	var got []int
	for now := 0.0; now <= last; now += 15 {
		current = c.Sync(now, current, obs(now)).Desired
		got = append(got, current)
	}
	return got
}

func constant(v float64) func(float64) []Observation {
	return func(float64) []Observation { return ext(v) }
}

// TestScaleDownDocsExample is V10's documented case (Kubernetes docs,
// "Horizontal Pod Autoscaling", scaling policies): with Pods 4/60 s and
// Percent 10/60 s, 80 replicas lose 8 in the first period; at 72 the next
// period removes 8 again (7.2 rounded up); below 40 the Pods policy wins
// and 4 go per period.
func TestScaleDownDocsExample(t *testing.T) {
	b := &Behavior{ScaleDown: &Rules{
		StabilizationWindowSeconds: new(0),
		Policies: []Policy{
			{Type: PodsPolicy, Value: 4, PeriodSeconds: 60},
			{Type: PercentPolicy, Value: 10, PeriodSeconds: 60},
		},
	}}
	c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: b, Metrics: perPod1})
	got := run(c, 80, 900, constant(10))
	var perPeriod []int
	for i, n := range got {
		if i%4 == 0 {
			perPeriod = append(perPeriod, n)
		} else if n != got[i-1] {
			t.Errorf("replicas changed inside a period at t=%d s: %d → %d", 15*i, got[i-1], n)
		}
	}
	// 80 −8 72 −8 64 −7 57 −6 51 −6 45 −5 40 −4 36 −4 32 … 12 −2 10 (the target).
	want := []int{72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10, 10, 10}
	if diff := cmp.Diff(want, perPeriod); diff != "" {
		t.Errorf("replicas at each period start (-want +got):\n%s", diff)
	}
}

func TestScaleUpLimits(t *testing.T) {
	def := DefaultBehavior()
	podsOnly := Behavior{ScaleUp: &Rules{Policies: []Policy{{Type: PodsPolicy, Value: 4, PeriodSeconds: 60}}}}
	minSelect := Behavior{ScaleUp: &Rules{SelectPolicy: SelectMin}}
	disabled := Behavior{ScaleUp: &Rules{SelectPolicy: SelectDisabled}}
	tests := []struct {
		name     string
		behavior *Behavior
		start    int
		max      int
		want     []int // replicas after syncs at 0, 15, 30, …
	}{
		// max(+100 %, +4): 1 → 5, then 10, 20, 40.
		{"default from 1", &def, 1, 1000, []int{5, 10, 20, 40}},
		// Fields left out are filled with the same defaults.
		{"empty behaviour is the default", &Behavior{}, 1, 1000, []int{5, 10, 20, 40}},
		// Legacy path: max(2 × current, 4) per sync: 1 → 4, not 5.
		{"legacy from 1", nil, 1, 1000, []int{4, 8, 16, 32}},
		{"legacy from 10", nil, 10, 1000, []int{20, 40, 80, 160}},
		{"legacy capped by max", nil, 10, 30, []int{20, 30, 30, 30}},
		// The period is measured from the replicas at its start: +4 per 60 s.
		{"pods per 60 s", &podsOnly, 10, 1000, []int{14, 14, 14, 14, 18, 18, 18, 18, 22}},
		// Min takes the smaller allowance: min(+100 %, +4).
		{"select min", &minSelect, 10, 1000, []int{14, 18, 22, 26}},
		{"select disabled", &disabled, 10, 1000, []int{10, 10, 10, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustController(t, Autoscaler{Min: 1, Max: tt.max, Behavior: tt.behavior, Metrics: perPod1})
			got := run(c, tt.start, float64(15*(len(tt.want)-1)), constant(500))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("replicas per sync (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScaleDownSelectPolicy(t *testing.T) {
	pol := []Policy{{Type: PodsPolicy, Value: 4, PeriodSeconds: 60}, {Type: PercentPolicy, Value: 10, PeriodSeconds: 60}}
	tests := []struct {
		selectPol string
		want      int
	}{
		{SelectMax, 72},      // the larger change: −8
		{"", 72},             // left out: Max
		{SelectMin, 76},      // the smaller change: −4
		{SelectDisabled, 80}, // never down
	}
	for _, tt := range tests {
		t.Run(tt.selectPol, func(t *testing.T) {
			b := &Behavior{ScaleDown: &Rules{StabilizationWindowSeconds: new(0), SelectPolicy: tt.selectPol, Policies: pol}}
			c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: b, Metrics: perPod1})
			if got := c.Sync(0, 80, ext(10)).Desired; got != tt.want {
				t.Errorf("Sync from 80 toward 10 = %d; want %d", got, tt.want)
			}
		})
	}
}

// TestScaleEventsBothDirections: the scale-up allowance starts from the
// replicas at the start of the period, so pods removed inside the period
// are added back to it.
func TestScaleEventsBothDirections(t *testing.T) {
	b := &Behavior{
		ScaleUp:   &Rules{Policies: []Policy{{Type: PodsPolicy, Value: 4, PeriodSeconds: 60}}},
		ScaleDown: &Rules{StabilizationWindowSeconds: new(0)},
	}
	c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: b, Metrics: perPod1})
	if got := c.Sync(0, 10, ext(8)).Desired; got != 8 {
		t.Fatalf("scale-down sync = %d; want 8", got)
	}
	// Period start: 8 − 0 added + 2 removed = 10, so the limit is 14, not 12.
	if got := c.Sync(15, 8, ext(100)); got.Desired != 14 || got.Reason != ReasonScaleUpLimit {
		t.Errorf("scale-up sync = %d (%s); want 14 (%s)", got.Desired, got.Reason, ReasonScaleUpLimit)
	}
}

// TestTolerance: V10, 10 % tolerance holds at ratio 1.09 and acts at 1.11;
// likewise 0.91 and 0.89 on the way down.
func TestTolerance(t *testing.T) {
	tests := []struct {
		name  string
		total float64 // 10 replicas, target 100 per pod
		tol   *float64
		want  int
	}{
		{"1.09 holds", 1090, nil, 10},
		{"1.10 holds", 1100, nil, 10},
		{"1.11 acts", 1110, nil, 12},
		{"0.91 holds", 910, nil, 10},
		{"0.90 holds", 900, nil, 10},
		{"0.89 acts", 890, nil, 9},
		{"per-direction 0.02 acts at 1.05", 1050, new(0.02), 11},
		{"per-direction 0.02 holds at 1.02", 1020, new(0.02), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Behavior{
				ScaleUp:   &Rules{Tolerance: tt.tol},
				ScaleDown: &Rules{StabilizationWindowSeconds: new(0), Tolerance: tt.tol},
			}
			c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: b, Metrics: []Metric{{Kind: External, Target: 100}}})
			if got := c.Sync(0, 10, ext(tt.total)); got.Proposal != tt.want || got.Desired != tt.want {
				t.Errorf("Sync(total %v) = proposal %d desired %d; want %d", tt.total, got.Proposal, got.Desired, tt.want)
			}
		})
	}
}

// TestCPUReadiness: V10, not-ready pods dampen the next CPU step, and the
// missing-metric rules of the replica calculator.
func TestCPUReadiness(t *testing.T) {
	tests := []struct {
		name    string
		current int
		target  float64
		obs     Observation
		want    int
	}{
		// All 20 report 100 % against 60 %: ceil(20 × 100/60) = 34.
		{"all ready", 20, 0.6, Observation{Value: 1, Ready: 20}, 34},
		// 8 new pods not ready count as 0 %: (12×100 + 8×0)/20 = 60 % → hold.
		{"unready dampen to hold", 20, 0.6, Observation{Value: 1, Ready: 12, Unready: 8}, 20},
		// 6 at 100 %, 4 unready, target 50 %: 60/50 → ceil(1.2 × 10) = 12, not 20.
		{"unready dampen", 10, 0.5, Observation{Value: 1, Ready: 6, Unready: 4}, 12},
		// On a scale-down unready pods are dropped: ceil(0.4 × 6) = 3.
		{"unready ignored on scale-down", 10, 0.5, Observation{Value: 0.2, Ready: 6, Unready: 4}, 3},
		// Missing pods count as 100 % on a scale-down: (3×40 + 100)/4 = 55 % → 1.1 → hold.
		{"missing hold scale-down", 4, 0.5, Observation{Value: 0.4, Ready: 3, Missing: 1}, 4},
		{"no missing scales down", 4, 0.5, Observation{Value: 0.4, Ready: 3}, 3},
		// (40 + 3×100)/4 = 85 % turns a scale-down into a scale-up → hold.
		{"missing flips direction", 4, 0.5, Observation{Value: 0.4, Ready: 1, Missing: 3}, 4},
		// Missing pods count as 0 % on a scale-up: (3×100)/4 = 75 % → ceil(1.5 × 4) = 6.
		{"missing on scale-up", 4, 0.5, Observation{Value: 1, Ready: 3, Missing: 1}, 6},
		// Utilisation is whole percent, truncated: 65.9 % → 65 % → 1.083 → hold.
		{"integer percent", 10, 0.6, Observation{Value: 0.659, Ready: 10}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: &Behavior{ScaleDown: &Rules{StabilizationWindowSeconds: new(0)}},
				Metrics: []Metric{{Kind: CPU, Target: tt.target}}})
			if got := c.Sync(0, tt.current, []Observation{tt.obs}); got.Proposal != tt.want {
				t.Errorf("Sync(%d, %+v) proposal = %d; want %d", tt.current, tt.obs, got.Proposal, tt.want)
			}
		})
	}
}

func TestMetricsMaxAndInvalid(t *testing.T) {
	metrics := []Metric{{Kind: External, Target: 100}, {Kind: CPU, Target: 0.5}}
	tests := []struct {
		name       string
		obs        []Observation
		want       int
		wantReason string
	}{
		{"max wins", []Observation{{Value: 1200}, {Value: 1, Ready: 10}}, 20, ReasonWithinRange},
		{"cpu without samples, external scales up", []Observation{{Value: 1500}, {Value: 1}}, 15, ReasonWithinRange},
		{"invalid and the rest scale down", []Observation{{Value: 500}, {Unavailable: true}}, 10, ReasonInvalidMetrics},
		{"all invalid", []Observation{{Unavailable: true}}, 10, ReasonInvalidMetrics},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Behavior{ScaleDown: &Rules{StabilizationWindowSeconds: new(0)}}
			c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: b, Metrics: metrics})
			got := c.Sync(0, 10, tt.obs)
			if got.Desired != tt.want || got.Reason != tt.wantReason {
				t.Errorf("Sync = %d (%s); want %d (%s)", got.Desired, got.Reason, tt.want, tt.wantReason)
			}
		})
	}
}

// TestStabilization: the scale-down window keeps the highest
// recommendation of the window, the scale-up window the lowest; the
// legacy path counts a recommendation exactly one window old, the
// behaviour path does not.
func TestStabilization(t *testing.T) {
	at := func(from float64, before, after float64) func(float64) []Observation {
		return func(t float64) []Observation {
			if t < from {
				return ext(before)
			}
			return ext(after)
		}
	}
	tests := []struct {
		name     string
		behavior *Behavior
		obs      func(float64) []Observation
		start    int
		change   float64 // first sync with the new size
		want     int
	}{
		{"default scale-down window 300 s", &Behavior{}, at(0, 5, 5), 10, 300, 5},
		{"legacy window 300 s, inclusive", nil, at(0, 5, 5), 10, 315, 5},
		{"scale-down window 600 s", &Behavior{ScaleDown: &Rules{StabilizationWindowSeconds: new(600)}}, at(0, 5, 5), 10, 600, 5},
		{"scale-up window 60 s", &Behavior{ScaleUp: &Rules{StabilizationWindowSeconds: new(60)}}, at(15, 10, 20), 10, 60, 20},
		{"no scale-up window", &Behavior{}, at(15, 10, 20), 10, 15, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: tt.behavior, Metrics: perPod1})
			got := run(c, tt.start, tt.change+30, tt.obs)
			for i, n := range got {
				now := float64(15 * i)
				want := tt.start
				if now >= tt.change {
					want = tt.want
				}
				if n != want {
					t.Errorf("replicas at t=%v s = %d; want %d", now, n, want)
				}
			}
		})
	}
}

func TestBounds(t *testing.T) {
	c := mustController(t, Autoscaler{Min: 5, Max: 50, Behavior: &Behavior{}, Metrics: perPod1})
	if got := c.Sync(0, 60, ext(60)); got.Desired != 50 || got.Reason != ReasonOutsideBounds {
		t.Errorf("above max: %+v; want 50 (%s)", got, ReasonOutsideBounds)
	}
	if got := c.Sync(15, 2, ext(2)); got.Desired != 5 || got.Reason != ReasonOutsideBounds {
		t.Errorf("below min: %+v; want 5 (%s)", got, ReasonOutsideBounds)
	}
	if got := c.Sync(30, 40, ext(400)); got.Desired != 50 || got.Reason != ReasonTooMany {
		t.Errorf("proposal above max: %+v; want 50 (%s)", got, ReasonTooMany)
	}
	if got := c.Sync(45, 0, ext(1)); got.Desired != 0 || got.Reason != ReasonScalingDisabled {
		t.Errorf("0 replicas: %+v; want 0 (%s)", got, ReasonScalingDisabled)
	}
}

func TestDefaults(t *testing.T) {
	got := DefaultBehavior()
	want := Behavior{
		ScaleUp: &Rules{StabilizationWindowSeconds: new(0), SelectPolicy: SelectMax, Policies: []Policy{
			{Type: PercentPolicy, Value: 100, PeriodSeconds: 15}, {Type: PodsPolicy, Value: 4, PeriodSeconds: 15}}},
		ScaleDown: &Rules{StabilizationWindowSeconds: new(300), SelectPolicy: SelectMax, Policies: []Policy{
			{Type: PercentPolicy, Value: 100, PeriodSeconds: 15}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultBehavior() (-want +got):\n%s", diff)
	}
	spike := SpikeBehavior(183)
	if p := spike.ScaleUp.Policies[1]; p.Value != 92 || p.PeriodSeconds != 15 {
		t.Errorf("SpikeBehavior(183) Pods policy = %+v; want 92 per 15 s", p)
	}
	if w := *spike.ScaleDown.StabilizationWindowSeconds; w != 600 || spike.ScaleDown.SelectPolicy != "" {
		t.Errorf("SpikeBehavior scale-down window %d select %q; want 600 and left out", w, spike.ScaleDown.SelectPolicy)
	}
	if p := SpikeBehavior(1).ScaleUp.Policies[1]; p.Value != 1 {
		t.Errorf("SpikeBehavior(1) Pods policy = %d; want 1", p.Value)
	}
	// The controller flag fills a scale-down window that a behaviour leaves out.
	c := mustController(t, Autoscaler{Min: 1, Max: 100, Behavior: &Behavior{}, Metrics: perPod1, DownscaleStabilizationSeconds: new(60)})
	if got := run(c, 10, 60, constant(5)); got[len(got)-1] != 5 || got[len(got)-2] != 10 {
		t.Errorf("60 s flag window: replicas %v; want 10 until t=60 s, then 5", got)
	}
	// No metrics: the API's default, CPU at 80 %.
	c = mustController(t, Autoscaler{Min: 1, Max: 100})
	if m := c.Metrics(); len(m) != 1 || m[0].Kind != CPU || m[0].Target != 0.8 {
		t.Errorf("default metrics = %+v; want cpu 0.8", m)
	}
}

func TestNewControllerInvalid(t *testing.T) {
	ok := Autoscaler{Min: 1, Max: 10, Metrics: perPod1}
	tests := []struct {
		name string
		edit func(a *Autoscaler)
	}{
		{"min 0", func(a *Autoscaler) { a.Min = 0 }},
		{"max below min", func(a *Autoscaler) { a.Min, a.Max = 5, 4 }},
		{"negative tolerance", func(a *Autoscaler) { a.Tolerance = -0.1 }},
		{"negative sync", func(a *Autoscaler) { a.SyncSeconds = -15 }},
		{"metric kind", func(a *Autoscaler) { a.Metrics = []Metric{{Kind: "memory", Target: 1}} }},
		{"metric target", func(a *Autoscaler) { a.Metrics = []Metric{{Kind: External}} }},
		{"cpu target below 1 %", func(a *Autoscaler) { a.Metrics = []Metric{{Kind: CPU, Target: 0.001}} }},
		{"policy type", func(a *Autoscaler) {
			a.Behavior = &Behavior{ScaleUp: &Rules{Policies: []Policy{{Type: "Nodes", Value: 1, PeriodSeconds: 15}}}}
		}},
		{"policy value", func(a *Autoscaler) {
			a.Behavior = &Behavior{ScaleUp: &Rules{Policies: []Policy{{Type: PodsPolicy, Value: 0, PeriodSeconds: 15}}}}
		}},
		{"policy period", func(a *Autoscaler) {
			a.Behavior = &Behavior{ScaleDown: &Rules{Policies: []Policy{{Type: PodsPolicy, Value: 1, PeriodSeconds: 1801}}}}
		}},
		{"select policy", func(a *Autoscaler) { a.Behavior = &Behavior{ScaleDown: &Rules{SelectPolicy: "Sometimes"}} }},
		{"window", func(a *Autoscaler) { a.Behavior = &Behavior{ScaleUp: &Rules{StabilizationWindowSeconds: new(3601)}} }},
		{"rule tolerance", func(a *Autoscaler) { a.Behavior = &Behavior{ScaleUp: &Rules{Tolerance: new(-1.0)}} }},
		{"flag window", func(a *Autoscaler) { a.DownscaleStabilizationSeconds = new(-1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.edit(&a)
			if _, err := NewController(a); !errors.Is(err, ErrInvalid) {
				t.Errorf("NewController(%+v) = %v; want ErrInvalid", a, err)
			}
		})
	}
	if _, err := NewController(ok); err != nil {
		t.Errorf("NewController(%+v) = %v; want nil", ok, err)
	}
}
