package capacity

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/surgeload/surge/report/capacity/queueing"
	"github.com/surgeload/surge/report/capacity/usl"
)

// apiSLO is the SLO of the synthetic tiers.
var apiSLO = SLO{Percentile: 0.99, LimitMs: 50, MaxErrorRate: 0.001}

// sweepOf returns found searches of a deployment tier at sizes, with
// MST x(n) and the given measured skew.
func sweepOf(tier string, sizes []int, skew float64, x func(n int) float64) []Search {
	var out []Search
	for _, n := range sizes {
		out = append(out, sweepSearch(tier, "sim", n, apiSLO, x(n), skew, 12))
	}
	return out
}

// forecastFor is a one-tier forecast of a deployment at peak f.
func forecastFor(tier string, f float64, zones int) *Forecast {
	return &Forecast{Event: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Timezone: "UTC", Hold: 3600, Lead: 1800,
		Tiers: []TierForecast{{Name: tier, Kind: KindDeployment, Namespace: "shop", BAUPeak: f / 10, EventPeak: f,
			RampS: 60, Zones: zones, PodsPerNode: 8, PodReadyS: 30, MetricLagS: 20}},
		Policy: Policy{KEDA: true}}
}

// uslX is the USL throughput at n.
func uslX(sigma, kappa, lambda float64) func(int) float64 {
	return func(n int) float64 { return usl.Model{Sigma: sigma, Kappa: kappa, Lambda: lambda}.X(float64(n)) }
}

// planned is the tier's planned replicas, +Inf when refused.
func planned(t *Tier) float64 {
	if t.Plan == nil || t.Plan.Replicas == nil {
		return math.Inf(1)
	}
	return t.Plan.Replicas.Value
}

// TestPlanMMCFleet is V4: on an mmc-fleet whose MST truth is k × the
// Erlang-C MST of one replica, measured a little low as a search does,
// the plan is ceil(F(1+ε)k_skew/u_max / MST_truth) + spare, rounded to the
// zones, within ±max(1, 10 %).
func TestPlanMMCFleet(t *testing.T) {
	truth := queueing.MST(4, 200, 0.99, 0.050) // per replica, ops/s
	if truth < 600 || truth > 750 {
		t.Fatalf("Erlang-C MST = %v; want ≈ 700", truth)
	}
	sizes := []int{1, 2, 4, 8, 16, 32}
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 4))
		zones := []int{1, 3}[seed%2]
		searches := sweepOf("fleet", sizes, 1.04, func(n int) float64 {
			return float64(n) * truth * (1 - 0.04*rng.Float64()) // findmax errs low, within 4 %
		})
		f := truth * (4 + 26*rng.Float64())
		r := Analyze(searches, forecastFor("fleet", f, zones), Options{Seed: seed})
		tr := &r.Tiers[0]
		want := float64(roundUp(int(math.Ceil(f*1.2*1.04/0.85/truth))+8, zones))
		got := planned(tr)
		if math.Abs(got-want) > math.Max(1, 0.1*want) {
			t.Errorf("seed %d: F %.0f: plan %v pods; want %v ±max(1, 10 %%) (label %s, refusals %q)", seed, f, got, want,
				tr.Plan.Label, tr.Refusals)
		}
	}
}

// randomTier draws a USL tier and a forecast that needs 10–60 replicas.
func randomTier(rng *rand.Rand) ([]Search, *Forecast) {
	sigma, kappa, lambda := 0.01*rng.Float64(), 2e-5*rng.Float64(), 500+1500*rng.Float64()
	x := uslX(sigma, kappa, lambda)
	noisy := func(n int) float64 { return x(n) * (1 + 0.02*(rng.Float64()-0.5)) }
	searches := sweepOf("api", []int{1, 2, 4, 8, 16, 32, 48}, 1+0.1*rng.Float64(), noisy)
	return searches, forecastFor("api", x(10+rng.IntN(40))/1.6, 1+2*rng.IntN(2))
}

