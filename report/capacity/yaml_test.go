package capacity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/surgeload/surge/report/capacity/hpa"
)

// scaledObject mirrors the fields of KEDA's ScaledObject that surge may
// write (keda-docs 2.18 reference/scaledobject-spec.md); strict decoding
// into it fails on any other field.
type kedaScaledObject struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		ScaleTargetRef struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Name       string `json:"name"`
		} `json:"scaleTargetRef"`
		PollingInterval *int32 `json:"pollingInterval"`
		CooldownPeriod  *int32 `json:"cooldownPeriod"`
		MinReplicaCount *int32 `json:"minReplicaCount"`
		MaxReplicaCount *int32 `json:"maxReplicaCount"`
		Fallback        *struct {
			FailureThreshold int32  `json:"failureThreshold"`
			Replicas         int32  `json:"replicas"`
			Behavior         string `json:"behavior"`
		} `json:"fallback"`
		Advanced *struct {
			HorizontalPodAutoscalerConfig *struct {
				Name     string                                         `json:"name"`
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior"`
			} `json:"horizontalPodAutoscalerConfig"`
		} `json:"advanced"`
		Triggers []struct {
			Type       string            `json:"type"`
			Name       string            `json:"name"`
			MetricType string            `json:"metricType"`
			Metadata   map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// aerospikeCluster mirrors apiVersion, kind, metadata and spec.size of an
// AerospikeCluster (asdb.aerospike.com/v1).
type aerospikeClusterDoc struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		Size int32 `json:"size"`
	} `json:"spec"`
}

type objectMeta struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// manifests holds the strictly decoded documents of a YAML stream.
type manifests struct {
	hpas    []autoscalingv2.HorizontalPodAutoscaler
	scaled  []kedaScaledObject
	cluster []aerospikeClusterDoc
}

// decodeStrict splits a YAML stream into documents, converts each to JSON
// and decodes it by kind with unknown fields disallowed.
func decodeStrict(t *testing.T, stream []byte) manifests {
	t.Helper()
	var m manifests
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	for i := 0; ; i++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return m
		}
		if err != nil {
			t.Fatalf("document %d is not YAML: %v", i, err)
		}
		if doc == nil {
			continue // comments only
		}
		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		strict := func(v any) {
			d := json.NewDecoder(bytes.NewReader(js))
			d.DisallowUnknownFields()
			if err := d.Decode(v); err != nil {
				t.Fatalf("document %d (%s) does not decode strictly: %v\n%s", i, doc["kind"], err, js)
			}
		}
		switch doc["kind"] {
		case "HorizontalPodAutoscaler":
			var h autoscalingv2.HorizontalPodAutoscaler
			strict(&h)
			m.hpas = append(m.hpas, h)
		case "ScaledObject":
			var s kedaScaledObject
			strict(&s)
			m.scaled = append(m.scaled, s)
		case "AerospikeCluster":
			var a aerospikeClusterDoc
			strict(&a)
			m.cluster = append(m.cluster, a)
		default:
			t.Fatalf("document %d has unexpected kind %v", i, doc["kind"])
		}
	}
}

func TestYAMLStrictKEDA(t *testing.T) {
	_, _, yml := renderAll(t, workedReport(t, true))
	m := decodeStrict(t, yml)
	if len(m.scaled) != 1 || len(m.cluster) != 1 || len(m.hpas) != 0 {
		t.Fatalf("got %d ScaledObjects, %d AerospikeClusters, %d HPAs; want 1, 1, 0", len(m.scaled), len(m.cluster), len(m.hpas))
	}
	so := m.scaled[0]
	if so.APIVersion != "keda.sh/v1alpha1" || so.Metadata.Name != "listing-api" || so.Metadata.Namespace != "catalog" {
		t.Errorf("ScaledObject header = %s %+v", so.APIVersion, so.Metadata)
	}
	sp := so.Spec
	if sp.ScaleTargetRef.Kind != "Deployment" || sp.ScaleTargetRef.Name != "listing-api" {
		t.Errorf("scaleTargetRef = %+v", sp.ScaleTargetRef)
	}
	if *sp.MinReplicaCount != 21 || *sp.MaxReplicaCount != 275 {
		t.Errorf("min/max = %d/%d; want 21/275", *sp.MinReplicaCount, *sp.MaxReplicaCount)
	}
	if sp.Fallback == nil || sp.Fallback.Behavior != "currentReplicasIfHigher" || sp.Fallback.Replicas != 21 {
		t.Errorf("fallback = %+v; want currentReplicasIfHigher with 21 replicas", sp.Fallback)
	}
	b := sp.Advanced.HorizontalPodAutoscalerConfig.Behavior
	checkBehavior(t, b, 92)
	want := map[string]map[string]string{
		"cron": {"timezone": "Asia/Kolkata", "start": "30 23 21 11 *", "end": "0 2 22 11 *", "desiredReplicas": "183"},
		"prometheus": {"serverAddress": "http://prometheus.monitoring.svc:9090",
			"query": `sum(rate(http_requests_total{namespace="catalog",service="listing-api"}[1m]))`, "threshold": "547"},
		"cpu": {"value": "45"},
	}
	var types []string
	for _, tr := range sp.Triggers {
		types = append(types, tr.Type)
		if w, ok := want[tr.Type]; !ok || fmt.Sprint(tr.Metadata) != fmt.Sprint(w) {
			t.Errorf("trigger %s metadata = %v; want %v", tr.Type, tr.Metadata, w)
		}
	}
	if !slices.Equal(types, []string{"cron", "prometheus", "cpu"}) {
		t.Errorf("triggers = %v; want cron, prometheus, cpu", types)
	}
	checkCronWindow(t, sp.Triggers[0].Metadata)
	if c := m.cluster[0]; c.APIVersion != "asdb.aerospike.com/v1" || c.Spec.Size != 15 || c.Metadata.Name != "kv-main" {
		t.Errorf("AerospikeCluster = %+v; want kv-main of size 15", c)
	}
}

