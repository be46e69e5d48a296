package scenarios

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The abort and for keys of an SLO rule land on every SLO the rule gives.
func TestSLOAbort(t *testing.T) {
	const head = `
name: t
targets: {kv: {driver: sim, servers: 8, service_time: 1ms}}
keyspaces: {items: {count: 1k}}
mix: {read: {weight: 1, target: kv, op: get, keyspace: items}}
profile: [{name: peak, duration: 10s, rate: 100}]
slo:
`
	ms := time.Millisecond
	tests := []struct {
		name, rule string
		want       []SLO
	}{
		{"not an abort rule by default", `{op: read, p99: 25ms}`,
			[]SLO{{Op: "read", Stage: "*", Metric: MetricP99, Latency: 25 * ms}}},
		{"abort at the first breach", `{op: read, p99: 25ms, abort: true}`,
			[]SLO{{Op: "read", Stage: "*", Metric: MetricP99, Latency: 25 * ms, Abort: true}}},
		{"abort after a breach lasting for", `{op: read, stage: peak, p99: 25ms, abort: true, for: 10s}`,
			[]SLO{{Op: "read", Stage: "peak", Metric: MetricP99, Latency: 25 * ms, Abort: true, For: 10 * time.Second}}},
		{"abort false", `{op: read, p99: 25ms, abort: false}`,
			[]SLO{{Op: "read", Stage: "*", Metric: MetricP99, Latency: 25 * ms}}},
		{"for 0", `{p99: 25ms, abort: yes, for: 0}`,
			[]SLO{{Op: "*", Stage: "*", Metric: MetricP99, Latency: 25 * ms, Abort: true}}},
		{"every metric of the rule shares abort and for", `{op: read, p99: 25ms, error_rate: 1%, abort: true, for: 1m30s}`,
			[]SLO{
				{Op: "read", Stage: "*", Metric: MetricP99, Latency: 25 * ms, Abort: true, For: 90 * time.Second},
				{Op: "read", Stage: "*", Metric: MetricErrorRate, ErrorRate: 0.01, Abort: true, For: 90 * time.Second},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("slo.yaml", []byte(head+"  - "+tt.rule+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p.SLOs, tt.want); diff != "" {
				t.Errorf("SLOs of %s differ (-got +want):\n%s", tt.rule, diff)
			}
		})
	}
}
