package hpa

import (
	"errors"
	"fmt"
	"math"
)

// Policy types and selectPolicy values of the autoscaling/v2 API.
const (
	PodsPolicy    = "Pods"    // a Policy that allows Value pods per period
	PercentPolicy = "Percent" // a Policy that allows Value % of the replicas at the period's start

	SelectMax      = "Max"      // take the policy that allows the largest change (the default)
	SelectMin      = "Min"      // take the policy that allows the smallest change
	SelectDisabled = "Disabled" // never scale in this direction
)

// Limits and defaults of the HPA API and of kube-controller-manager.
const (
	// MaxPolicyPeriodSeconds is the longest periodSeconds the API accepts.
	MaxPolicyPeriodSeconds = 1800
	// MaxStabilizationSeconds is the longest stabilizationWindowSeconds the API accepts.
	MaxStabilizationSeconds = 3600
	// DefaultDownscaleStabilizationSeconds is the controller flag
	// --horizontal-pod-autoscaler-downscale-stabilization (5 min). It is the
	// scale-down window when a behaviour leaves it out, and the window of the
	// legacy path.
	DefaultDownscaleStabilizationSeconds = 300
)

// ErrInvalid reports an autoscaler, behaviour or simulation environment that
// Kubernetes would reject or that the model cannot run. The error that wraps
// it names the field.
var ErrInvalid = errors.New("invalid autoscaler configuration")

// Policy is one HPAScalingPolicy: at most Value pods (Type [PodsPolicy]) or
// Value percent of the replicas at the start of the period (Type
// [PercentPolicy]) may be added or removed within any PeriodSeconds.
type Policy struct {
	Type          string `json:"type" yaml:"type"`
	Value         int    `json:"value" yaml:"value"`
	PeriodSeconds int    `json:"periodSeconds" yaml:"periodSeconds"`
}

// Rules is one direction of a behaviour (HPAScalingRules). A nil
// StabilizationWindowSeconds, an empty SelectPolicy or no Policies mean the
// field was left out, and the controller fills the Kubernetes default (see
// [DefaultBehavior]). Tolerance is the per-direction tolerance of the
// HPAConfigurableTolerance feature (Kubernetes ≥ 1.35); nil means the
// controller-wide tolerance. Field order follows the manifests surge
// writes.
type Rules struct {
	StabilizationWindowSeconds *int     `json:"stabilizationWindowSeconds,omitempty" yaml:"stabilizationWindowSeconds,omitempty"`
	SelectPolicy               string   `json:"selectPolicy,omitempty" yaml:"selectPolicy,omitempty"`
	Policies                   []Policy `json:"policies,omitempty" yaml:"policies,omitempty"`
	Tolerance                  *float64 `json:"tolerance,omitempty" yaml:"tolerance,omitempty"`
}

// Behavior is an HPA's spec.behavior. A nil direction is filled with the
// Kubernetes defaults, as the API server does.
type Behavior struct {
	ScaleUp   *Rules `json:"scaleUp,omitempty" yaml:"scaleUp,omitempty"`
	ScaleDown *Rules `json:"scaleDown,omitempty" yaml:"scaleDown,omitempty"`
}

// DefaultBehavior returns the behaviour Kubernetes applies when every field
// is left out (spec §6.1): scale up by the larger of 100 % and 4 pods per
// 15 s with no stabilisation; scale down by up to 100 % per 15 s after a
// 300 s stabilisation window.
func DefaultBehavior() Behavior {
	return Behavior{ScaleUp: defaultScaleUp(), ScaleDown: defaultScaleDown(DefaultDownscaleStabilizationSeconds)}
}

func defaultScaleUp() *Rules {
	return &Rules{
		StabilizationWindowSeconds: new(0),
		SelectPolicy:               SelectMax,
		Policies: []Policy{
			{Type: PercentPolicy, Value: 100, PeriodSeconds: 15},
			{Type: PodsPolicy, Value: 4, PeriodSeconds: 15},
		},
	}
}