// checkBehavior checks the recommended behaviour (§6.4 item 3).
func checkBehavior(t *testing.T, b *autoscalingv2.HorizontalPodAutoscalerBehavior, pods int32) {
	t.Helper()
	if b == nil || b.ScaleUp == nil || b.ScaleDown == nil {
		t.Fatalf("behaviour = %+v; want both directions", b)
	}
	up, down := b.ScaleUp, b.ScaleDown
	if *up.StabilizationWindowSeconds != 0 || *up.SelectPolicy != autoscalingv2.MaxChangePolicySelect ||
		len(up.Policies) != 2 || up.Policies[0].Value != 900 || up.Policies[1].Value != pods {
		t.Errorf("scaleUp = %+v", up)
	}
	if *down.StabilizationWindowSeconds != 600 || len(down.Policies) != 1 ||
		down.Policies[0].Type != autoscalingv2.PercentScalingPolicy || down.Policies[0].PeriodSeconds != 60 {
		t.Errorf("scaleDown = %+v", down)
	}
}

// checkCronWindow checks with KEDA's window rules (current and pre-2.16)
// that the cron trigger is active exactly from 23:30 to 02:00 IST.
func checkCronWindow(t *testing.T, md map[string]string) {
	t.Helper()
	start, err := hpa.ParseCron(md["start"])
	if err != nil {
		t.Fatal(err)
	}
	end, err := hpa.ParseCron(md["end"])
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(md["timezone"])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at     string
		active bool
	}{
		{"2026-11-21 23:29", false}, {"2026-11-21 23:31", true}, {"2026-11-22 00:00", true},
		{"2026-11-22 01:59", true}, {"2026-11-22 02:01", false},
	} {
		at, _ := time.ParseInLocation("2006-01-02 15:04", c.at, loc)
		for _, legacy := range []bool{false, true} {
			if got := hpa.CronWindowActive(start, end, at, legacy); got != c.active {
				t.Errorf("window active at %s (legacy %v) = %v; want %v", c.at, legacy, got, c.active)
			}
		}
	}
}

func TestYAMLStrictHPA(t *testing.T) {
	_, _, yml := renderAll(t, workedReport(t, false))
	m := decodeStrict(t, yml)
	if len(m.hpas) != 2 || len(m.scaled) != 0 || len(m.cluster) != 1 {
		t.Fatalf("got %d HPAs, %d ScaledObjects, %d AerospikeClusters; want 2, 0, 1", len(m.hpas), len(m.scaled), len(m.cluster))
	}
	for i, want := range []int32{183, 21} {
		h := m.hpas[i]
		if h.APIVersion != "autoscaling/v2" || h.Name != "listing-api" || h.Namespace != "catalog" {
			t.Errorf("HPA %d header = %s %s/%s", i, h.APIVersion, h.Namespace, h.Name)
		}
		if *h.Spec.MinReplicas != want || h.Spec.MaxReplicas != 275 {
			t.Errorf("HPA %d min/max = %d/%d; want %d/275", i, *h.Spec.MinReplicas, h.Spec.MaxReplicas, want)
		}
		ms := h.Spec.Metrics
		if len(ms) != 2 || ms[0].Type != autoscalingv2.ExternalMetricSourceType ||
			ms[0].External.Target.AverageValue.Value() != 547 || ms[1].Resource.Name != "cpu" ||
			*ms[1].Resource.Target.AverageUtilization != 45 {
			t.Errorf("HPA %d metrics = %+v", i, ms)
		}
		checkBehavior(t, h.Spec.Behavior, 92)
		if h.Spec.Behavior.ScaleUp.Tolerance != nil {
			t.Errorf("HPA %d has a tolerance for Kubernetes 1.33", i)
		}
	}
}