// TestPlanMonotone is V12: more forecast, more forecast error, more skew or
// a lower maximum utilisation never gives fewer replicas; a looser SLO
// (a larger MST at every size) never gives more. Refusals count as
// infinitely many replicas.
func TestPlanMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	opts := Options{Seed: 3, Bootstrap: -1}
	type edit func(f *Forecast, s []Search, k float64)
	cases := []struct {
		name  string
		set   edit // sets the knob to k in [0, 1); larger k must not give fewer replicas
		fewer bool // larger k must not give more replicas instead
	}{
		{"more forecast", func(f *Forecast, _ []Search, k float64) { f.Tiers[0].EventPeak *= 1 + k }, false},
		{"more forecast error", func(f *Forecast, _ []Search, k float64) { f.Policy.ForecastError = 0.05 + 0.5*k }, false},
		{"more skew", func(f *Forecast, _ []Search, k float64) { f.Policy.Skew = 1 + 0.4*k }, false},
		{"lower max utilisation", func(f *Forecast, _ []Search, k float64) { f.Policy.MaxUtilisation = 0.95 - 0.45*k }, false},
		{"looser SLO", func(_ *Forecast, s []Search, k float64) {
			for j := range s {
				s[j].MST *= 1 + k
				s[j].Bracket[0] *= 1 + k
			}
		}, true},
	}
	finite := 0
	for i := range 40 {
		searches, f := randomTier(rng)
		for _, c := range cases {
			lo, hi := rng.Float64(), rng.Float64()
			lo, hi = min(lo, hi), max(lo, hi)
			plan := func(k float64) float64 {
				s := append([]Search(nil), searches...)
				f2 := *f
				f2.Tiers = append([]TierForecast(nil), f.Tiers...)
				c.set(&f2, s, k)
				return planned(&Analyze(s, &f2, opts).Tiers[0])
			}
			a, b := plan(lo), plan(hi)
			if c.fewer && b > a || !c.fewer && b < a {
				t.Errorf("case %d, %s: %v replicas at k = %.3f, %v at k = %.3f", i, c.name, a, lo, b, hi)
			}
			if !math.IsInf(a, 1) {
				finite++
			}
		}
	}
	if finite < 40*len(cases)/2 {
		t.Errorf("only %d of %d plans were not refused: the property is barely exercised", finite, 40*len(cases))
	}
}

func TestFivePointsAssumedLinear(t *testing.T) {
	searches := sweepOf("api", []int{1, 2, 4, 8, 16}, 1.05, func(n int) float64 { return 1000 * float64(n) })
	for _, c := range []struct {
		name      string
		f         float64
		wantLabel string
		wantPlan  float64
	}{
		// C_req = 10,000 × 1.2 × 1.05 / 0.85 = 14,824 → 15 pods + 8, rounded to 3 zones → 24.
		{"within 2×", 10000, LabelAssumedLinear, 24},
		{"beyond 2×", 25000, LabelRefused, math.Inf(1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Analyze(searches, forecastFor("api", c.f, 3), Options{})
			tr := &r.Tiers[0]
			if tr.USL != nil || tr.Plan.Model != "linear" || tr.Plan.Label != c.wantLabel || planned(tr) != c.wantPlan {
				t.Errorf("USL %v, model %s, label %s, plan %v; want no fit, linear, %s, %v", tr.USL != nil,
					tr.Plan.Model, tr.Plan.Label, planned(tr), c.wantLabel, c.wantPlan)
			}
			if !containsAll(tr.Warnings, "at least 6", "assumed linear", "capped at 2×") {
				t.Errorf("warnings %q do not say why the scaling is assumed linear", tr.Warnings)
			}
			if c.wantLabel == LabelRefused && !containsAll(tr.Refusals, "No plan for api", "Search at", "within 1.25×") {
				t.Errorf("refusals %q do not suggest the sweep", tr.Refusals)
			}
			checkTextSources(t, r)
		})
	}
}

