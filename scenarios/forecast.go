package scenarios

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	// Forecast timezones are IANA names; with the database embedded, a
	// scenario loads the same on a laptop and in a distroless container.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"
)

// Forecast is the sale event a capacity plan is made for: when it starts,
// how long its peak lasts, each tier's expected load and how it runs, and
// the headroom policy (capacity-method.md §1, §4.4, §5).
type Forecast struct {
	// Event is when the event starts, in Location.
	Event time.Time
	// Location is the timezone of schedules around the event (KEDA cron
	// triggers): an IANA zone; default the event's UTC offset as a fixed
	// zone named like "UTC+05:30" (or UTC), which is no IANA name.
	Location *time.Location
	// Hold is how long after Event the peak may last, > 0; default 2h.
	Hold time.Duration
	// Lead is how long before Event pre-scaling starts; default 30m.
	Lead time.Duration
	// Tiers are the forecast tiers, in file order, one per target at most.
	Tiers []ForecastTier
	// Policy is the headroom and autoscaling policy.
	Policy ForecastPolicy
}

// The kinds of tier a forecast plans for.
const (
	TierDeployment = "deployment" // a stateless Deployment scaled by an HPA
	TierAerospike  = "aerospike"  // an AerospikeCluster sized for the event
)

// ForecastTier is one tier's forecast: a scenario target and the
// Kubernetes object that serves it. Rates are req/s (ops/s of the target).
type ForecastTier struct {
	// Target indexes Plan.Targets, and Name is its name; Target is -1 in
	// a forecast read on its own ([ParseForecast]).
	Target int
	Name   string
	// Kind is TierDeployment or TierAerospike; default aerospike for a
	// target of the aerospike driver, else deployment.
	Kind string
	// Namespace and Object name the Kubernetes object: default "default"
	// and the tier's name.
	Namespace, Object string
	// BAUPeak is the business-as-usual peak, >= 0 and at most EventPeak; 0
	// = unknown.
	BAUPeak float64
	// EventPeak is the forecast peak, > 0.
	EventPeak float64
	// Ramp is how long the load takes from BAUPeak to EventPeak; default 60s.
	Ramp time.Duration
	// MaxReplicas is the quota of pods (deployment) or nodes (aerospike);
	// 0 = none.
	MaxReplicas int

	// Deployment only.

	// Zones the pods spread over, >= 1; default 3 (0 for aerospike).
	Zones int
	// PodsPerNode is how many of the tier's pods share a node, >= 1;
	// default 8 (0 for aerospike).
	PodsPerNode int
	// PodReady is how long a new pod takes to become ready and MetricLag
	// how old the autoscaling metric is; 0 = unknown (the planner assumes
	// 45s and 30s, and says so).
	PodReady, MetricLag time.Duration
	// CPU is the per-pod CPU model; nil = none (no CPU trigger).
	CPU *ForecastCPU
	// Prometheus is the request-rate metric of a KEDA prometheus trigger;
	// nil = none.
	Prometheus *ForecastPrometheus

	// Aerospike only.

	// ReplicationFactor is the namespace's, >= 1; default 2 (0 for a
	// deployment).
	ReplicationFactor int
	// Racks the nodes spread over, >= 1; default 1 (0 for a deployment).
	Racks int
	// Records is how many records the namespace holds; 0 = unknown.
	Records float64
	// RecordSize is a record's stored size, NodeMemory and NodeDisk a
	// node's namespace memory and device space, in bytes; 0 = unknown.
	RecordSize, NodeMemory, NodeDisk float64
	// CurrentSize is the cluster's node count today; 0 = unknown.
	CurrentSize int
}

// ForecastCPU is a pod's CPU model, in cores: it uses Base + PerRequest ×
// its req/s, and requests Request.
type ForecastCPU struct {
	Request    float64 // > 0
	Base       float64 // >= 0
	PerRequest float64 // >= 0
}

// ForecastPrometheus is a PromQL query of a tier's total request rate.
type ForecastPrometheus struct {
	Server string // an http or https URL
	Query  string
}

