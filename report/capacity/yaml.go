package capacity

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// commentCol is the column YAML line comments start at.
const commentCol = 35

// WriteYAML writes the manifests of r's plans to w (capacity-method.md
// §6.4, §6.5, §8.4), one YAML document per object, separated by "---":
// for a deployment either a KEDA ScaledObject (policy keda: a cron
// trigger for the pre-scale window, a prometheus trigger when the
// forecast gives a query, a cpu trigger with a CPU model, a fallback when
// KEDA is ≥ 2.17 or unspecified, and the recommended HPA behaviour) or
// two autoscaling/v2 HorizontalPodAutoscalers (the event copy with
// minReplicas at the plan and the BAU copy), and for an Aerospike
// cluster an AerospikeCluster spec.size snippet. Tiers without a plan
// get a comment that says why, never silence. The output depends only on
// r.
func WriteYAML(w io.Writer, r *Report) error {
	var docs []*yamlDoc
	var skipped []string
	for i := range r.Tiers {
		t := &r.Tiers[i]
		switch {
		case t.Plan != nil && t.Plan.Replicas != nil && t.Autoscaling != nil:
			if r.Policy.KEDA {
				docs = append(docs, scaledObject(r, t))
			} else {
				docs = append(docs, hpaDocs(r, t)...)
			}
		case t.Plan != nil && t.Plan.Replicas != nil && t.KV != nil:
			docs = append(docs, aerospikeCluster(r, t))
		default:
			skipped = append(skipped, fmt.Sprintf("%s: no manifest. %s", t.Name, whyNoPlan(t)))
		}
	}
	var b bytes.Buffer
	for _, s := range skipped {
		for _, line := range wrap(s, 100) {
			b.WriteString("# " + line + "\n")
		}
	}
	for i, d := range docs {
		if i > 0 || len(skipped) > 0 {
			b.WriteString("---\n")
		}
		b.Write(d.b.Bytes())
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write capacity manifests: %w", err)
	}
	return nil
}

// whyNoPlan is the first refusal of a tier, or a stand-in.
func whyNoPlan(t *Tier) string {
	if len(t.Refusals) > 0 {
		return t.Refusals[0]
	}
	return "The tier has no plan."
}

// yamlDoc builds one YAML document line by line.
type yamlDoc struct{ b bytes.Buffer }

// comment writes a full-line comment at indent.
func (d *yamlDoc) comment(indent int, text string) {
	fmt.Fprintf(&d.b, "%s# %s\n", strings.Repeat(" ", indent), text)
}

// kv writes "key: value" at indent, with an optional aligned comment;
// value "" opens a mapping or sequence.
func (d *yamlDoc) kv(indent int, key, value, comment string) {
	line := strings.Repeat(" ", indent) + key + ":"
	if value != "" {
		line += " " + value
	}
	d.line(line, comment)
}

// item writes "- key: value" at indent (a sequence entry of a mapping).
func (d *yamlDoc) item(indent int, key, value, comment string) {
	d.line(strings.Repeat(" ", indent)+"- "+key+": "+value, comment)
}

// line writes a line with its comment aligned at commentCol.
func (d *yamlDoc) line(line, comment string) {
	if comment != "" {
		pad := max(1, commentCol-len([]rune(line)))
		line += strings.Repeat(" ", pad) + "# " + comment
	}
	d.b.WriteString(line + "\n")
}