// containsAll reports whether the sentences together contain every part.
func containsAll(sentences []string, parts ...string) bool {
	all := strings.Join(sentences, "\n")
	for _, p := range parts {
		if !strings.Contains(all, p) {
			return false
		}
	}
	return true
}

// linearRegion is the §3.6 prototype: σ = 0.0015, κ = 1.2e-6, λ = 1150
// (N* = 912) measured with 1 % noise up to 160 replicas.
func linearRegion() []Search {
	rng := rand.New(rand.NewPCG(36, 36))
	x := uslX(0.0015, 1.2e-6, 1150)
	return sweepOf("api", []int{1, 4, 8, 16, 32, 64, 96, 128, 160}, 1.05, func(n int) float64 {
		return x(n) * (1 + 0.01*rng.NormFloat64())
	})
}

func TestLinearRegionNoPeakClaim(t *testing.T) {
	r := Analyze(linearRegion(), forecastFor("api", 100000, 3), Options{Seed: 1})
	tr := &r.Tiers[0]
	u := tr.USL
	if u == nil || u.NStar.Status != NotIdentified || u.NStar.Value != nil || u.XMax.Value != nil {
		t.Fatalf("USL peak = %+v / %+v; want N* and X_max not identified and not claimed", u.NStar, u.XMax)
	}
	if u.NStar.LowerBound.Value != 160 || u.XMax.LowerBound == nil {
		t.Errorf("lower bounds = %v / %v; want N* ≥ 160 and X_max ≥ the largest MST", u.NStar.LowerBound, u.XMax.LowerBound)
	}
	var txt bytes.Buffer
	if err := WriteText(&txt, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "N* NOT IDENTIFIED") {
		t.Errorf("text does not flag N*:\n%s", txt.String())
	}
	checkTextSources(t, r)

	// Beyond the fit's (unidentified) peak: a refusal that asks for data,
	// not an "unattainable" claim.
	r = Analyze(linearRegion(), forecastFor("api", 200000, 3), Options{Seed: 1})
	tr = &r.Tiers[0]
	if tr.Plan.Unattainable || !containsAll(tr.Refusals, "is not identified", "search at larger sizes") {
		t.Errorf("unattainable %v, refusals %q; want a refusal that asks for larger sizes", tr.Plan.Unattainable, tr.Refusals)
	}
}

func TestForecastAboveXMax(t *testing.T) {
	// σ = 0.05, κ = 0.002, λ = 1000: N* ≈ 21.8, X_max ≈ 7,400 ops/s, peak
	// inside the data.
	searches := sweepOf("api", []int{1, 2, 4, 8, 16, 24, 32, 48}, 1.05, uslX(0.05, 0.002, 1000))
	r := Analyze(searches, forecastFor("api", 8000, 3), Options{Seed: 2})
	tr := &r.Tiers[0]
	if tr.USL.NStar.Status != Identified {
		t.Fatalf("N* status %s; want identified", tr.USL.NStar.Status)
	}
	if !tr.Plan.Unattainable || tr.Plan.Replicas != nil || tr.Autoscaling != nil {
		t.Errorf("unattainable %v, replicas %v; want unattainable and no plan", tr.Plan.Unattainable, tr.Plan.Replicas)
	}
	if !containsAll(tr.Refusals, "unattainable by scale-out", "X_max ≈ 7,", "reduce the cost per request", "shard",
		"cache") {
		t.Errorf("refusals = %q", tr.Refusals)
	}
	var yml bytes.Buffer
	if err := WriteYAML(&yml, r); err != nil {
		t.Fatal(err)
	}
	if m := decodeStrict(t, yml.Bytes()); len(m.scaled)+len(m.hpas) != 0 {
		t.Errorf("YAML has %d objects for an unattainable tier", len(m.scaled)+len(m.hpas))
	}
	if !strings.Contains(yml.String(), "# api: no manifest. api is unattainable by scale-out") {
		t.Errorf("YAML does not say why:\n%s", yml.String())
	}
	checkTextSources(t, r)
}

