package capacity

import "time"

// Method is the schema name of a [Report].
const Method = "surge.capacity/v1"

// Source says where a number comes from.
type Source string

// The sources of a [Value].
const (
	// Measured numbers come from a search (or were measured by the user:
	// a pod start-up time given in the forecast).
	Measured Source = "measured"
	// Fitted numbers come from the USL fit and carry a bootstrap interval.
	Fitted Source = "fitted"
	// Assumed numbers are inputs (forecast, SLO, policy, hardware) or
	// defaults that the user may argue with.
	Assumed Source = "assumed"
	// Computed numbers are arithmetic on the others.
	Computed Source = "computed"
)

// Value is one number of a report with its source and, when fitted, its
// 95 % interval.
type Value struct {
	Value  float64     `json:"value"`
	Source Source      `json:"source"`
	CI95   *[2]float64 `json:"ci95,omitempty"`
}

// Report is the results.json "capacity" block: the searches it was made
// from, the forecast and policy, and one analysis per tier.
type Report struct {
	// Method is [Method].
	Method string `json:"method"`
	// Scenario names the scenario, for the text header and YAML comments.
	Scenario string `json:"scenario,omitempty"`
	// Policy is the forecast's policy with its defaults filled in.
	Policy Policy `json:"policy"`
	// Forecast is the forecast planned for; nil when none was given.
	Forecast *Forecast `json:"forecast,omitempty"`
	// Searches are the input searches, in input order.
	Searches []Search `json:"searches"`
	// Tiers holds one analysis per tier searched, in order of first
	// appearance in Searches.
	Tiers []Tier `json:"tiers"`
	// Assumptions and Warnings are sentences about the whole report.
	Assumptions []string `json:"assumptions,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Tier is the analysis of one tier. Sections are nil when the data do not
// support them; Refusals then says why, in sentences.
type Tier struct {
	Name string `json:"name"`
	// Kind is the forecast's kind (deployment or aerospike); empty
	// without a forecast for the tier.
	Kind string `json:"kind,omitempty"`
	// Driver is the adapter the searches used.
	Driver string `json:"driver"`
	// TargetRef names the Kubernetes object: Deployment/ns/name or
	// AerospikeCluster/ns/name.
	TargetRef string  `json:"target_ref,omitempty"`
	SLO       TierSLO `json:"slo"`
	// Sizes holds one point per tested replica count, ascending.
	Sizes []Size `json:"sizes"`
	// MSTPerReplica is the MST of one replica, from the smallest size.
	MSTPerReplica *MST `json:"mst_per_replica,omitempty"`
	// SaturationPerReplica is the highest achieved rate of the same
	// search per replica; UsableFraction is MST over saturation.
	SaturationPerReplica *Value `json:"saturation_per_replica,omitempty"`
	UsableFraction       *Value `json:"usable_fraction,omitempty"`
	USL                  *USL   `json:"usl,omitempty"`
	Plan                 *Plan  `json:"plan,omitempty"`
	// Autoscaling is set for a planned deployment, KV for a planned
	// Aerospike cluster.
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`
	KV          *KV          `json:"kv,omitempty"`
	Pools       *Pools       `json:"pools,omitempty"`
	Assumptions []string     `json:"assumptions,omitempty"`
	Warnings    []string     `json:"warnings,omitempty"`
	Refusals    []string     `json:"refusals,omitempty"`
}

// TierSLO is the SLO the tier's searches judged against.
type TierSLO struct {
	Percentile   Value    `json:"percentile"`
	LimitMs      Value    `json:"limit_ms"`
	MaxErrorRate Value    `json:"max_error_rate"`
	Lines        []string `json:"lines,omitempty"`
}

// Size is the MST at one tested replica count: a point of the sweep.
type Size struct {
	Replicas Value `json:"replicas"`
	MST      Value `json:"mst"`
	// Searches is how many found searches were run at this size; the
	// lowest MST is used.
	Searches int `json:"searches"`
	// Fit and Residual are the USL prediction at this size and MST − Fit.
	Fit      *Value `json:"fit,omitempty"`
	Residual *Value `json:"residual,omitempty"`
}

// MST is the maximum sustainable throughput of one replica.
type MST struct {
	Value
	// Replicas is the size it was measured at; Value is that MST divided
	// by Replicas.
	Replicas int `json:"replicas"`
	// Bracket is the search's bracket per replica; the upper end is 0
	// when no failing rate was found.
	Bracket [2]Value `json:"bracket"`
	Confirm *Confirm `json:"confirm,omitempty"`
}