// plainSafe matches strings that can be written as plain YAML scalars.
var plainSafe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9/_.:-]*$`)

// yamlStr quotes s as a YAML scalar string: plain when unambiguous,
// single-quoted when printable on one line, else double-quoted.
func yamlStr(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		return `"` + s + `"`
	}
	if plainSafe.MatchString(s) && !strings.Contains(s, ": ") && !strings.HasSuffix(s, ":") {
		return s
	}
	if printable(s) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strconv.Quote(s)
}

// printable reports whether every rune of s is printable (no line breaks
// or tabs), so that s can be single-quoted.
func printable(s string) bool {
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// quotedInt is an integer written as a YAML string ("183").
func quotedInt(v float64) string { return `"` + strconv.FormatInt(int64(v), 10) + `"` }

// intStr is an integer scalar.
func intStr(v float64) string { return strconv.FormatInt(int64(v), 10) }

// header writes the leading comment of a tier's document.
func header(d *yamlDoc, r *Report, t *Tier, what string) {
	parts := []string{"surge plan"}
	if r.Scenario != "" {
		parts = append(parts, r.Scenario)
	}
	parts = append(parts, t.Name, what)
	d.comment(0, strings.Join(parts, " · "))
}

// metadata writes apiVersion, kind and metadata.
func metadata(d *yamlDoc, apiVersion, kind string, tf *TierForecast) {
	d.kv(0, "apiVersion", apiVersion, "")
	d.kv(0, "kind", kind, "")
	d.kv(0, "metadata", "", "")
	d.kv(2, "name", yamlStr(objectOf(tf)), "")
	d.kv(2, "namespace", yamlStr(namespaceOf(tf)), "")
}

// forecastOf finds the forecast of t in r.
func forecastOf(r *Report, t *Tier) *TierForecast {
	if r.Forecast == nil {
		return &TierForecast{Name: t.Name}
	}
	for i := range r.Forecast.Tiers {
		if r.Forecast.Tiers[i].Name == t.Name {
			return &r.Forecast.Tiers[i]
		}
	}
	return &TierForecast{Name: t.Name}
}

// scaleTargetRef writes the Deployment reference at indent.
func scaleTargetRef(d *yamlDoc, indent int, tf *TierForecast) {
	d.kv(indent, "scaleTargetRef", "", "")
	d.kv(indent+2, "apiVersion", "apps/v1", "")
	d.kv(indent+2, "kind", "Deployment", "")
	d.kv(indent+2, "name", yamlStr(objectOf(tf)), "")
}

// minComment and maxComment explain minReplicas and maxReplicas.
func minComment(t *Tier) string {
	h := t.Autoscaling.HPA
	return fmt.Sprintf("BAU: ceil(%s / %s) = %s, rounded up to %s zones", fmtCount(t.Autoscaling.Ramp.BAU.Value),
		fmtCount(h.RPSPerPod.Value), fmtCount(h.BAUReplicas.Value), fmtCount(t.Plan.Zones.Value))
}

func maxComment(t *Tier) string {
	h := t.Autoscaling.HPA
	s := fmt.Sprintf("%s × plan %s, capped by N* and quota", fmtNum(maxOverPlan), fmtCount(t.Plan.Replicas.Value))
	if u := t.USL; u == nil || u.NStar.Status != Identified {
		s += " (N* not identified)"
	}
	if top := inRange * t.Sizes[len(t.Sizes)-1].Replicas.Value; h.Max.Value > top {
		s += fmt.Sprintf("; above %s pods is untested", fmtCount(top))
	}
	return s
}

// behavior writes an HPA behaviour at indent; tolerance is emitted on
// scale-up only when allowed, else shown as a comment.
func behavior(d *yamlDoc, indent int, b Behavior, tol Value, emitTolerance bool) {
	d.kv(indent, "behavior", "", "")
	for _, dir := range []struct {
		name string
		r    Rules
		up   bool
	}{{"scaleUp", b.ScaleUp, true}, {"scaleDown", b.ScaleDown, false}} {
		in := indent + 2
		d.kv(in, dir.name, "", "")
		d.kv(in+2, "stabilizationWindowSeconds", strconv.Itoa(dir.r.StabilizationWindowSeconds), "")
		if dir.r.SelectPolicy != "" {
			d.kv(in+2, "selectPolicy", dir.r.SelectPolicy, "")
		}
		d.kv(in+2, "policies", "", "")
		for _, p := range dir.r.Policies {
			d.item(in+2, "type", p.Type, "")
			d.kv(in+4, "value", strconv.Itoa(p.Value), "")
			d.kv(in+4, "periodSeconds", strconv.Itoa(p.PeriodSeconds), "")
		}
		switch {
		case dir.up && emitTolerance:
			d.kv(in+2, "tolerance", strconv.FormatFloat(tol.Value, 'f', -1, 64),
				"Kubernetes ≥ 1.35 (HPAConfigurableTolerance): the cron floor holds near the plan")
		case dir.up:
			d.comment(in+2, fmt.Sprintf("tolerance: %s   # only on clusters ≥ 1.35 (HPAConfigurableTolerance, KEP-4951)",
				strconv.FormatFloat(scaleUpTolerance, 'f', -1, 64)))
		}
	}
}

// scaledObject is a deployment's KEDA ScaledObject.
func scaledObject(r *Report, t *Tier) *yamlDoc {
	d := &yamlDoc{}
	tf := forecastOf(r, t)
	a := t.Autoscaling
	h, ps := a.HPA, a.Prescale
	header(d, r, t, "remove the cron trigger after "+ps.RemoveAfter)
	d.comment(0, fmt.Sprintf("KEDA creates the HPA keda-hpa-%s; do not also create an HPA for this Deployment.", objectOf(tf)))
	metadata(d, "keda.sh/v1alpha1", "ScaledObject", tf)
	d.kv(0, "spec", "", "")
	scaleTargetRef(d, 2, tf)
	d.kv(2, "pollingInterval", "15", "")
	d.kv(2, "minReplicaCount", intStr(h.Min.Value), minComment(t))
	d.kv(2, "maxReplicaCount", intStr(h.Max.Value), maxComment(t))
	prom := tf.Query != "" && tf.Prometheus != ""
	fallback(d, r, prom, h)
	d.kv(2, "advanced", "", "")
	d.kv(4, "horizontalPodAutoscalerConfig", "", "")
	behavior(d, 6, h.Behavior, a.Tolerance, false) // KEDA may not pass tolerance through
	triggers(d, t, tf, prom)
	return d
}

// fallback writes the ScaledObject's fallback: only with a scaler that can
// fail (prometheus) and for KEDA ≥ 2.17 or unknown; before 2.17 KEDA
// rejects fallback next to a cpu trigger and has no fallback behavior.
func fallback(d *yamlDoc, r *Report, prom bool, h HPA) {
	cpu := h.CPUUtilisation != nil
	modern := r.Policy.KEDAVersion == "" || versionAtLeast(r.Policy.KEDAVersion, 2, 17)
	switch {
	case prom && modern:
		d.kv(2, "fallback", "", "Prometheus unreachable: never scale down because of it")
		d.kv(4, "failureThreshold", "3", "")
		d.kv(4, "replicas", intStr(h.Min.Value), "")
		d.kv(4, "behavior", "currentReplicasIfHigher", "KEDA ≥ 2.17")
	case prom && cpu:
		d.comment(2, "no fallback: KEDA before 2.17 rejects fallback next to a cpu trigger")
	case prom:
		d.comment(2, "no fallback: its behavior needs KEDA ≥ 2.17")
	}
}

// triggers writes the cron, prometheus and cpu triggers.
func triggers(d *yamlDoc, t *Tier, tf *TierForecast, prom bool) {
	h, ps := t.Autoscaling.HPA, t.Autoscaling.Prescale
	d.kv(2, "triggers", "", "")
	d.item(2, "type", "cron", fmt.Sprintf("floor of %s pods for the event window", fmtCount(ps.Replicas.Value)))
	d.kv(4, "name", yamlStr(objectOf(tf)+"-prescale"), "")
	d.kv(4, "metadata", "", "")
	d.kv(6, "timezone", yamlStr(ps.Timezone), "")
	d.kv(6, "start", `"`+ps.Start+`"`, ps.From.Format("2006-01-02 15:04 MST"))
	d.kv(6, "end", `"`+ps.End+`"`, ps.To.Format("2006-01-02 15:04 MST"))
	d.kv(6, "desiredReplicas", quotedInt(ps.Replicas.Value), "")
	if prom {
		d.item(2, "type", "prometheus", "request rate above the forecast adds pods")
		d.kv(4, "name", yamlStr(objectOf(tf)+"-rps"), "")
		d.kv(4, "metricType", "AverageValue", "")
		d.kv(4, "metadata", "", "")
		d.kv(6, "serverAddress", yamlStr(tf.Prometheus), "")
		d.kv(6, "query", yamlStr(tf.Query), "")
		d.kv(6, "threshold", quotedInt(h.RPSPerPod.Value), rpsComment(t))
	} else {
		d.comment(2, "No request-rate trigger: the forecast gives no Prometheus server and query. Add a trigger on")
		d.comment(2, fmt.Sprintf("the service's request rate with metricType AverageValue and a per-pod target of %s req/s.",
			fmtCount(h.RPSPerPod.Value)))
	}
	if h.CPUUtilisation != nil {
		d.item(2, "type", "cpu", "backstop if the cost per request regresses")
		d.kv(4, "metricType", "Utilization", "")
		d.kv(4, "metadata", "", "")
		d.kv(6, "value", quotedInt(h.CPUUtilisation.Value), cpuComment(tf, h))
	}
}

// rpsComment explains T_pod.
func rpsComment(t *Tier) string {
	return fmt.Sprintf("ceil(%s / %s)", fmtCount(t.Plan.ForecastPeak.Value), fmtCount(t.Plan.Replicas.Value))
}

// cpuComment explains the CPU target.
func cpuComment(tf *TierForecast, h HPA) string {
	use := tf.CPUBase + tf.CPUPerRequest*h.RPSPerPod.Value
	return fmt.Sprintf("(%s + %s × %s) / %s cores = %s, rounded down to 5 %%", strconv.FormatFloat(tf.CPUBase, 'f', -1, 64),
		strconv.FormatFloat(tf.CPUPerRequest, 'f', -1, 64), fmtCount(h.RPSPerPod.Value),
		strconv.FormatFloat(tf.CPURequest, 'f', -1, 64), fmtPercent(use/tf.CPURequest))
}

// metricName is the external metric's name for a deployment.
func metricName(tf *TierForecast) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(objectOf(tf)) + "_requests_per_second"
}

// hpaDocs are a deployment's two HPAs: the event copy and the BAU copy.
func hpaDocs(r *Report, t *Tier) []*yamlDoc {
	tf := forecastOf(r, t)
	a := t.Autoscaling
	ps := a.Prescale
	emitTol := versionAtLeast(r.Policy.KubernetesVersion, 1, 35)
	event := hpaDoc(r, t, tf, a.Prescale.Replicas.Value, emitTol,
		fmt.Sprintf("event copy: apply at %s", ps.From.Format("2006-01-02 15:04 MST")),
		fmt.Sprintf("the plan, until %s; BAU copy: %s", ps.To.Format("15:04 MST"), fmtCount(a.HPA.Min.Value)))
	bau := hpaDoc(r, t, tf, a.HPA.Min.Value, emitTol,
		fmt.Sprintf("BAU copy: apply at %s", ps.To.Format("2006-01-02 15:04 MST")), minComment(t))
	return []*yamlDoc{event, bau}
}

// hpaDoc is one autoscaling/v2 HPA with minReplicas min.
func hpaDoc(r *Report, t *Tier, tf *TierForecast, min float64, emitTol bool, what, minWhy string) *yamlDoc {
	d := &yamlDoc{}
	h := t.Autoscaling.HPA
	header(d, r, t, what)
	metadata(d, "autoscaling/v2", "HorizontalPodAutoscaler", tf)
	d.kv(0, "spec", "", "")
	scaleTargetRef(d, 2, tf)
	d.kv(2, "minReplicas", intStr(min), minWhy)
	d.kv(2, "maxReplicas", intStr(h.Max.Value), maxComment(t))
	d.kv(2, "metrics", "", "")
	d.item(2, "type", "External", "")
	d.kv(4, "external", "", "")
	d.kv(6, "metric", "", "")
	d.kv(8, "name", metricName(tf), "served by the cluster's external metrics adapter")
	if tf.Query != "" {
		d.comment(8, "adapter query: "+tf.Query)
	}
	d.kv(6, "target", "", "")
	d.kv(8, "type", "AverageValue", "")
	d.kv(8, "averageValue", quotedInt(h.RPSPerPod.Value), rpsComment(t))
	if h.CPUUtilisation != nil {
		d.item(2, "type", "Resource", "")
		d.kv(4, "resource", "", "")
		d.kv(6, "name", "cpu", "")
		d.kv(6, "target", "", "")
		d.kv(8, "type", "Utilization", "")
		d.kv(8, "averageUtilization", intStr(h.CPUUtilisation.Value), cpuComment(tf, h))
	}
	behavior(d, 2, h.Behavior, t.Autoscaling.Tolerance, emitTol)
	return d
}

// aerospikeCluster is a KV tier's AerospikeCluster spec.size snippet.
func aerospikeCluster(r *Report, t *Tier) *yamlDoc {
	d := &yamlDoc{}
	tf := forecastOf(r, t)
	kv := t.KV
	header(d, r, t, "a change to apply by "+kv.ResizeByDate+", not an autoscaler")
	d.comment(0, "Merge into the existing AerospikeCluster (kubectl patch --type merge); the operator spreads nodes over racks.")
	metadata(d, "asdb.aerospike.com/v1", "AerospikeCluster", tf)
	d.kv(0, "spec", "", "")
	why := fmt.Sprintf("%s per rack; wait for migrations to finish, then confirm at %s ops/s",
		fmtCount(kv.PerRack.Value), fmtNum(kv.ConfirmRate.Value))
	if kv.CurrentSize != nil {
		why = "was " + fmtCount(kv.CurrentSize.Value) + "; " + why
	}
	d.kv(2, "size", intStr(kv.Size.Value), why)
	return d
}