func TestInvalidSearchRefuses(t *testing.T) {
	searches := sweepOf("api", []int{1, 2, 4, 8, 16, 32}, 1.05, func(n int) float64 { return 900 * float64(n) })
	searches[3] = Search{Tier: "api", Driver: "sim", Replicas: 8, SLO: apiSLO, Status: "invalid",
		Reason: "stage api-r8-probe-3 is invalid: driver d2 fell behind its schedule (lag p99 12 ms > 2.5 ms)"}
	r := Analyze(searches, forecastFor("api", 10000, 3), Options{})
	tr := &r.Tiers[0]
	if tr.Plan != nil || tr.USL != nil || tr.Autoscaling != nil {
		t.Error("a tier with an invalid search got a fit or a plan")
	}
	if !containsAll(tr.Refusals, "No plan for api", "the search at 8 pods is invalid", "driver d2 fell behind") {
		t.Errorf("refusals = %q; want the reason and the driver", tr.Refusals)
	}
	var yml, txt bytes.Buffer
	if err := WriteYAML(&yml, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&txt, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(yml.String(), "# api: no manifest. No plan for api") || !strings.Contains(txt.String(), "REFUSED") {
		t.Errorf("the refusal is silent:\n%s\n%s", yml.String(), txt.String())
	}
}

func TestNoForecast(t *testing.T) {
	s, _ := workedExample()
	r := Analyze(s, nil, Options{Seed: 1})
	for _, tr := range r.Tiers {
		if tr.Plan != nil || tr.USL == nil || tr.MSTPerReplica == nil {
			t.Errorf("%s: plan %v, USL %v, MST %v; want the measurements and no plan", tr.Name, tr.Plan != nil,
				tr.USL != nil, tr.MSTPerReplica != nil)
		}
		if !containsAll(tr.Refusals, "forecast: block", "--forecast") {
			t.Errorf("%s: refusals %q do not ask for a forecast", tr.Name, tr.Refusals)
		}
	}
	if !containsAll(r.Warnings, "No forecast was given") {
		t.Errorf("warnings = %q", r.Warnings)
	}
	checkTextSources(t, r)
	var yml bytes.Buffer
	if err := WriteYAML(&yml, r); err != nil {
		t.Fatal(err)
	}
	if m := decodeStrict(t, yml.Bytes()); len(m.scaled)+len(m.hpas)+len(m.cluster) != 0 {
		t.Error("YAML without a forecast has manifests")
	}
}

func TestPlanPolicies(t *testing.T) {
	x := func(n int) float64 { return 1000 * float64(n) }
	sizes := []int{1, 2, 4, 8, 16, 32, 64}
	for _, c := range []struct {
		name     string
		edit     func(f *Forecast, o *Options, s []Search)
		wantPlan float64
		wantReq  float64
		sentence string
	}{
		// C_req = 20,000 × 1.2 × 1.05 / 0.85 = 29,647 → 30 + 8 → 39.
		{"default", func(*Forecast, *Options, []Search) {}, 39, 29647, ""},
		{"headroom", func(_ *Forecast, o *Options, _ []Search) { o.Headroom = 2 }, 48, 40000, "were not used"},
		{"zone", func(f *Forecast, _ *Options, _ []Search) { f.Policy.FailureDomain = DomainZone }, 45, 29647, ""},
		{"none", func(f *Forecast, _ *Options, _ []Search) { f.Policy.FailureDomain = DomainNone }, 30, 29647, ""},
		{"assumed skew", func(_ *Forecast, _ *Options, s []Search) {
			for i := range s {
				s[i].Skew = 0
			}
		}, 42, 31059, "default: no confirmation measured"},
		{"quota", func(f *Forecast, _ *Options, _ []Search) { f.Tiers[0].MaxReplicas = 30 }, 39, 29647, "raise the quota"},
		{"duplicates", func(_ *Forecast, _ *Options, s []Search) {
			s[len(s)-1].MST = 60000 // a second search at 64 pods, lower
		}, 39, 29647, "the lowest MST"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sweepOf("api", sizes, 1.05, x)
			if c.name == "duplicates" {
				s = append(s, s[len(s)-1])
			}
			f := forecastFor("api", 20000, 3)
			o := Options{Seed: 1}
			c.edit(f, &o, s)
			r := Analyze(s, f, o)
			tr := &r.Tiers[0]
			if got := planned(tr); got != c.wantPlan || math.Round(tr.Plan.RequiredCapacity.Value) != c.wantReq {
				t.Errorf("plan %v, C_req %.0f; want %v, %v", got, tr.Plan.RequiredCapacity.Value, c.wantPlan, c.wantReq)
			}
			all := append(append(append([]string{}, tr.Warnings...), tr.Assumptions...), r.Assumptions...)
			if c.sentence != "" && !containsAll(all, c.sentence) {
				t.Errorf("no sentence with %q in %q", c.sentence, all)
			}
			if c.name == "quota" && tr.Autoscaling.HPA.Max.Value != 39 {
				t.Errorf("maxReplicas = %v; want the plan, 39", tr.Autoscaling.HPA.Max.Value)
			}
			checkTextSources(t, r)
		})
	}
}