// ForecastPolicy is the headroom and autoscaling policy of a plan
// (capacity-method.md §4.4): required capacity = forecast × (1 +
// ForecastError) × Skew ÷ MaxUtilisation, then failure-domain spares.
type ForecastPolicy struct {
	// ForecastError is the allowance for a forecast that is too low, in
	// [0, 5]; default 0.20.
	ForecastError float64
	// MaxUtilisation is the highest fraction of SLO capacity used at the
	// inflated peak, in (0, 1]; default 0.85.
	MaxUtilisation float64
	// Skew is max/mean load per replica, >= 1; 0 (default) = as measured,
	// or 1.10 when not measured.
	Skew float64
	// FailureDomain is what the plan survives losing: "node" (default),
	// "zone" or "none".
	FailureDomain string
	// Headroom, >= 1, replaces the product of the factors above; 0
	// (default) = none.
	Headroom float64
	// KEDA emits a KEDA ScaledObject (default true) rather than an HPA and
	// a scheduled minReplicas.
	KEDA bool
	// KEDAVersion and KubernetesVersion ("2.18", "1.33") gate the fields
	// the plan may use; "" = unknown.
	KEDAVersion, KubernetesVersion string
}

// Defaults of a forecast (capacity-method.md §10).
const (
	defaultHold           = 2 * time.Hour
	defaultLead           = 30 * time.Minute
	defaultRamp           = time.Minute
	defaultZones          = 3
	defaultPodsPerNode    = 8
	defaultReplication    = 2
	defaultForecastError  = 0.20
	defaultMaxUtilisation = 0.85
	maxForecastError      = 5
)

var (
	forecastKeys = []string{"event", "timezone", "hold", "lead", "tiers", "policy"}
	tierKeys     = []string{"kind", "namespace", "object", "bau_peak", "event_peak", "ramp", "max_replicas",
		"zones", "pods_per_node", "pod_ready", "metric_lag", "cpu", "prometheus",
		"replication_factor", "racks", "records", "record_size", "node_memory", "node_disk", "current_size"}
	// tierKindKeys are the keys that apply to one kind of tier only.
	tierKindKeys = map[string][]string{
		TierDeployment: {"zones", "pods_per_node", "pod_ready", "metric_lag", "cpu", "prometheus"},
		TierAerospike:  {"replication_factor", "racks", "records", "record_size", "node_memory", "node_disk", "current_size"},
	}
	policyKeys = []string{"forecast_error", "max_utilisation", "skew", "failure_domain", "headroom", "keda",
		"keda_version", "kubernetes_version"}
)

// LoadForecast reads the forecast: block of the YAML file at path: a whole
// scenario (a file with targets), which must be valid and have the block,
// or a file holding only the block. See [ParseForecast].
func LoadForecast(path string, opts ...Option) (*Forecast, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load forecast: %w", err)
	}
	return ParseForecast(path, data, opts...)
}

// ParseForecast reads the forecast: block of a YAML file called name, as
// [Parse] reads a scenario; problems come back as an [ErrorList]. Outside
// a scenario there are no targets to check the tiers against: each tier's
// Target is -1, its Name the name in the file, and its kind defaults to
// deployment.
func ParseForecast(name string, data []byte, opts ...Option) (*Forecast, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, ErrorList{syntaxError(name, data, err)}
	}
	if root == nil {
		return nil, ErrorList{{File: name, Line: 1, Col: 1, Msg: "empty file: expected a forecast: block, or a scenario with one"}}
	}
	if root = withoutExtensions(root); keyNode(root, "targets", nil) != nil {
		p, err := Parse(name, data, opts...)
		if err != nil {
			return nil, err
		}
		if p.Forecast == nil {
			return nil, ErrorList{{File: name, Line: max(root.Line, 1), Col: max(root.Column, 1),
				Msg: "the scenario: no forecast: block to plan for"}}
		}
		return p.Forecast, nil
	}
	d := newDecoder(name, opts)
	d.forecastOnly = true
	p := &Plan{}
	if f, ok := d.fields(root, "the forecast file", []string{"forecast"}, []string{"forecast"}); ok && f["forecast"] != nil {
		d.forecast(f["forecast"], p)
	}
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	return p.Forecast, nil
}

