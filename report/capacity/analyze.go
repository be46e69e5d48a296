package capacity

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Defaults of capacity-method.md §10.
const (
	defaultForecastError  = 0.20
	defaultMaxUtilisation = 0.85
	defaultSkew           = 1.10
	defaultZones          = 3
	defaultPodsPerNode    = 8
	defaultPodReadyS      = 45
	defaultMetricLagS     = 30
	defaultSyncS          = 15
	defaultLeadS          = 1800
	defaultHoldS          = 7200
	defaultTimeoutS       = 2
	defaultRF             = 2
	// inRange and refuseBeyond are the prediction labels' limits as
	// multiples of the largest tested size (§3.6).
	inRange      = 1.25
	refuseBeyond = 2
)

// The failure domains of a [Policy].
const (
	DomainNode = "node"
	DomainZone = "zone"
	DomainNone = "none"
)

// The tier kinds of a [TierForecast].
const (
	KindDeployment = "deployment"
	KindAerospike  = "aerospike"
)

// Options tunes [Analyze]. The zero value is the default.
type Options struct {
	// Scenario names the scenario in the text header and YAML comments.
	Scenario string
	// Headroom, when > 0, replaces the factor product (1+ε)·k_skew/u_max
	// (the --headroom flag); it wins over the forecast policy's Headroom.
	Headroom float64
	// Seed seeds the USL bootstrap, and Bootstrap sets its replicates
	// (0: the usl package's default of 200; negative: none).
	Seed      uint64
	Bootstrap int
	// Now, when set, is compared with the dates of the plan (the KV
	// resize deadline) to warn about deadlines already past. The planner
	// never reads the clock itself.
	Now time.Time
	// DriverOpsPerS is the measured ops/s one load-generator driver
	// sustains, by driver kind (sim, aerospike, redis, http); a kind it
	// lacks takes the most one driver sustained in the searches.
	DriverOpsPerS map[string]float64
	// TimeoutS is the per-request timeout used for the generator's
	// in-flight cap and the spike simulation; 0 means 2 s, assumed.
	TimeoutS float64
}

// Analyze turns searches and a forecast into a capacity [Report]. Each
// tier (Search.Tier) is analysed on its own: only searches with status
// "found" are used, several searches at one size contribute their lowest
// MST, and any "invalid" search withholds the tier's plan. With at least
// six sizes the USL is fitted; with fewer, or when the fit is refused,
// capacity is assumed linear from the largest tested size. With a
// forecast, each tier the forecast names gets a plan, autoscaling (a
// deployment) or a node count (an Aerospike cluster), and pool sizes.
// Without one (f nil), the report holds MST, saturation and the fit, and
// says that a forecast is needed for a plan. Analyze reads no clock and
// no global generator: the same input gives the same report.
func Analyze(searches []Search, f *Forecast, opts Options) *Report {
	r := &Report{Method: Method, Scenario: opts.Scenario, Forecast: f, Searches: searches, Tiers: []Tier{}}
	if r.Searches == nil {
		r.Searches = []Search{}
	}
	var pol Policy
	if f != nil {
		pol = f.Policy
	}
	r.Policy = resolvePolicy(pol, opts)
	opts.DriverOpsPerS = driverRates(searches, opts.DriverOpsPerS)
	env := &planEnv{forecast: f, policy: r.Policy, opts: opts}
	if f != nil {
		env.loc, env.locWarning = location(f)
		if env.locWarning != "" {
			r.Warnings = append(r.Warnings, env.locWarning)
		}
	}
	names, byTier := groupByTier(searches)
	for _, name := range names {
		r.Tiers = append(r.Tiers, analyzeTier(name, byTier[name], env))
	}
	if f == nil {
		r.Warnings = append(r.Warnings, "No forecast was given: this report holds the measured capacity and the "+
			"scale-out fit only; a forecast: block in the scenario or --forecast FILE is needed for a plan.")
		return r
	}
	for _, tf := range f.Tiers {
		if _, ok := byTier[tf.Name]; !ok {
			r.Warnings = append(r.Warnings, fmt.Sprintf("The forecast names tier %s, but no search measured it: "+
				"no plan for %s.", tf.Name, tf.Name))
		}
	}
	if r.Policy.Headroom > 0 {
		r.Assumptions = append(r.Assumptions, fmt.Sprintf("Headroom %s was given: required capacity is the "+
			"forecast × %s, and the factors forecast error, skew and maximum utilisation were not used.",
			fmtFactor(r.Policy.Headroom), fmtFactor(r.Policy.Headroom)))
	}
	return r
}

