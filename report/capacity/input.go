package capacity

import "time"

// SLO is what a search judges against.
type SLO struct {
	// Percentile is the SLO quantile as a fraction, e.g. 0.99.
	Percentile float64 `json:"percentile"`
	// LimitMs is the latency limit of that quantile in milliseconds,
	// measured from the intended start of each op.
	LimitMs float64 `json:"limit_ms"`
	// MaxErrorRate is the highest error rate allowed, as a fraction.
	MaxErrorRate float64 `json:"max_error_rate"`
	// Lines is every SLO line applied, as text ("pdp-read p99 ≤ 25 ms").
	Lines []string `json:"lines,omitempty"`
}

// Search is one MST search of one tier (scenario target) at one replica
// count, as the search (package findmax) records it in results.json.
type Search struct {
	// Tier is the scenario target searched.
	Tier string `json:"tier"`
	// Driver is the adapter that drove it: sim, aerospike, redis or http.
	Driver string `json:"driver"`
	// Replicas is how many pods or nodes the target had (sim: its
	// replicas).
	Replicas int `json:"replicas"`
	// SLO is what the search judged against.
	SLO SLO `json:"slo"`
	// Status says how the search ended: "found", "none_passed",
	// "invalid" or "incomplete".
	Status string `json:"status"`
	// Reason is a sentence when the status is not "found".
	Reason string `json:"reason,omitempty"`
	// MST is the maximum sustainable throughput in ops/s; 0 unless found.
	MST float64 `json:"mst"`
	// Bracket is [lo, hi) in ops/s; hi = 0 when no failing rate was found.
	Bracket [2]float64 `json:"bracket"`
	// Saturation is the highest achieved rate over all probes, ops/s.
	Saturation float64 `json:"saturation"`
	// Confirm is the confirmation stage that passed at MST.
	Confirm *Probe `json:"confirm,omitempty"`
	// Skew is the measured max/mean load per replica in the confirmation;
	// 0 when not measured.
	Skew float64 `json:"skew,omitempty"`
	// Probes is every stage of the search, in order.
	Probes []Probe `json:"probes"`
}

// Probe is one stage of a search.
type Probe struct {
	// Stage is the stage's name in results.json stages.
	Stage string `json:"stage"`
	// Phase is probe, bisect or confirm.
	Phase string `json:"phase"`
	// Rate is the intended rate and Achieved the completed rate, ops/s.
	Rate     float64 `json:"rate"`
	Achieved float64 `json:"achieved"`
	// DurationS is the measured part of the stage, after warm-up.
	DurationS float64 `json:"duration_s"`
	// Samples is how many ops were measured.
	Samples int64 `json:"samples"`
	// LatencyMs is the SLO percentile of latency from the intended start;
	// MeanMs, P50Ms and P99Ms the mean and two fixed percentiles.
	LatencyMs float64 `json:"latency_ms"`
	MeanMs    float64 `json:"mean_ms"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	// ErrorRate is the fraction of ops that failed.
	ErrorRate float64 `json:"error_rate"`
	// Verdict is pass, fail or invalid, and Reasons says why when not pass.
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons,omitempty"`
}

// Forecast is the load a plan is made for: one event, per tier its peak,
// and the policy that turns peaks into capacity.
type Forecast struct {
	// Event is when the event's load starts.
	Event time.Time `json:"event"`
	// Timezone is the IANA zone the pre-scale window is written in.
	Timezone string `json:"timezone"`
	// Hold is how long after the event start the peak may last, seconds
	// (default 7200).
	Hold float64 `json:"hold_s"`
	// Lead is how long before the event the tier is pre-scaled, seconds
	// (default 1800).
	Lead float64 `json:"lead_s"`
	// Tiers holds the forecast of each tier.
	Tiers []TierForecast `json:"tiers"`
	// Policy holds the headroom factors and output choices.
	Policy Policy `json:"policy"`
}