func (d *decoder) forecast(n *yaml.Node, p *Plan) {
	f, ok := d.fields(n, "forecast", forecastKeys, []string{"event", "tiers"})
	if !ok {
		return
	}
	fc := &Forecast{Hold: defaultHold, Lead: defaultLead, Policy: ForecastPolicy{ForecastError: defaultForecastError,
		MaxUtilisation: defaultMaxUtilisation, FailureDomain: "node", KEDA: true}}
	if n := f["event"]; n != nil {
		if s, ok := d.str(n, "forecast: event"); ok {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				d.errorf(n, "forecast: event: expected an RFC 3339 time with its UTC offset, like 2026-11-22T00:00:00+05:30, got %q", s)
			}
			fc.Event, fc.Location = t, offsetZone(t)
		}
	}
	if n := f["timezone"]; n != nil {
		if loc, ok := d.timezone(n); ok {
			fc.Location = loc
		}
	}
	if fc.Location != nil {
		fc.Event = fc.Event.In(fc.Location)
	}
	if n := f["hold"]; n != nil {
		if v, ok := d.duration(n, "forecast: hold"); ok && v <= 0 {
			d.errorf(n, "forecast: hold: expected more than 0s, how long the peak lasts")
		} else if ok {
			fc.Hold = v
		}
	}
	if n := f["lead"]; n != nil {
		fc.Lead, _ = d.duration(n, "forecast: lead")
	}
	if n := f["tiers"]; n != nil {
		fc.Tiers = d.forecastTiers(n, p)
	}
	if n := f["policy"]; n != nil {
		d.forecastPolicy(n, &fc.Policy)
	}
	p.Forecast = fc
}

// offsetZone returns t's UTC offset as a fixed zone named like UTC+05:30,
// or UTC.
func offsetZone(t time.Time) *time.Location {
	_, off := t.Zone()
	if off == 0 {
		return time.UTC
	}
	sign, abs := '+', off
	if off < 0 {
		sign, abs = '-', -off
	}
	return time.FixedZone(fmt.Sprintf("UTC%c%02d:%02d", sign, abs/3600, abs%3600/60), off)
}

// timezone reads an IANA timezone name.
func (d *decoder) timezone(n *yaml.Node) (*time.Location, bool) {
	s, ok := d.str(n, "forecast: timezone")
	if !ok {
		return nil, false
	}
	// "" and "Local" load, as UTC and as the machine's zone: neither names
	// the event's zone.
	loc, err := time.LoadLocation(s)
	if err != nil || s == "" || s == "Local" {
		d.errorf(n, "forecast: timezone: unknown time zone %q: expected an IANA name like Asia/Kolkata or UTC", s)
		return nil, false
	}
	return loc, true
}

// objectNameRE is a Kubernetes object name (an RFC 1123 subdomain).
var objectNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)

func (d *decoder) forecastTiers(n *yaml.Node, p *Plan) []ForecastTier {
	targets := names(p.Targets, func(t Target) string { return t.Name })
	var out []ForecastTier
	for _, e := range d.named(n, "forecast: tiers") {
		what := fmt.Sprintf("forecast: tier %q", e.key.Value)
		t, tok := -1, true
		if !d.forecastOnly {
			t, tok = d.ref(e.key, "forecast: tiers", "target", targets)
		}
		f, ok := d.fields(e.val, what, tierKeys, []string{"event_peak"})
		if !tok || !ok {
			continue
		}
		tier := ForecastTier{Target: t, Name: e.key.Value, Kind: TierDeployment, Namespace: "default", Object: e.key.Value, Ramp: defaultRamp}
		if t >= 0 && p.Targets[t].Driver == "aerospike" {
			tier.Kind = TierAerospike
		}
		if n := f["kind"]; n != nil {
			if k, ok := d.oneOf(n, what+": kind", []string{TierDeployment, TierAerospike}); ok {
				tier.Kind = k
			}
		}
		d.tierObject(e.key, what, f, &tier)
		d.tierLoad(what, f, &tier)
		for kind, keys := range tierKindKeys {
			for _, k := range keys {
				if f[k] != nil && kind != tier.Kind {
					d.errorf(keyNode(resolve(e.val), k, f[k]), "%s: %s applies to %s tiers only; this tier's kind is %s", what, k, kind, tier.Kind)
					delete(f, k)
				}
			}
		}
		if tier.Kind == TierDeployment {
			d.deploymentTier(what, f, &tier)
		} else {
			d.aerospikeTier(what, f, &tier)
		}
		out = append(out, tier)
	}
	return out
}