// Confirm summarises the confirmation stage at MST.
type Confirm struct {
	DurationS Value `json:"duration_s"`
	LatencyMs Value `json:"latency_ms"`
	MeanMs    Value `json:"mean_ms"`
	ErrorRate Value `json:"error_rate"`
}

// Param is one fitted USL coefficient with its standard error; SE is nil
// when the fit's normal matrix is singular.
type Param struct {
	Value
	SE *float64 `json:"se"`
}

// USL is the scale-out fit over the sizes (capacity-method.md §3).
type USL struct {
	Sigma  Param `json:"sigma"`
	Kappa  Param `json:"kappa"`
	Lambda Param `json:"lambda"`
	R2     Value `json:"r2"`
	// Points is how many sizes were fitted and NRange the smallest and
	// largest.
	Points      Value    `json:"points"`
	NRange      [2]Value `json:"n_range"`
	NStar       Peak     `json:"n_star"`
	XMax        Peak     `json:"x_max"`
	Superlinear bool     `json:"superlinear,omitempty"`
}

// Peak is N* or X_max: a claim only when the data identify it.
type Peak struct {
	// Value is the identified number; nil when not identified.
	Value *Value `json:"value"`
	// Fit is the fit's number with its bootstrap interval, identified or
	// not; nil when the fit has no peak (κ = 0).
	Fit *Value `json:"fit,omitempty"`
	// Status is identified, not_identified or none (κ = 0).
	Status string `json:"status"`
	// LowerBound is what the data do show when not identified: the
	// largest size tested (N*) or the largest MST measured (X_max).
	LowerBound *Value `json:"lower_bound,omitempty"`
}

// The statuses of a [Peak].
const (
	Identified    = "identified"
	NotIdentified = "not_identified"
	NoPeak        = "none"
)

// The labels of a [Plan].
const (
	LabelInRange       = "in_range"
	LabelExtrapolated  = "extrapolated"
	LabelRefused       = "refused"
	LabelAssumedLinear = "assumed_linear"
)

// Plan is the replica count for the forecast (capacity-method.md §4.4,
// §5.1 steps 2–6, §5.2 steps 1 and 4).
type Plan struct {
	// Model is usl or linear (assumed linear from the largest size).
	Model        string `json:"model"`
	ForecastPeak Value  `json:"forecast_peak"`
	// ForecastError is ε and ForecastFactor 1 + ε.
	ForecastError  Value `json:"forecast_error"`
	ForecastFactor Value `json:"forecast_factor"`
	// Skew is k_skew, measured per replica in a confirmation or assumed.
	Skew           Value `json:"skew"`
	MaxUtilisation Value `json:"max_utilisation"`
	// Headroom is the --headroom override; when set, the factors above
	// were not used.
	Headroom *Value `json:"headroom,omitempty"`
	// RequiredCapacity is C_req = F(1+ε)k_skew/u_max, or F × headroom.
	RequiredCapacity Value `json:"required_capacity"`
	// ReplicasForCapacity is ceil(N(C_req)); LinearWouldBe is
	// ceil(C_req/λ), what linear scaling would say.
	ReplicasForCapacity Value  `json:"replicas_for_capacity"`
	LinearWouldBe       *Value `json:"linear_would_be,omitempty"`
	// FailureDomain is node, zone or none and Spare the replicas it adds;
	// PodsPerNode is the node size a node spare is counted in.
	FailureDomain string `json:"failure_domain"`
	Spare         Value  `json:"spare"`
	PodsPerNode   *Value `json:"pods_per_node,omitempty"`
	// Zones is the multiple the plan is rounded to (racks for KV).
	Zones Value `json:"zones"`
	// Replicas is N_plan; nil when refused.
	Replicas *Value `json:"replicas,omitempty"`
	// CapacityAtPlan is X(N_plan) at the SLO, CapacityPerReplica that over
	// N_plan, ForecastShare F/X(N_plan) and HeadroomAtForecast 1 − that.
	CapacityAtPlan     *Value `json:"capacity_at_plan,omitempty"`
	CapacityPerReplica *Value `json:"capacity_per_replica,omitempty"`
	ForecastShare      *Value `json:"forecast_share,omitempty"`
	HeadroomAtForecast *Value `json:"headroom_at_forecast,omitempty"`
	// TestedMultiple is N_plan (or, when refused, the replicas needed)
	// over the largest tested size.
	TestedMultiple Value `json:"tested_multiple"`
	// Label is in_range, extrapolated, refused or assumed_linear.
	Label string `json:"label"`
	// Unattainable is set when C_req exceeds X_max: no size reaches it.
	Unattainable bool `json:"unattainable,omitempty"`
}