func TestAerospikeWithoutSizes(t *testing.T) {
	s, f := workedExample()
	kv := &f.Tiers[1]
	kv.Records, kv.NodeMemoryBytes, kv.NodeDiskBytes, kv.Racks, kv.CurrentSize = 0, 0, 0, 0, 0
	f.Policy.FailureDomain = DomainNone
	r := Analyze(s, f, workedOptions())
	tr := tierNamed(t, r, "kv-main")
	if tr.KV == nil || tr.KV.Memory != nil || tr.KV.Disk != nil || tr.KV.Size.Value != 13 {
		t.Fatalf("KV = %+v; want throughput-only sizing of 13 nodes", tr.KV)
	}
	if !containsAll(tr.Assumptions, "Memory of kv-main not sized", "Disk of kv-main not sized", "1 rack (default") {
		t.Errorf("assumptions = %q", tr.Assumptions)
	}
	checkTextSources(t, r)
}

func TestResizeDeadlinePassed(t *testing.T) {
	s, f := workedExample()
	o := workedOptions()
	o.Now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	tr := tierNamed(t, Analyze(s, f, o), "kv-main")
	if !containsAll(tr.Warnings, "resize deadline of kv-main", "has passed") {
		t.Errorf("warnings = %q", tr.Warnings)
	}
}

// TestGeneratorFromSearches: without measured driver rates given, the
// load generator is sized from the most one driver sustained in the
// searches (their highest saturation), a measured lower bound.
func TestGeneratorFromSearches(t *testing.T) {
	searches := sweepOf("api", []int{1, 2, 4, 8, 16, 32}, 1.05, uslX(0.01, 1e-5, 1000))
	r := Analyze(searches, forecastFor("api", 20000, 3), Options{Bootstrap: -1})
	g := r.Tiers[0].Pools
	if g == nil || g.Generator == nil {
		t.Fatalf("pools %+v: no generator sizing", g)
	}
	top := 0.0
	for _, s := range searches {
		top = max(top, s.Saturation)
	}
	gen := g.Generator
	if gen.OpsPerDriver.Value != top || gen.OpsPerDriver.Source != Measured {
		t.Errorf("ops per driver %+v; want %v measured", gen.OpsPerDriver, top)
	}
	if want := math.Ceil(20000 * 1.2 / top); gen.Drivers.Value != want {
		t.Errorf("drivers %v; want %v", gen.Drivers.Value, want)
	}
	given := Analyze(searches, forecastFor("api", 20000, 3), Options{Bootstrap: -1, DriverOpsPerS: map[string]float64{"sim": 5000}})
	if got := given.Tiers[0].Pools.Generator.OpsPerDriver.Value; got != 5000 {
		t.Errorf("a given rate was replaced: %v", got)
	}
}