// resolvePolicy fills the defaults of p and applies the options.
func resolvePolicy(p Policy, opts Options) Policy {
	if p.ForecastError <= 0 {
		p.ForecastError = defaultForecastError
	}
	if p.MaxUtilisation <= 0 || p.MaxUtilisation > 1 {
		p.MaxUtilisation = defaultMaxUtilisation
	}
	if p.FailureDomain == "" {
		p.FailureDomain = DomainNode
	}
	if opts.Headroom > 0 {
		p.Headroom = opts.Headroom
	}
	return p
}

// location returns the forecast's time zone, or the event's own offset
// with a warning when the zone is unknown.
func location(f *Forecast) (*time.Location, string) {
	if f.Timezone == "" {
		return f.Event.Location(), ""
	}
	loc, err := time.LoadLocation(f.Timezone)
	if err != nil {
		return f.Event.Location(), fmt.Sprintf("Time zone %q could not be loaded (%v): times are written "+
			"in the event's offset, which may differ from the zone's rules.", f.Timezone, err)
	}
	return loc, ""
}

// driverRates fills in, for each driver kind the searches used and given
// lacks, the most one load-generator driver sustained in them: every search
// runs in one driver, and a probe it kept up with is not invalid, so its
// highest achieved rate (Search.Saturation) is a measured lower bound of
// what a driver can offer. given is not changed.
func driverRates(searches []Search, given map[string]float64) map[string]float64 {
	out := maps.Clone(given)
	for _, s := range searches {
		if _, ok := given[s.Driver]; ok || !(s.Saturation > 0) {
			continue
		}
		if out == nil {
			out = map[string]float64{}
		}
		out[s.Driver] = max(out[s.Driver], s.Saturation)
	}
	return out
}

// groupByTier returns the tier names in order of first appearance and
// the searches of each.
func groupByTier(searches []Search) ([]string, map[string][]Search) {
	var names []string
	by := map[string][]Search{}
	for _, s := range searches {
		if _, ok := by[s.Tier]; !ok {
			names = append(names, s.Tier)
		}
		by[s.Tier] = append(by[s.Tier], s)
	}
	return names, by
}

// planEnv is what every tier's analysis shares.
type planEnv struct {
	forecast   *Forecast
	policy     Policy
	opts       Options
	loc        *time.Location
	locWarning string
}

// tierForecast returns the forecast of the named tier, or nil.
func (e *planEnv) tierForecast(name string) *TierForecast {
	if e.forecast == nil {
		return nil
	}
	for i := range e.forecast.Tiers {
		if e.forecast.Tiers[i].Name == name {
			return &e.forecast.Tiers[i]
		}
	}
	return nil
}

// sizePoint is one tested replica count with the search whose MST it uses.
type sizePoint struct {
	n      int
	search *Search
	count  int
}

