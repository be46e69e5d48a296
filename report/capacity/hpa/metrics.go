package hpa

import "math"

// within is the controller's tolerance test (Tolerances.isWithin): no
// action while 1 − down ≤ ratio ≤ 1 + up. Written this way, a ratio of
// exactly 1.1 is inside a 0.1 tolerance, as in Kubernetes ≥ 1.33.
func (c *Controller) within(ratio float64) bool {
	return 1-c.tolDown <= ratio && ratio <= 1+c.tolUp
}

// externalReplicas is GetExternalPerPodMetricReplicas (an External or
// Object metric with an AverageValue target): ceil(total/target) unless
// total/(target × current) is within the tolerance. Quantities travel in
// milli-units, as resource.Quantity.MilliValue gives them.
func (c *Controller) externalReplicas(current int, total, target float64) int {
	usage, tgt := float64(milli(total)), float64(milli(target))
	if tgt <= 0 {
		return current
	}
	if c.within(usage / (tgt * float64(current))) {
		return current
	}
	return clampInt(math.Ceil(usage / tgt))
}

// requestMilli is the CPU request the model gives every pod. Only ratios
// matter; 1000 m keeps the controller's integer percentages exact.
const requestMilli = 1000

// cpuReplicas is GetResourceReplicas for CPU with a Utilization target.
// Pods set aside as not ready count as 0 % on a scale-up; missing pods as
// 0 % on a scale-up and max(100 %, target) on a scale-down; if the
// recomputed ratio is then within the tolerance, or points the other way,
// nothing changes. Not ok when no pod has a usable sample.
func (c *Controller) cpuReplicas(current int, o Observation, target float64) (int, bool) {
	if o.Ready <= 0 {
		return 0, false
	}
	tgt := int64(math.Round(target * 100))
	perPod := int64(math.Round(math.Max(o.Value, 0) * requestMilli))
	if perPod > math.MaxInt64/int64(o.Ready+o.Unready+o.Missing+1)/100 || math.IsNaN(o.Value) {
		return 0, false
	}
	sum, n := int64(o.Ready)*perPod, int64(o.Ready)
	ratio := utilRatio(sum, n, tgt)
	unreadyUp := o.Unready > 0 && ratio > 1
	if !unreadyUp && o.Missing <= 0 {
		if c.within(ratio) {
			return current, true
		}
		return clampInt(math.Ceil(ratio * float64(o.Ready))), true
	}
	if o.Missing > 0 {
		switch {
		case ratio < 1:
			sum += int64(o.Missing) * requestMilli * max(100, tgt) / 100
			n += int64(o.Missing)
		case ratio > 1:
			n += int64(o.Missing)
		}
	}
	if unreadyUp {
		n += int64(o.Unready)
	}
	next := utilRatio(sum, n, tgt)
	if c.within(next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1) {
		return current, true
	}
	replicas := clampInt(math.Ceil(next * float64(n)))
	if (next < 1 && replicas > current) || (next > 1 && replicas < current) {
		return current, true
	}
	return replicas, true
}

// utilRatio is GetResourceUtilizationRatio: the utilisation in whole
// percent (integer division, as the controller does) over the target.
func utilRatio(sumMilli, pods, targetPct int64) float64 {
	util := sumMilli * 100 / (pods * requestMilli)
	return float64(util) / float64(targetPct)
}

// milli is resource.Quantity.MilliValue for a float: rounded up to the
// next milli-unit (with a little slack for binary fractions).
func milli(x float64) int64 {
	if math.IsNaN(x) || x <= 0 {
		return 0
	}
	return int64(math.Min(math.Ceil(x*1000-1e-6), math.MaxInt64/4))
}

// clampInt converts a replica count that may overflow int.
func clampInt(x float64) int {
	if math.IsNaN(x) || x < 0 {
		return 0
	}
	if x > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(x)
}