// tierObject reads the tier's Kubernetes namespace and object name.
func (d *decoder) tierObject(key *yaml.Node, what string, f map[string]*yaml.Node, tier *ForecastTier) {
	if n := f["namespace"]; n != nil {
		if s, ok := d.str(n, what+": namespace"); ok && !scenarioNameRE.MatchString(s) {
			d.errorf(n, "%s: namespace: expected a Kubernetes namespace: lower-case letters, digits and '-', at most 63 long, got %q", what, s)
		} else if ok {
			tier.Namespace = s
		}
	}
	n := f["object"]
	if n == nil {
		if !objectNameRE.MatchString(tier.Object) {
			d.errorf(key, "%s: %q is not a Kubernetes object name; set object: to the name of the %s", what, tier.Object, tier.Kind)
		}
		return
	}
	if s, ok := d.str(n, what+": object"); ok && !objectNameRE.MatchString(s) {
		d.errorf(n, "%s: object: expected a Kubernetes object name: lower-case letters, digits, '-' and '.', at most 253 long, got %q", what, s)
	} else if ok {
		tier.Object = s
	}
}

// tierLoad reads what every tier has: its load and its quota.
func (d *decoder) tierLoad(what string, f map[string]*yaml.Node, tier *ForecastTier) {
	if n := f["event_peak"]; n != nil {
		if v, ok := d.rate(n, what+": event_peak"); ok && v <= 0 {
			d.errorf(n, "%s: event_peak: expected a rate above 0", what)
		} else if ok {
			tier.EventPeak = v
		}
	}
	if n := f["bau_peak"]; n != nil {
		if v, ok := d.rate(n, what+": bau_peak"); ok && tier.EventPeak > 0 && v > tier.EventPeak {
			d.errorf(n, "%s: bau_peak (%g req/s) is above event_peak (%g req/s)", what, v, tier.EventPeak)
		} else if ok {
			tier.BAUPeak = v
		}
	}
	if n := f["ramp"]; n != nil {
		tier.Ramp, _ = d.duration(n, what+": ramp")
	}
	if n := f["max_replicas"]; n != nil {
		tier.MaxReplicas, _ = d.atLeast(n, what+": max_replicas", 1)
	}
}

// atLeast reads a whole number of at least lo.
func (d *decoder) atLeast(n *yaml.Node, what string, lo int) (int, bool) {
	v, ok := d.integer(n, what)
	if ok && v < lo {
		d.errorf(n, "%s: expected at least %d, got %d", what, lo, v)
		return 0, false
	}
	return v, ok
}

func (d *decoder) deploymentTier(what string, f map[string]*yaml.Node, tier *ForecastTier) {
	tier.Zones, tier.PodsPerNode = defaultZones, defaultPodsPerNode
	if n := f["zones"]; n != nil {
		if v, ok := d.atLeast(n, what+": zones", 1); ok {
			tier.Zones = v
		}
	}
	if n := f["pods_per_node"]; n != nil {
		if v, ok := d.atLeast(n, what+": pods_per_node", 1); ok {
			tier.PodsPerNode = v
		}
	}
	if n := f["pod_ready"]; n != nil {
		tier.PodReady, _ = d.duration(n, what+": pod_ready")
	}
	if n := f["metric_lag"]; n != nil {
		tier.MetricLag, _ = d.duration(n, what+": metric_lag")
	}
	if n := f["cpu"]; n != nil {
		tier.CPU = d.tierCPU(n, what+": cpu")
	}
	if n := f["prometheus"]; n != nil {
		tier.Prometheus = d.tierPrometheus(n, what+": prometheus")
	}
}

func (d *decoder) tierCPU(n *yaml.Node, what string) *ForecastCPU {
	f, ok := d.fields(n, what, []string{"request", "base", "per_request"}, []string{"request", "per_request"})
	if !ok {
		return nil
	}
	c := &ForecastCPU{}
	if n := f["request"]; n != nil {
		if v, ok := d.cores(n, what+": request"); ok && v <= 0 {
			d.errorf(n, "%s: request: expected more than 0 cores", what)
		} else if ok {
			c.Request = v
		}
	}
	if n := f["base"]; n != nil {
		c.Base, _ = d.cores(n, what+": base")
	}
	if n := f["per_request"]; n != nil {
		c.PerRequest, _ = d.cores(n, what+": per_request")
	}
	return c
}