// TierForecast is the forecast of one tier and what the planner needs to
// know about how it runs.
type TierForecast struct {
	// Name is the scenario target's name.
	Name string `json:"name"`
	// Kind is "deployment" or "aerospike".
	Kind string `json:"kind"`
	// Namespace and Object name the Kubernetes object (Object defaults to
	// Name).
	Namespace string `json:"namespace,omitempty"`
	Object    string `json:"object,omitempty"`
	// BAUPeak and EventPeak are the everyday and the event peak, req/s.
	BAUPeak   float64 `json:"bau_peak,omitempty"`
	EventPeak float64 `json:"event_peak"`
	// RampS is how many seconds the load takes from BAU to event peak.
	RampS float64 `json:"ramp_s,omitempty"`
	// Zones and PodsPerNode describe a deployment's spread; defaults 3
	// and 8.
	Zones       int `json:"zones,omitempty"`
	PodsPerNode int `json:"pods_per_node,omitempty"`
	// PodReadyS and MetricLagS are the measured pod start-up and metric
	// pipeline lag in seconds; 0 takes the defaults 45 and 30, named as
	// assumptions.
	PodReadyS  float64 `json:"pod_ready_s,omitempty"`
	MetricLagS float64 `json:"metric_lag_s,omitempty"`
	// CPURequest is a pod's CPU request in cores and CPUBase + CPUPerRequest
	// × req/s its measured CPU use per pod in cores; all three are needed
	// for a CPU trigger.
	CPURequest    float64 `json:"cpu_request,omitempty"`
	CPUBase       float64 `json:"cpu_base,omitempty"`
	CPUPerRequest float64 `json:"cpu_per_request,omitempty"`
	// Prometheus is the server address and Query the request-rate query
	// of an optional KEDA prometheus trigger.
	Prometheus string `json:"prometheus,omitempty"`
	Query      string `json:"query,omitempty"`
	// MaxReplicas is a quota on the replica count; 0 = none.
	MaxReplicas int `json:"max_replicas,omitempty"`
	// ReplicationFactor, Racks and CurrentSize describe an Aerospike
	// cluster.
	ReplicationFactor int `json:"replication_factor,omitempty"`
	Racks             int `json:"racks,omitempty"`
	CurrentSize       int `json:"current_size,omitempty"`
	// Records is the number of master records, RecordBytes the stored
	// size of one copy, NodeMemoryBytes and NodeDiskBytes a node's
	// namespace memory and device bytes.
	Records         float64 `json:"records,omitempty"`
	RecordBytes     float64 `json:"record_bytes,omitempty"`
	NodeMemoryBytes float64 `json:"node_memory_bytes,omitempty"`
	NodeDiskBytes   float64 `json:"node_disk_bytes,omitempty"`
}

// Policy holds the headroom factors (capacity-method.md §4.4) and the
// output choices of a plan. Zero numbers take the defaults.
type Policy struct {
	// ForecastError is ε, default 0.20.
	ForecastError float64 `json:"forecast_error"`
	// MaxUtilisation is u_max, the highest fraction of SLO capacity the
	// inflated peak may use; default 0.85.
	MaxUtilisation float64 `json:"max_utilisation"`
	// Skew is k_skew; 0 uses the measured skew, or 1.10 when none was
	// measured.
	Skew float64 `json:"skew,omitempty"`
	// FailureDomain is node (default), zone or none.
	FailureDomain string `json:"failure_domain"`
	// Headroom, when set, replaces the product (1+ε)·k_skew/u_max.
	Headroom float64 `json:"headroom,omitempty"`
	// KEDA selects a KEDA ScaledObject (true) or two autoscaling/v2
	// HorizontalPodAutoscalers (false) for deployments. The zero value is
	// false; the scenario loader defaults it to true.
	KEDA bool `json:"keda"`
	// KEDAVersion and KubernetesVersion gate fields: fallback next to a
	// cpu trigger needs KEDA ≥ 2.17, tolerance needs Kubernetes ≥ 1.35.
	// Empty means unknown.
	KEDAVersion       string `json:"keda_version,omitempty"`
	KubernetesVersion string `json:"kubernetes_version,omitempty"`
}
