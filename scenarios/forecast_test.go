package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// forecastHead has an aerospike target (kv) and a sim one (api).
const forecastHead = `
name: sale
targets:
  kv: {driver: aerospike, hosts: ["127.0.0.1:3000"], namespace: test}
  api: {driver: sim, servers: 4, service_time: 1ms}
keyspaces: {items: {count: 1k}}
mix:
  read: {weight: 1, target: kv, op: get, keyspace: items}
profile: [{name: peak, duration: 10s, rate: 100}]
`

func TestForecast(t *testing.T) {
	p, err := Parse("sale.yaml", []byte(forecastHead+`
forecast:
  event: 2026-11-22T00:00:00+05:30
  timezone: Asia/Kolkata
  hold: 3h
  lead: 45m
  tiers:
    api:
      kind: deployment
      namespace: catalog
      object: listing-api
      bau_peak: 10k
      event_peak: 100k
      ramp: 90s
      zones: 2
      pods_per_node: 4
      pod_ready: 40s
      metric_lag: 20s
      cpu: {request: 2, base: 80m, per_request: 0.00158}
      prometheus: {server: http://prometheus.monitoring.svc:9090, query: 'sum(rate(http_requests_total[1m]))'}
      max_replicas: 500
    kv:
      kind: aerospike
      namespace: aerospike
      object: kv-main
      event_peak: 3.2M
      bau_peak: 320k
      replication_factor: 3
      racks: 3
      records: 1.2G
      record_size: 1.5KiB
      node_memory: 64GiB
      node_disk: 1.76TiB
      current_size: 9
      max_replicas: 30
  policy: {forecast_error: 25%, max_utilisation: 0.8, skew: 1.2, failure_domain: zone, headroom: 1.55,
    keda: false, keda_version: "2.18", kubernetes_version: v1.33.2}
`))
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	want := &Forecast{
		Event: time.Date(2026, 11, 22, 0, 0, 0, 0, kolkata), Hold: 3 * time.Hour, Lead: 45 * time.Minute,
		Tiers: []ForecastTier{
			{Target: 1, Name: "api", Kind: TierDeployment, Namespace: "catalog", Object: "listing-api",
				BAUPeak: 10e3, EventPeak: 100e3, Ramp: 90 * time.Second, MaxReplicas: 500, Zones: 2, PodsPerNode: 4,
				PodReady: 40 * time.Second, MetricLag: 20 * time.Second,
				CPU:        &ForecastCPU{Request: 2, Base: 0.08, PerRequest: 0.00158},
				Prometheus: &ForecastPrometheus{Server: "http://prometheus.monitoring.svc:9090", Query: "sum(rate(http_requests_total[1m]))"}},
			{Target: 0, Name: "kv", Kind: TierAerospike, Namespace: "aerospike", Object: "kv-main",
				BAUPeak: 320e3, EventPeak: 3.2e6, Ramp: time.Minute, MaxReplicas: 30, ReplicationFactor: 3, Racks: 3,
				Records: 1.2e9, RecordSize: 1536, NodeMemory: 64 << 30, NodeDisk: 1.76 * (1 << 40), CurrentSize: 9},
		},
		Policy: ForecastPolicy{ForecastError: 0.25, MaxUtilisation: 0.8, Skew: 1.2, FailureDomain: "zone", Headroom: 1.55,
			KEDA: false, KEDAVersion: "2.18", KubernetesVersion: "1.33.2"},
	}
	if diff := cmp.Diff(p.Forecast, want, cmpopts.IgnoreFields(Forecast{}, "Location")); diff != "" {
		t.Errorf("forecast (-got +want):\n%s", diff)
	}
	if got := p.Forecast.Location.String(); got != "Asia/Kolkata" {
		t.Errorf("location %s; want Asia/Kolkata", got)
	}
	if p.Capacity != nil || len(p.Stages) != 1 {
		t.Errorf("a forecast without capacity: capacity %+v, %d stages; want none and the profile", p.Capacity, len(p.Stages))
	}
}