// analyzeTier analyses the searches of one tier.
func analyzeTier(name string, searches []Search, env *planEnv) Tier {
	t := Tier{Name: name, Driver: searches[0].Driver, Sizes: []Size{}}
	t.SLO = tierSLO(searches[0].SLO)
	tf := env.tierForecast(name)
	unit := "replicas"
	if tf != nil {
		t.Kind = tf.Kind
		t.TargetRef = targetRef(tf)
		unit = unitOf(tf.Kind)
	}
	sizes, invalid := sweep(&t, searches, unit)
	if len(sizes) == 0 && len(invalid) == 0 {
		t.Refusals = append(t.Refusals, fmt.Sprintf("No plan for %s: none of its %d searches found an MST, "+
			"so there is no measured capacity to plan from.", name, len(searches)))
		return t
	}
	if len(sizes) > 0 {
		perReplica(&t, sizes[0], unit)
	}
	if len(invalid) > 0 {
		t.Refusals = append(t.Refusals, fmt.Sprintf("No plan for %s: %s. An invalid stage measured the load "+
			"generator, not the target; fix the generator (more drivers or a larger in-flight cap) and search again.",
			name, strings.Join(invalid, "; ")))
		return t
	}
	sc := fitScaling(&t, sizes, env.opts, unit)
	switch {
	case env.forecast == nil:
		t.Refusals = append(t.Refusals, fmt.Sprintf("No plan for %s: a forecast: block in the scenario or "+
			"--forecast FILE is needed for a plan.", name))
	case tf == nil:
		t.Refusals = append(t.Refusals, fmt.Sprintf("No plan for %s: the forecast has no entry for this tier.", name))
	case tf.Kind != KindDeployment && tf.Kind != KindAerospike:
		t.Refusals = append(t.Refusals, fmt.Sprintf("No plan for %s: its forecast kind %q is neither %s nor %s.",
			name, tf.Kind, KindDeployment, KindAerospike))
	case !(tf.EventPeak > 0):
		t.Refusals = append(t.Refusals, fmt.Sprintf("No plan for %s: its forecast has no event peak.", name))
	case tf.Kind == KindDeployment:
		planDeployment(&t, sc, tf, sizes, env)
	default:
		planAerospike(&t, sc, tf, sizes, env)
	}
	return t
}

// targetRef names the Kubernetes object of a tier.
func targetRef(tf *TierForecast) string {
	kind := "Deployment"
	if tf.Kind == KindAerospike {
		kind = "AerospikeCluster"
	}
	return kind + "/" + namespaceOf(tf) + "/" + objectOf(tf)
}

// objectOf is the tier's object name, default the tier name.
func objectOf(tf *TierForecast) string {
	if tf.Object != "" {
		return tf.Object
	}
	return tf.Name
}

// namespaceOf is the tier's namespace, default "default".
func namespaceOf(tf *TierForecast) string {
	if tf.Namespace != "" {
		return tf.Namespace
	}
	return "default"
}

// unitOf names a tier's replicas.
func unitOf(kind string) string {
	switch kind {
	case KindDeployment:
		return "pods"
	case KindAerospike:
		return "nodes"
	}
	return "replicas"
}

// tierSLO turns a search's SLO into values.
func tierSLO(s SLO) TierSLO {
	return TierSLO{Percentile: assumed(s.Percentile), LimitMs: assumed(s.LimitMs),
		MaxErrorRate: assumed(s.MaxErrorRate), Lines: s.Lines}
}

// sweep groups the found searches by replica count (lowest MST per size),
// records the sizes on t and returns them ascending, with a sentence per
// invalid search. Searches that ended otherwise are named in warnings.
func sweep(t *Tier, searches []Search, unit string) ([]sizePoint, []string) {
	var invalid []string
	by := map[int]*sizePoint{}
	others := map[int][]float64{}
	for i := range searches {
		s := &searches[i]
		if !usable(t, s, unit, &invalid) {
			continue
		}
		if !sameSLO(s.SLO, searches[0].SLO) {
			t.Warnings = append(t.Warnings, fmt.Sprintf("The search at %d %s judged against a different SLO than "+
				"the first search of %s; the first SLO is shown.", s.Replicas, unit, t.Name))
		}
		p := by[s.Replicas]
		switch {
		case p == nil:
			by[s.Replicas] = &sizePoint{n: s.Replicas, search: s, count: 1}
			continue
		case s.MST < p.search.MST:
			others[s.Replicas] = append(others[s.Replicas], p.search.MST)
			p.search = s
		default:
			others[s.Replicas] = append(others[s.Replicas], s.MST)
		}
		p.count++
	}
	sizes := make([]sizePoint, 0, len(by))
	for _, p := range by {
		sizes = append(sizes, *p)
	}
	slices.SortFunc(sizes, func(a, b sizePoint) int { return a.n - b.n })
	for _, p := range sizes {
		t.Sizes = append(t.Sizes, Size{Replicas: measured(float64(p.n)), MST: measured(p.search.MST),
			Searches: p.count})
		if o := others[p.n]; len(o) > 0 {
			t.Warnings = append(t.Warnings, duplicateSentence(p, o, unit))
		}
	}
	return sizes, invalid
}