func defaultScaleDown(window int) *Rules {
	return &Rules{
		StabilizationWindowSeconds: new(window),
		SelectPolicy:               SelectMax,
		Policies:                   []Policy{{Type: PercentPolicy, Value: 100, PeriodSeconds: 15}},
	}
}

// SpikeBehavior returns the behaviour surge plan recommends for a tier
// planned at nPlan replicas (spec §6.4 item 3): scale up at once by the
// larger of 900 % and ⌈nPlan/2⌉ pods per 15 s; scale down by 10 % per
// minute after a 600 s stabilisation window. The scale-down selectPolicy is
// left out, as in the manifests of spec §8.4 (the default is Max). nPlan
// below 2 is treated as 2, so the Pods policy allows at least one pod.
func SpikeBehavior(nPlan int) Behavior {
	half := (max(nPlan, 2) + 1) / 2
	return Behavior{
		ScaleUp: &Rules{
			StabilizationWindowSeconds: new(0),
			SelectPolicy:               SelectMax,
			Policies: []Policy{
				{Type: PercentPolicy, Value: 900, PeriodSeconds: 15},
				{Type: PodsPolicy, Value: half, PeriodSeconds: 15},
			},
		},
		ScaleDown: &Rules{
			StabilizationWindowSeconds: new(600),
			Policies:                   []Policy{{Type: PercentPolicy, Value: 10, PeriodSeconds: 60}},
		},
	}
}

// rules is one direction with every default filled, as the controller
// uses it.
type rules struct {
	window    float64 // stabilisation window, seconds
	selectPol string
	policies  []Policy
	longest   float64 // the longest policy period, seconds (scale events older than this are outdated)
	tolerance float64
}

// resolve fills the defaults of one direction the way the API server's
// defaulting (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules) and the
// controller's maybeInitScaleDownStabilizationWindow do.
func resolve(dir string, r, def *Rules, tolerance float64) (rules, error) {
	out := rules{selectPol: SelectMax, tolerance: tolerance}
	if r == nil {
		r = def
	}
	w := r.StabilizationWindowSeconds
	if w == nil {
		w = def.StabilizationWindowSeconds
	}
	if *w < 0 || *w > MaxStabilizationSeconds {
		return out, fmt.Errorf("%s stabilizationWindowSeconds %d outside 0–%d: %w", dir, *w, MaxStabilizationSeconds, ErrInvalid)
	}
	out.window = float64(*w)
	switch r.SelectPolicy {
	case "":
	case SelectMax, SelectMin, SelectDisabled:
		out.selectPol = r.SelectPolicy
	default:
		return out, fmt.Errorf("%s selectPolicy %q is not Max, Min or Disabled: %w", dir, r.SelectPolicy, ErrInvalid)
	}
	out.policies = r.Policies
	if len(out.policies) == 0 {
		out.policies = def.Policies
	}
	for i, p := range out.policies {
		if p.Type != PodsPolicy && p.Type != PercentPolicy {
			return out, fmt.Errorf("%s policy %d type %q is not Pods or Percent: %w", dir, i, p.Type, ErrInvalid)
		}
		if p.Value <= 0 {
			return out, fmt.Errorf("%s policy %d value %d is not positive: %w", dir, i, p.Value, ErrInvalid)
		}
		if p.PeriodSeconds <= 0 || p.PeriodSeconds > MaxPolicyPeriodSeconds {
			return out, fmt.Errorf("%s policy %d periodSeconds %d outside 1–%d: %w", dir, i, p.PeriodSeconds, MaxPolicyPeriodSeconds, ErrInvalid)
		}
		out.longest = math.Max(out.longest, float64(p.PeriodSeconds))
	}
	if r.Tolerance != nil {
		if *r.Tolerance < 0 || math.IsNaN(*r.Tolerance) {
			return out, fmt.Errorf("%s tolerance %v is negative: %w", dir, *r.Tolerance, ErrInvalid)
		}
		out.tolerance = *r.Tolerance
	}
	return out, nil
}
