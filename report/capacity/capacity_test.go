package capacity

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Kolkata on machines without zoneinfo

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
	}
}

// workedReport analyses the worked example, with KEDA or plain HPAs.
func workedReport(t testing.TB, keda bool) *Report {
	t.Helper()
	s, f := workedExample()
	f.Policy.KEDA = keda
	return Analyze(s, f, workedOptions())
}

// renderAll renders r as JSON, text and YAML.
func renderAll(t testing.TB, r *Report) (js, txt, yml []byte) {
	t.Helper()
	var j, x, y bytes.Buffer
	e := json.NewEncoder(&j)
	e.SetIndent("", "  ")
	if err := e.Encode(r); err != nil {
		t.Fatalf("encode JSON: %v", err)
	}
	if err := WriteText(&x, r, TextOptions{Results: "surge-results/bbd-flash-sale-20261101T230000"}); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	if err := WriteYAML(&y, r); err != nil {
		t.Fatalf("WriteYAML: %v", err)
	}
	return j.Bytes(), x.Bytes(), y.Bytes()
}

func TestWorkedExampleGolden(t *testing.T) {
	// No JSON golden: it holds full-precision floats of the bootstrap, which
	// may differ in the last bits where the compiler fuses multiply-adds
	// (arm64); the text and YAML show rounded numbers.
	_, txt, yml := renderAll(t, workedReport(t, true))
	golden(t, "worked-example.txt", txt)
	golden(t, "worked-example.yaml", yml)
	_, _, hpaYML := renderAll(t, workedReport(t, false))
	golden(t, "worked-example-hpa.yaml", hpaYML)
}

func TestWorkedExampleStable(t *testing.T) {
	js1, txt1, yml1 := renderAll(t, workedReport(t, true))
	js2, txt2, yml2 := renderAll(t, workedReport(t, true))
	if !bytes.Equal(js1, js2) || !bytes.Equal(txt1, txt2) || !bytes.Equal(yml1, yml2) {
		t.Error("the same input rendered different bytes")
	}
}

// tierNamed returns the named tier of r.
func tierNamed(t testing.TB, r *Report, name string) *Tier {
	t.Helper()
	for i := range r.Tiers {
		if r.Tiers[i].Name == name {
			return &r.Tiers[i]
		}
	}
	t.Fatalf("no tier %s", name)
	return nil
}

