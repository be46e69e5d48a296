package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// capacityHead is a scenario without profile: two used sim targets, an
// unused one between them, and an SLO covering both.
const capacityHead = `
name: search
targets:
  kv: {driver: sim, servers: 4, service_time: 1ms}
  idle: {driver: sim, servers: 1, service_time: 1ms}
  cache: {driver: sim, servers: 2, service_time: 1ms, replicas: 3}
keyspaces: {items: {count: 1k}}
mix:
  read: {weight: 3, target: kv, op: get, keyspace: items}
  hit: {weight: 1, target: cache, op: get, keyspace: items}
slo:
  - {op: read, p99: 25ms, error_rate: 0.1%}
  - {op: hit, stage: "*", p999: 5ms}
`

func TestCapacitySearch(t *testing.T) {
	defaults := CapacitySearch{Targets: []int{0, 2}, StartRate: 100, Stage: time.Minute, Warmup: 10 * time.Second,
		Confirm: 5 * time.Minute, Cooldown: 10 * time.Second, Precision: 0.02, Growth: 2, MaxRate: 10e6,
		Backoffs: 3, Replicas: []int{1}}
	with := func(f func(*CapacitySearch)) CapacitySearch {
		c := defaults
		f(&c)
		return c
	}
	tests := []struct {
		name, block string
		want        CapacitySearch
	}{
		{"defaults: every target the mix uses, in file order", `{}`, defaults},
		{"every key", `{targets: [cache, kv], start_rate: 1k, stage: 5s, warmup: 1s, confirm: 15s, cooldown: 1s,
  precision: 2%, growth: 1.5, max_rate: 1M, backoffs: 1, replicas: [4, 1, 2]}`,
			CapacitySearch{Targets: []int{2, 0}, StartRate: 1000, Stage: 5 * time.Second, Warmup: time.Second,
				Confirm: 15 * time.Second, Cooldown: time.Second, Precision: 0.02, Growth: 1.5, MaxRate: 1e6,
				Backoffs: 1, Replicas: []int{4, 1, 2}}},
		{"precision as a ratio", `{precision: 0.05}`, with(func(c *CapacitySearch) { c.Precision = 0.05 })},
		{"precision at its bound", `{precision: 50%}`, with(func(c *CapacitySearch) { c.Precision = 0.5 })},
		{"rates with /s", `{start_rate: 50/s, max_rate: 50/s}`, with(func(c *CapacitySearch) { c.StartRate, c.MaxRate = 50, 50 })},
		{"warmup 0 and no cool-down", `{warmup: 0, cooldown: 0s}`, with(func(c *CapacitySearch) { c.Warmup, c.Cooldown = 0, 0 })},
		{"one target", `{targets: [kv]}`, with(func(c *CapacitySearch) { c.Targets = []int{0} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("search.yaml", []byte(capacityHead+"capacity: "+tt.block+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p.Capacity, &tt.want); diff != "" {
				t.Errorf("capacity %s (-got +want):\n%s", tt.block, diff)
			}
			if len(p.Stages) != 0 || p.Duration() != 0 {
				t.Errorf("a capacity search has stages %v", p.Stages)
			}
			if len(p.SLOs) != 3 || p.SLOs[2].Stage != "*" {
				t.Errorf("SLOs = %+v; want 3, for every stage", p.SLOs)
			}
		})
	}
}

// Without capacity the profile is required, as always; with it, no
// profile is needed and SLO rules may say stage "*".
func TestCapacityModeProfile(t *testing.T) {
	if _, err := Parse("search.yaml", []byte(capacityHead)); err == nil ||
		!strings.Contains(err.Error(), `missing required key "profile"`) {
		t.Errorf("Parse without capacity or profile = %v; want profile required", err)
	}
}

// A fleet of replicas of a sim target, and a search over fixed-size
// targets of other drivers with the one size they run at.
func TestReplicas(t *testing.T) {
	p, err := Parse("search.yaml", []byte(capacityHead+"capacity: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{p.Targets[0].Sim.Replicas, p.Targets[2].Sim.Replicas}; !cmp.Equal(got, []int{1, 3}) {
		t.Errorf("sim replicas = %v; want the default 1, and 3", got)
	}
	p, err = Parse("http.yaml", []byte(`
name: fixed
targets:
  api: {driver: http, base_url: "http://127.0.0.1:8080"}
mix:
  list: {weight: 1, target: api, options: {path: /list}}
slo: [{p99: 25ms}]
capacity: {replicas: [12]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(p.Capacity.Replicas, []int{12}) || !cmp.Equal(p.Capacity.Targets, []int{0}) {
		t.Errorf("capacity = %+v; want target 0 at 12 replicas", p.Capacity)
	}
}

func TestScaleCapacity(t *testing.T) {
	p, err := Parse("search.yaml", []byte(capacityHead+"capacity: {stage: 10s, warmup: 2s, confirm: 30s, cooldown: 1s, start_rate: 1k, max_rate: 100k}\n"))
	if err != nil {
		t.Fatal(err)
	}
	before := *p.Capacity
	if err := p.Scale(2, 0.5); err != nil {
		t.Fatal(err)
	}
	want := before
	want.StartRate, want.MaxRate = 2000, 200e3
	want.Stage, want.Warmup, want.Confirm, want.Cooldown = 5*time.Second, time.Second, 15*time.Second, 500*time.Millisecond
	if diff := cmp.Diff(*p.Capacity, want); diff != "" {
		t.Errorf("Scale(2, 0.5) (-got +want):\n%s", diff)
	}
	for _, tt := range []struct {
		name           string
		rate, duration float64
	}{
		{"rate above the cap", 1e7, 1},
		{"stage rounds to nothing", 1, 1e-11},
		{"not positive", 0, 1},
	} {
		scaled := *p.Capacity
		if err := p.Scale(tt.rate, tt.duration); err == nil {
			t.Errorf("%s: Scale(%v, %v) = nil; want an error", tt.name, tt.rate, tt.duration)
		}
		if diff := cmp.Diff(*p.Capacity, scaled); diff != "" {
			t.Errorf("%s: a failed Scale changed the search:\n%s", tt.name, diff)
		}
	}
}

// A forecast and a search go together: the plan of `surge plan`.
func TestForecastWithCapacity(t *testing.T) {
	p, err := Parse("search.yaml", []byte(capacityHead+`capacity: {replicas: [1, 2]}
forecast:
  event: 2026-11-22T00:00:00+05:30
  tiers: {kv: {kind: aerospike, event_peak: 1M}, cache: {event_peak: 2M}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Capacity == nil || p.Forecast == nil || len(p.Forecast.Tiers) != 2 || p.Forecast.Tiers[1].Target != 2 {
		t.Errorf("capacity %+v, forecast %+v", p.Capacity, p.Forecast)
	}
}