func TestForecastDefaults(t *testing.T) {
	tests := []struct {
		name, event, timezone string
		wantEvent             string // in the forecast's location, RFC 3339
		wantZone              string
	}{
		{"the event's offset as a fixed zone", "2026-11-22T00:00:00+05:30", "", "2026-11-22T00:00:00+05:30", "UTC+05:30"},
		{"a negative offset", "2026-11-21T13:30:00-05:00", "", "2026-11-21T13:30:00-05:00", "UTC-05:00"},
		{"UTC", "2026-11-21T18:30:00Z", "", "2026-11-21T18:30:00Z", "UTC"},
		{"an event in UTC shown in its timezone", "2026-11-21T18:30:00Z", "Asia/Kolkata", "2026-11-22T00:00:00+05:30", "Asia/Kolkata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			block := "forecast:\n  event: " + tt.event + "\n  tiers: {kv: {event_peak: 1M}, api: {event_peak: 10k}}\n"
			if tt.timezone != "" {
				block += "  timezone: " + tt.timezone + "\n"
			}
			p, err := Parse("sale.yaml", []byte(forecastHead+block))
			if err != nil {
				t.Fatal(err)
			}
			fc := p.Forecast
			if got := fc.Event.Format(time.RFC3339); got != tt.wantEvent {
				t.Errorf("event %s; want %s", got, tt.wantEvent)
			}
			if got := fc.Location.String(); got != tt.wantZone {
				t.Errorf("location %s; want %s", got, tt.wantZone)
			}
			want := &Forecast{Event: fc.Event, Hold: 2 * time.Hour, Lead: 30 * time.Minute,
				Tiers: []ForecastTier{
					{Target: 0, Name: "kv", Kind: TierAerospike, Namespace: "default", Object: "kv", EventPeak: 1e6,
						Ramp: time.Minute, ReplicationFactor: 2, Racks: 1},
					{Target: 1, Name: "api", Kind: TierDeployment, Namespace: "default", Object: "api", EventPeak: 1e4,
						Ramp: time.Minute, Zones: 3, PodsPerNode: 8},
				},
				Policy: ForecastPolicy{ForecastError: 0.2, MaxUtilisation: 0.85, FailureDomain: "node", KEDA: true}}
			if diff := cmp.Diff(fc, want, cmpopts.IgnoreFields(Forecast{}, "Location")); diff != "" {
				t.Errorf("forecast (-got +want):\n%s", diff)
			}
		})
	}
}

// A forecast file holds the block alone, or a whole scenario with it.
func TestParseForecast(t *testing.T) {
	const block = `forecast:
  event: 2026-11-22T00:00:00Z
  tiers:
    listing-api: {event_peak: 100k, zones: 2}
    kv-main: {kind: aerospike, event_peak: 3.2M}
`
	tests := []struct {
		name, file string
		want       []ForecastTier // nil: an error
		wantErr    string
	}{
		{"the block alone: no targets to check", "x-note: {a: 1}\n" + block, []ForecastTier{
			{Target: -1, Name: "listing-api", Kind: TierDeployment, Namespace: "default", Object: "listing-api",
				EventPeak: 100e3, Ramp: time.Minute, Zones: 2, PodsPerNode: 8},
			{Target: -1, Name: "kv-main", Kind: TierAerospike, Namespace: "default", Object: "kv-main",
				EventPeak: 3.2e6, Ramp: time.Minute, ReplicationFactor: 2, Racks: 1},
		}, ""},
		{"a scenario", forecastHead + "forecast: {event: 2026-11-22T00:00:00Z, tiers: {kv: {event_peak: 1M}}}\n", []ForecastTier{
			{Target: 0, Name: "kv", Kind: TierAerospike, Namespace: "default", Object: "kv",
				EventPeak: 1e6, Ramp: time.Minute, ReplicationFactor: 2, Racks: 1},
		}, ""},
		{"a scenario without the block", forecastHead, nil, "f.yaml:2:1: the scenario: no forecast: block to plan for"},
		{"an invalid scenario", forecastHead + "forecast: {event: 2026-11-22T00:00:00Z, tiers: {web: {event_peak: 1M}}}\n", nil,
			`f.yaml:10:49: forecast: tiers: unknown target "web"`},
		{"a misspelt block", "forcast: {}\n", nil,
			"f.yaml:1:1: unknown key \"forcast\" in the forecast file; did you mean \"forecast\"?"},
		{"a problem in the block", "forecast: {event: 2026-11-22T00:00:00Z, tiers: {web: {event_peak: 0}}}\n", nil,
			`f.yaml:1:67: forecast: tier "web": event_peak: expected a rate above 0`},
		{"empty", "# nothing\n", nil, "f.yaml:1:1: empty file: expected a forecast: block, or a scenario with one"},
		{"bad YAML", "forecast: [\n", nil, "f.yaml:1:1: invalid YAML: did not find expected node content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			fc, err := LoadForecast(path)
			if tt.want == nil {
				var list ErrorList
				if !errors.As(err, &list) || list.Error() != filepath.Join(filepath.Dir(path), tt.wantErr) {
					t.Errorf("LoadForecast = %v; want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fc.Tiers, tt.want); diff != "" {
				t.Errorf("tiers (-got +want):\n%s", diff)
			}
		})
	}
	if _, err := LoadForecast(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadForecast(missing) = %v; want ErrNotExist", err)
	}
}