// usable reports whether s is a found search with an MST; otherwise it
// says why on t (invalid searches into invalid, for the refusal).
func usable(t *Tier, s *Search, unit string, invalid *[]string) bool {
	switch s.Status {
	case "found":
	case "invalid":
		*invalid = append(*invalid, fmt.Sprintf("the search at %d %s is invalid (%s)", s.Replicas, unit, reasonOf(s)))
		return false
	default:
		t.Warnings = append(t.Warnings, fmt.Sprintf("The search at %d %s ended %s (%s) and is not used.",
			s.Replicas, unit, s.Status, reasonOf(s)))
		return false
	}
	if s.Replicas <= 0 || !(s.MST > 0) {
		t.Warnings = append(t.Warnings, fmt.Sprintf("A found search at %d %s with MST %s is not usable "+
			"and is not used.", s.Replicas, unit, fmtRate(s.MST)))
		return false
	}
	return true
}

// sameSLO reports whether two searches judged against the same SLO.
func sameSLO(a, b SLO) bool {
	return a.Percentile == b.Percentile && a.LimitMs == b.LimitMs && a.MaxErrorRate == b.MaxErrorRate
}

// duplicateSentence says which MST of several searches at one size is used.
func duplicateSentence(p sizePoint, others []float64, unit string) string {
	slices.Sort(others)
	rest := make([]string, len(others))
	for i, v := range others {
		rest[i] = fmtRate(v)
	}
	return fmt.Sprintf("%d searches at %d %s: the lowest MST, %s ops/s, is used (the others found %s).",
		p.count, p.n, unit, fmtRate(p.search.MST), strings.Join(rest, ", "))
}

// reasonOf is a search's reason, or a stand-in when it gave none.
func reasonOf(s *Search) string {
	if s.Reason != "" {
		return strings.TrimSuffix(s.Reason, ".")
	}
	return "no reason given"
}

// perReplica records the MST and saturation of one replica, from the
// smallest size.
func perReplica(t *Tier, p sizePoint, unit string) {
	s := p.search
	n := float64(p.n)
	src := Measured
	if p.n > 1 {
		src = Computed
	}
	m := &MST{Value: Value{Value: s.MST / n, Source: src}, Replicas: p.n,
		Bracket: [2]Value{{Value: s.Bracket[0] / n, Source: src}, {Value: s.Bracket[1] / n, Source: src}}}
	if c := s.Confirm; c != nil {
		m.Confirm = &Confirm{DurationS: measured(c.DurationS), LatencyMs: measured(c.LatencyMs),
			MeanMs: measured(c.MeanMs), ErrorRate: measured(c.ErrorRate)}
	}
	t.MSTPerReplica = m
	if s.Saturation > 0 {
		sat := Value{Value: s.Saturation / n, Source: src}
		t.SaturationPerReplica = &sat
		u := computed(s.MST / s.Saturation)
		t.UsableFraction = &u
		if u.Value < 0.6 {
			t.Warnings = append(t.Warnings, fmt.Sprintf("The SLO leaves only %s of raw capacity usable at %d %s: "+
				"tail latency, not raw capacity, is the binding constraint; worth fixing before buying capacity.",
				fmtPercent(u.Value), p.n, unit))
		}
	}
}

// measured, assumed and computed build values of that source.
func measured(v float64) Value { return Value{Value: v, Source: Measured} }
func assumed(v float64) Value  { return Value{Value: v, Source: Assumed} }
func computed(v float64) Value { return Value{Value: v, Source: Computed} }

// fitted builds a fitted value with its interval, when the interval is
// finite.
func fitted(v float64, ci [2]float64) Value {
	out := Value{Value: v, Source: Fitted}
	if finite(ci[0]) && finite(ci[1]) {
		lo, hi := min(ci[0], ci[1]), max(ci[0], ci[1])
		out.CI95 = &[2]float64{lo, hi}
	}
	return out
}

// ptr returns a pointer to v.
func ptr(v Value) *Value { return &v }

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ceilN rounds a replica count up, ignoring float noise below 1e-9.
func ceilN(n float64) int { return int(math.Ceil(n - 1e-9)) }

// roundUp rounds n up to a multiple of m (m ≤ 1: n).
func roundUp(n, m int) int {
	if m <= 1 {
		return n
	}
	return (n + m - 1) / m * m
}