// TestYAMLVersionGates checks the fields gated by versions: tolerance
// only for Kubernetes ≥ 1.35, fallback only for KEDA ≥ 2.17 or unknown
// (older KEDA rejects fallback next to a cpu trigger).
func TestYAMLVersionGates(t *testing.T) {
	for _, c := range []struct {
		name, keda, k8s string
		plainHPA        bool
		wantFallback    bool
		wantBehavior    string
		wantTolerance   bool
	}{
		{name: "unknown versions", wantFallback: true, wantBehavior: "currentReplicasIfHigher"},
		{name: "keda 2.17", keda: "v2.17.0", wantFallback: true, wantBehavior: "currentReplicasIfHigher"},
		{name: "keda 2.16 with cpu", keda: "2.16", wantFallback: false},
		{name: "hpa kubernetes 1.35", k8s: "v1.35.1", plainHPA: true, wantTolerance: true},
		{name: "hpa kubernetes 1.34", k8s: "1.34", plainHPA: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, f := workedExample()
			f.Policy.KEDA = !c.plainHPA
			f.Policy.KEDAVersion, f.Policy.KubernetesVersion = c.keda, c.k8s
			_, _, yml := renderAll(t, Analyze(s, f, workedOptions()))
			m := decodeStrict(t, yml)
			if c.plainHPA {
				for _, h := range m.hpas {
					tol := h.Spec.Behavior.ScaleUp.Tolerance
					if (tol != nil) != c.wantTolerance || tol != nil && tol.AsApproximateFloat64() != 0.02 {
						t.Errorf("tolerance = %v; want present %v (0.02)", tol, c.wantTolerance)
					}
				}
				return
			}
			fb := m.scaled[0].Spec.Fallback
			if (fb != nil) != c.wantFallback || fb != nil && fb.Behavior != c.wantBehavior {
				t.Errorf("fallback = %+v; want present %v with behavior %q", fb, c.wantFallback, c.wantBehavior)
			}
		})
	}
}

// TestYAMLWithoutQueryOrCPU checks the KEDA object without a Prometheus
// query (a note instead of a trigger, no fallback) and without a CPU model
// (no cpu trigger).
func TestYAMLWithoutQueryOrCPU(t *testing.T) {
	s, f := workedExample()
	tf := &f.Tiers[0]
	tf.Prometheus, tf.Query, tf.CPURequest, tf.CPUBase, tf.CPUPerRequest = "", "", 0, 0, 0
	r := Analyze(s, f, workedOptions())
	_, txt, yml := renderAll(t, r)
	m := decodeStrict(t, yml)
	sp := m.scaled[0].Spec
	if len(sp.Triggers) != 1 || sp.Triggers[0].Type != "cron" || sp.Fallback != nil {
		t.Errorf("triggers = %+v, fallback %+v; want the cron trigger alone and no fallback", sp.Triggers, sp.Fallback)
	}
	if !bytes.Contains(yml, []byte("No request-rate trigger")) {
		t.Error("no note about the missing request-rate trigger")
	}
	if api := tierNamed(t, r, "listing-api"); len(api.Autoscaling.Simulations) != 2 ||
		api.Autoscaling.HPA.CPUUtilisation != nil {
		t.Errorf("without a CPU model: %d simulations, CPU target %v; want 2 and none",
			len(api.Autoscaling.Simulations), api.Autoscaling.HPA.CPUUtilisation)
	}
	if !strings.Contains(string(txt), "No CPU model for listing-api") {
		t.Error("the text does not name the missing CPU model")
	}
}

func FuzzYAMLString(f *testing.F) {
	for _, s := range []string{"listing-api", "sum(rate(x{a=\"b\"}[1m]))", "yes", "1.5", "a: b", "#x", "'q'",
		"line\nbreak", "", "http://p:9090", "- x", "* ~", "tab\there"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var got map[string]any
		doc := "k: " + yamlStr(s) + "\n"
		if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("yamlStr(%q) = %s: not YAML: %v", s, yamlStr(s), err)
		}
		if v, ok := got["k"].(string); !ok || v != s {
			t.Fatalf("yamlStr(%q) = %s decodes to %#v", s, yamlStr(s), got["k"])
		}
	})
}