// Autoscaling is the autoscaling recommendation of a deployment
// (capacity-method.md §5.1 steps 7–9, §6.3, §6.4).
type Autoscaling struct {
	Reaction Reaction `json:"reaction"`
	Ramp     Ramp     `json:"ramp"`
	// Simulations are the simulated reactions to the ramp: the
	// recommended HPA and, with a CPU model, a default CPU HPA.
	Simulations []Simulation `json:"simulations"`
	// ReactiveOK says whether the recommended HPA alone keeps capacity
	// above the ramp; pre-scaling is emitted either way.
	ReactiveOK bool     `json:"reactive_ok"`
	Prescale   Prescale `json:"prescale"`
	HPA        HPA      `json:"hpa"`
	// Nodes is how many nodes of pods_per_node pods the plan needs.
	Nodes Value `json:"nodes"`
	// Tolerance is the HPA tolerance the notes are about: the default 0.1,
	// or the scale-up tolerance emitted for Kubernetes ≥ 1.35.
	Tolerance Value `json:"tolerance"`
	// Notes are sentences about the settings.
	Notes []string `json:"notes,omitempty"`
}

// Reaction is the reaction-time budget T_react = lag + sync + ready.
type Reaction struct {
	MetricLagS Value `json:"metric_lag_s"`
	SyncS      Value `json:"sync_s"`
	PodReadyS  Value `json:"pod_ready_s"`
	TotalS     Value `json:"total_s"`
}

// Ramp is the forecast's load curve: BAU to the event peak over Seconds.
type Ramp struct {
	BAU     Value `json:"bau"`
	Peak    Value `json:"peak"`
	Seconds Value `json:"seconds"`
	// Ratio is Peak over BAU; nil without a BAU peak.
	Ratio *Value `json:"ratio,omitempty"`
}

// Simulation is the simulated reaction of one HPA set-up to the ramp.
type Simulation struct {
	// Name is cpu_default or recommended; Label says it in words.
	Name  string `json:"name"`
	Label string `json:"label"`
	// Target is the metric target: CPU utilisation in percent, or
	// req/s per pod.
	Target Value `json:"target"`
	// Start is the replicas at the start of the ramp.
	Start Value `json:"start"`
	// CapacityAfterS is the first second after which capacity stays at or
	// above the load; nil when that never happened in Seconds.
	CapacityAfterS *Value `json:"capacity_after_s"`
	SecondsOver    Value  `json:"seconds_over"`
	TimedOut       Value  `json:"timed_out"`
	Seconds        Value  `json:"seconds"`
	// OK says whether capacity never fell below the load.
	OK bool `json:"ok"`
}