func (d *decoder) tierPrometheus(n *yaml.Node, what string) *ForecastPrometheus {
	f, ok := d.fields(n, what, []string{"server", "query"}, []string{"server", "query"})
	if !ok {
		return nil
	}
	pr := &ForecastPrometheus{}
	if n := f["server"]; n != nil {
		if s, ok := d.str(n, what+": server"); ok {
			if u, err := url.Parse(s); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" ||
				u.RawQuery != "" || u.Fragment != "" {
				d.errorf(n, "%s: server: expected the Prometheus server's http or https URL, like http://prometheus.monitoring.svc:9090, got %q", what, s)
			} else {
				pr.Server = s
			}
		}
	}
	if n := f["query"]; n != nil {
		if s, ok := d.str(n, what+": query"); ok && strings.TrimSpace(s) == "" {
			d.errorf(n, "%s: query: expected a PromQL query of the tier's request rate", what)
		} else {
			pr.Query = s
		}
	}
	return pr
}

func (d *decoder) aerospikeTier(what string, f map[string]*yaml.Node, tier *ForecastTier) {
	tier.ReplicationFactor, tier.Racks = defaultReplication, 1
	ints := []struct {
		key string
		v   *int
		lo  int
	}{{"replication_factor", &tier.ReplicationFactor, 1}, {"racks", &tier.Racks, 1}, {"current_size", &tier.CurrentSize, 1}}
	for _, i := range ints {
		if n := f[i.key]; n != nil {
			if v, ok := d.atLeast(n, what+": "+i.key, i.lo); ok {
				*i.v = v
			}
		}
	}
	if n := f["records"]; n != nil {
		tier.Records, _ = d.count(n, what+": records")
	}
	sizes := []struct {
		key string
		v   *float64
	}{{"record_size", &tier.RecordSize}, {"node_memory", &tier.NodeMemory}, {"node_disk", &tier.NodeDisk}}
	for _, s := range sizes {
		if n := f[s.key]; n != nil {
			if v, ok := d.bytes(n, what+": "+s.key); ok && v <= 0 {
				d.errorf(n, "%s: %s: expected a size above 0", what, s.key)
			} else if ok {
				*s.v = v
			}
		}
	}
}

// versionRE is a MAJOR.MINOR version, optionally .PATCH and a leading v.
var versionRE = regexp.MustCompile(`^v?([0-9]{1,4}\.[0-9]{1,4}(\.[0-9]{1,4})?)$`)

func (d *decoder) forecastPolicy(n *yaml.Node, pol *ForecastPolicy) {
	f, ok := d.fields(n, "forecast: policy", policyKeys, nil)
	if !ok {
		return
	}
	const what = "forecast: policy"
	ratio := func(key string, v *float64, ok func(float64) bool, want string) {
		if n := f[key]; n != nil {
			if x, rok := d.percent(n, what+": "+key); rok && !ok(x) {
				d.errorf(n, "%s: %s: expected %s, got %q", what, key, want, n.Value)
			} else if rok {
				*v = x
			}
		}
	}
	ratio("forecast_error", &pol.ForecastError, func(x float64) bool { return x <= maxForecastError }, "0% to 500%")
	ratio("max_utilisation", &pol.MaxUtilisation, func(x float64) bool { return x > 0 && x <= 1 }, "more than 0% and at most 100%")
	atLeastOne := func(key string, v *float64, why string) {
		if n := f[key]; n != nil {
			if x, ok := d.number(n, what+": "+key); ok && x < 1 {
				d.errorf(n, "%s: %s: expected at least 1 (%s), got %v", what, key, why, x)
			} else if ok {
				*v = x
			}
		}
	}
	atLeastOne("skew", &pol.Skew, "max/mean load per replica")
	atLeastOne("headroom", &pol.Headroom, "a multiplier of the forecast")
	if n := f["failure_domain"]; n != nil {
		if s, ok := d.oneOf(n, what+": failure_domain", []string{"node", "zone", "none"}); ok {
			pol.FailureDomain = s
		}
	}
	if n := f["keda"]; n != nil {
		if b, ok := d.boolean(n, what+": keda"); ok {
			pol.KEDA = b
		}
	}
	version := func(key string, v *string, example string) {
		if n := f[key]; n != nil {
			s, ok := d.str(n, what+": "+key)
			m := versionRE.FindStringSubmatch(s)
			switch {
			case !ok:
			case m == nil:
				d.errorf(n, "%s: %s: expected a version like %s, got %q", what, key, example, s)
			default:
				*v = m[1]
			}
		}
	}
	version("keda_version", &pol.KEDAVersion, `"2.18"`)
	version("kubernetes_version", &pol.KubernetesVersion, `"1.33"`)
}