// TestWorkedExampleNumbers checks the key numbers of capacity-method.md
// §8.3 independently of the golden files. Tolerances are relative; 0
// means exact.
func TestWorkedExampleNumbers(t *testing.T) {
	r := workedReport(t, true)
	api, kv := tierNamed(t, r, "listing-api"), tierNamed(t, r, "kv-main")
	const gib, tib = 1 << 30, 1 << 40
	for _, c := range []struct {
		name      string
		got, want float64
		rel       float64
	}{
		{"api MST per pod", api.MSTPerReplica.Value.Value, 1150, 0},
		{"api saturation per pod", api.SaturationPerReplica.Value, 1421, 0},
		{"api usable fraction", api.UsableFraction.Value, 0.81, 0.01},
		{"api σ", api.USL.Sigma.Value.Value, 0.00039, 0.05},
		{"api κ", api.USL.Kappa.Value.Value, 6.6e-6, 0.02},
		{"api λ", api.USL.Lambda.Value.Value, 1115, 0.001},
		{"api R²", api.USL.R2.Value, 0.99996, 1e-5},
		{"api N* of the fit", api.USL.NStar.Fit.Value, 389, 0.01},
		{"api N* lower bound", api.USL.NStar.LowerBound.Value, 160, 0},
		{"api X_max lower bound", api.USL.XMax.LowerBound.Value, 145150, 0},
		{"api required capacity", math.Round(api.Plan.RequiredCapacity.Value), 152471, 0},
		{"api pods for capacity", api.Plan.ReplicasForCapacity.Value, 173, 0},
		{"api linear would be", api.Plan.LinearWouldBe.Value, 137, 0},
		{"api spare", api.Plan.Spare.Value, 8, 0},
		{"api plan", api.Plan.Replicas.Value, 183, 0},
		{"api capacity at plan", api.Plan.CapacityAtPlan.Value, 158000, 0.001},
		{"api capacity per pod at plan", api.Plan.CapacityPerReplica.Value, 863, 0.002},
		{"api forecast share", api.Plan.ForecastShare.Value, 0.63, 0.01},
		{"api headroom", api.Plan.HeadroomAtForecast.Value, 0.367, 0.01},
		{"api tested multiple", api.Plan.TestedMultiple.Value, 1.14, 0.01},
		{"api reaction", api.Autoscaling.Reaction.TotalS.Value, 90, 0},
		{"api T_pod", api.Autoscaling.HPA.RPSPerPod.Value, 547, 0},
		{"api BAU replicas", api.Autoscaling.HPA.BAUReplicas.Value, 19, 0},
		{"api min", api.Autoscaling.HPA.Min.Value, 21, 0},
		{"api max", api.Autoscaling.HPA.Max.Value, 275, 0},
		{"api CPU target", api.Autoscaling.HPA.CPUUtilisation.Value, 45, 0},
		{"api scale-up pods", float64(api.Autoscaling.HPA.Behavior.ScaleUp.Policies[1].Value), 92, 0},
		{"api nodes", api.Autoscaling.Nodes.Value, 23, 0},
		{"api in flight per pod", math.Round(api.Pools.InFlight.Value), 8, 0},
		{"kv required capacity", kv.Plan.RequiredCapacity.Value, 4.74e6, 0.001},
		{"kv λ", kv.USL.Lambda.Value.Value, 403e3, 0.001},
		{"kv σ", kv.USL.Sigma.Value.Value, 0.0025, 0.02},
		{"kv κ", kv.USL.Kappa.Value.Value, 2.2e-5, 0.01},
		{"kv throughput nodes", kv.KV.ThroughputNodes.Value, 13, 0},
		{"kv after loss", kv.KV.AfterLoss.Value, 14, 0},
		{"kv memory nodes", kv.KV.MemoryNodes.Value, 4, 0},
		{"kv disk nodes", kv.KV.DiskNodes.Value, 4, 0},
		{"kv size", kv.KV.Size.Value, 15, 0},
		{"kv per rack", kv.KV.PerRack.Value, 5, 0},
		{"kv capacity at plan", kv.Plan.CapacityAtPlan.Value, 5.81e6, 0.001},
		{"kv forecast share", kv.Plan.ForecastShare.Value, 0.55, 0.01},
		{"kv one node down", kv.KV.PostFailure.Capacity.Value, 5.44e6, 0.001},
		{"kv one node down share", kv.KV.PostFailure.ForecastShare.Value, 0.59, 0.01},
		{"kv index GiB", kv.KV.Memory.IndexBytes.Value / gib, 143, 0.001},
		{"kv index GiB per node", kv.KV.Memory.PerNodeBytes.Value / gib, 9.5, 0.01},
		{"kv memory limit GiB", kv.KV.Memory.LimitBytes.Value / gib, 38.4, 0.001},
		{"kv disk TiB", kv.KV.Disk.Bytes.Value / tib, 3.35, 0.001},
		{"kv disk TiB per node", kv.KV.Disk.PerNodeBytes.Value / tib, 0.22, 0.02},
		{"kv disk share", kv.KV.Disk.Share.Value, 0.13, 0.03},
		{"kv confirm rate", kv.KV.ConfirmRate.Value, 3.84e6, 0},
		{"kv tested multiple", kv.Plan.TestedMultiple.Value, 1.25, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.rel == 0 && c.got != c.want || math.Abs(c.got-c.want) > c.rel*math.Abs(c.want) {
				t.Errorf("%s = %v; want %v (±%v relative)", c.name, c.got, c.want, c.rel)
			}
		})
	}
	ist := time.FixedZone("IST", 19800)
	for _, c := range []struct{ name, got, want string }{
		{"api label", api.Plan.Label, LabelInRange},
		{"api N* status", api.USL.NStar.Status, NotIdentified},
		{"kv N* status", kv.USL.NStar.Status, NotIdentified},
		{"kv label", kv.Plan.Label, LabelInRange},
		{"prescale from", api.Autoscaling.Prescale.From.In(ist).Format(time.DateTime), "2026-11-21 23:30:00"},
		{"prescale to", api.Autoscaling.Prescale.To.In(ist).Format(time.DateTime), "2026-11-22 02:00:00"},
		{"cron start", api.Autoscaling.Prescale.Start, "30 23 21 11 *"},
		{"cron end", api.Autoscaling.Prescale.End, "0 2 22 11 *"},
		{"remove after", api.Autoscaling.Prescale.RemoveAfter, "2026-11-22"},
		{"resize by", kv.KV.ResizeByDate, "2026-11-20"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q; want %q", c.name, c.got, c.want)
		}
	}
	if api.USL.NStar.Value != nil || api.USL.XMax.Value != nil {
		t.Error("listing-api claims N* or X_max although the data stop at 160 < 0.5·N*")
	}
	if api.Autoscaling.ReactiveOK {
		t.Error("reactive_ok = true for a 10× ramp in 60 s; want false")
	}
	if !kv.KV.PostFailure.OK {
		t.Error("kv-main post-failure check failed; want ok")
	}
}

// TestValuesHaveSources walks the JSON of the worked example: every
// object with a "value" has a known source, and fitted values with a
// number carry an interval or sit beside a standard error.
func TestValuesHaveSources(t *testing.T) {
	js, _, _ := renderAll(t, workedReport(t, true))
	var doc any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any, sourced bool)
	n := 0
	walk = func(path string, v any, sourced bool) {
		switch x := v.(type) {
		case map[string]any:
			if val, ok := x["value"]; ok && !sourced {
				if _, isNum := val.(float64); isNum {
					n++
					switch x["source"] {
					case string(Measured), string(Assumed), string(Computed):
					case string(Fitted):
						if _, ci := x["ci95"]; !ci && x["se"] == nil && !isCountOrR2(path) {
							t.Errorf("%s is fitted without an interval", path)
						}
					default:
						t.Errorf("%s has source %v", path, x["source"])
					}
				}
			}
			_, has := x["source"]
			for k, e := range x {
				walk(path+"."+k, e, sourced || has)
			}
		case []any:
			for i, e := range x {
				walk(path+"["+strconv.Itoa(i)+"]", e, sourced)
			}
		}
	}
	walk("", doc, false)
	if n < 100 {
		t.Errorf("found %d values; want the worked example's hundreds", n)
	}
}

// isCountOrR2 names fitted numbers that have no interval by nature.
func isCountOrR2(path string) bool {
	return filepath.Ext(path) == ".r2"
}