// Prescale is the pre-scale window: a floor of Replicas from From to To.
type Prescale struct {
	Replicas Value     `json:"replicas"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	LeadS    Value     `json:"lead_s"`
	HoldS    Value     `json:"hold_s"`
	Timezone string    `json:"timezone"`
	// Start and End are the KEDA cron trigger's 5-field lines in Timezone.
	Start string `json:"start"`
	End   string `json:"end"`
	// RemoveAfter is the date (in Timezone) after which the cron trigger
	// should be deleted: a line without a year recurs yearly.
	RemoveAfter string `json:"remove_after"`
}

// HPA holds the autoscaler's settings.
type HPA struct {
	Min Value `json:"min"`
	// BAUReplicas is ceil(BAU/T_pod), before the zone rounding of Min.
	BAUReplicas Value `json:"bau_replicas"`
	Max         Value `json:"max"`
	// RPSPerPod is T_pod = ceil(F/N_plan), the external metric's
	// AverageValue target.
	RPSPerPod Value `json:"rps_per_pod"`
	// CPUUtilisation is the CPU backstop target in percent; nil without a
	// CPU model.
	CPUUtilisation *Value   `json:"cpu_utilisation,omitempty"`
	Behavior       Behavior `json:"behavior"`
}

// Behavior is an HPA behaviour (autoscaling/v2), all of it assumed
// (capacity-method.md §6.4 item 3).
type Behavior struct {
	Source    Source `json:"source"`
	ScaleUp   Rules  `json:"scale_up"`
	ScaleDown Rules  `json:"scale_down"`
}

// Rules is one direction of a [Behavior].
type Rules struct {
	StabilizationWindowSeconds int          `json:"stabilization_window_seconds"`
	SelectPolicy               string       `json:"select_policy,omitempty"`
	Policies                   []RulePolicy `json:"policies"`
}

// RulePolicy is one scaling policy: Type Pods or Percent, Value per
// PeriodSeconds.
type RulePolicy struct {
	Type          string `json:"type"`
	Value         int    `json:"value"`
	PeriodSeconds int    `json:"period_seconds"`
}

// KV is the sizing of an Aerospike cluster (capacity-method.md §5.2).
type KV struct {
	ReplicationFactor Value  `json:"replication_factor"`
	Racks             Value  `json:"racks"`
	CurrentSize       *Value `json:"current_size,omitempty"`
	// ThroughputNodes is N_tps and AfterLoss N_tps plus the failure
	// domain's spare.
	ThroughputNodes Value `json:"throughput_nodes"`
	AfterLoss       Value `json:"after_loss"`
	// MemoryNodes and DiskNodes are nil when records, record size or node
	// memory and disk were not given.
	Memory      *KVMemory `json:"memory,omitempty"`
	Disk        *KVDisk   `json:"disk,omitempty"`
	MemoryNodes *Value    `json:"memory_nodes,omitempty"`
	DiskNodes   *Value    `json:"disk_nodes,omitempty"`
	// Size is the final node count and PerRack Size over Racks.
	Size        Value       `json:"size"`
	PerRack     Value       `json:"per_rack"`
	PostFailure PostFailure `json:"post_failure"`
	// ResizeBy is the latest time to resize: LeadH before the event;
	// ResizeByDate the last whole day before it, in the forecast's zone.
	ResizeBy     time.Time `json:"resize_by"`
	ResizeByDate string    `json:"resize_by_date"`
	LeadH        Value     `json:"lead_h"`
	// ConfirmRate is F(1+ε): the confirmation to run after migrations.
	ConfirmRate Value `json:"confirm_rate"`
}

// KVMemory is the primary-index memory of the cluster.
type KVMemory struct {
	IndexBytes   Value `json:"index_bytes"`
	PerNodeBytes Value `json:"per_node_bytes"`
	NodeBytes    Value `json:"node_bytes"`
	// Fraction is the share of node memory the index may use (0.60) and
	// LimitBytes that share of NodeBytes.
	Fraction   Value `json:"fraction"`
	LimitBytes Value `json:"limit_bytes"`
}

// KVDisk is the stored data of the cluster.
type KVDisk struct {
	Bytes        Value `json:"bytes"`
	PerNodeBytes Value `json:"per_node_bytes"`
	NodeBytes    Value `json:"node_bytes"`
	// Share is PerNodeBytes over NodeBytes and Fraction the highest share
	// allowed (0.50).
	Share    Value `json:"share"`
	Fraction Value `json:"fraction"`
}

// PostFailure checks the cluster with one node lost.
type PostFailure struct {
	Capacity      Value  `json:"capacity"`
	ForecastShare Value  `json:"forecast_share"`
	MemoryPerNode *Value `json:"memory_per_node,omitempty"`
	OK            bool   `json:"ok"`
}

// Pools are the Little's-law and Erlang-C sizes (capacity-method.md §4.1,
// §4.2): concurrency inside one replica at its share of the forecast, the
// pool that serves 1.5× that with P(wait) ≤ 1 %, and the load generator.
type Pools struct {
	// MeanLatencyMs is the mean latency of the confirmation at MST, an
	// upper bound for lower loads.
	MeanLatencyMs Value `json:"mean_latency_ms"`
	// PerReplicaRate is the forecast per replica (T_pod for a deployment).
	PerReplicaRate Value `json:"per_replica_rate"`
	InFlight       Value `json:"in_flight"`
	LoadFactor     Value `json:"load_factor"`
	// Busy is a = LoadFactor × PerReplicaRate × mean latency.
	Busy    Value `json:"busy"`
	MaxWait Value `json:"max_wait"`
	// Size is the smallest pool with Erlang C P(wait) ≤ MaxWait, and
	// Wait its P(wait).
	Size Value `json:"size"`
	Wait Value `json:"wait"`
	// ClientQueue is the Aerospike Go client's default connections per
	// node, for comparison (aerospike tiers only).
	ClientQueue *Value     `json:"client_queue,omitempty"`
	Generator   *Generator `json:"generator,omitempty"`
}

// Generator sizes the load generator for the confirmation at the plan.
type Generator struct {
	TestRate      Value `json:"test_rate"`
	OpsPerDriver  Value `json:"ops_per_driver"`
	Drivers       Value `json:"drivers"`
	RatePerDriver Value `json:"rate_per_driver"`
	TimeoutS      Value `json:"timeout_s"`
	// InFlightCap is RatePerDriver × TimeoutS: the in-flight slots each
	// driver needs so that a target stall shows as latency, not lag.
	InFlightCap Value `json:"in_flight_cap"`
}
