package capacity

import (
	"fmt"
	"time"

	"github.com/surgeload/surge/report/capacity/usl"
)

// Aerospike sizing constants (capacity-method.md §5.2 and §10).
const (
	// indexBytesPerRecord is the primary index entry of one record copy.
	indexBytesPerRecord = 64
	// memoryFraction is the share of namespace memory the index may use.
	memoryFraction = 0.60
	// diskFraction is the share of a device the data may use
	// (high-water-disk-pct 50 %, 2× write amplification).
	diskFraction = 0.50
	// resizeLeadH is how long before the event a resize must be done.
	resizeLeadH = 24
	// clientQueueSize is the Aerospike Go client's default
	// ConnectionQueueSize per node (v7).
	clientQueueSize = 100
)

// planAerospike sizes an Aerospike cluster (capacity-method.md §5.2):
// N = max(N_tps + spare, N_mem, N_disk, RF) rounded up to the racks.
func planAerospike(t *Tier, sc *scaling, tf *TierForecast, sizes []sizePoint, env *planEnv) {
	pol := env.policy
	p := newPlan(sc, tf.EventPeak, skewValue(t, sizes, pol, "nodes"), pol)
	t.Plan = p
	racks := intOr(t, tf.Racks, 1, "%d rack (default: the forecast gives none).")
	rf := intOr(t, tf.ReplicationFactor, defaultRF, "Replication factor %d (default: the forecast gives none).")
	p.Zones = assumed(float64(racks))
	ntps, ok := replicasFor(t, p, sc, "nodes")
	if !ok {
		return
	}
	spare, why := kvSpare(t, pol.FailureDomain, ntps, racks)
	p.Spare = computed(float64(spare))
	kv := &KV{ReplicationFactor: assumed(float64(rf)), Racks: assumed(float64(racks)),
		ThroughputNodes: p.ReplicasForCapacity, AfterLoss: computed(float64(ntps + spare))}
	if tf.CurrentSize > 0 {
		kv.CurrentSize = ptr(assumed(float64(tf.CurrentSize)))
	}
	s := storageOf(t, tf, rf)
	n := roundUp(max(ntps+spare, rf, s.memNodes, s.diskNodes), racks)
	breakdown := fmt.Sprintf("%d for throughput, %s, at least the memory, disk and replication-factor minimums, "+
		"rounded up to a multiple of %d racks", ntps, why, racks)
	if !labelPlan(t, p, sc, n, "nodes", breakdown) {
		return
	}
	finishPlan(p, sc, n)
	kv.Size = computed(float64(n))
	kv.PerRack = computed(float64(n / racks))
	s.record(kv, tf, n)
	postFailure(t, kv, sc, n, s.index)
	kvSchedule(t, kv, p, env)
	t.KV = kv
	if tf.CurrentSize > n {
		t.Warnings = append(t.Warnings, fmt.Sprintf("The plan for %s, %d nodes, is below its current %d: do not "+
			"shrink a cluster before an event; migrations cost throughput.", t.Name, n, tf.CurrentSize))
	}
	pools(t, p.ForecastPeak.Value, computed(p.ForecastPeak.Value/float64(n)), env)
}

// storage is the memory and disk a cluster's records need, and the nodes
// that gives (0 when not sized).
type storage struct {
	index, data         float64 // primary index and stored bytes, replicas included
	memNodes, diskNodes int
}

// storageOf sizes memory (N_mem = ceil(I / (0.60 × M_node))) and disk
// (N_disk = ceil(2D / device)), saying which could not be sized.
func storageOf(t *Tier, tf *TierForecast, rf int) storage {
	s := storage{index: indexBytesPerRecord * float64(rf) * tf.Records, data: tf.Records * float64(rf) * tf.RecordBytes}
	if tf.Records > 0 && tf.NodeMemoryBytes > 0 {
		s.memNodes = ceilN(s.index / (memoryFraction * tf.NodeMemoryBytes))
	} else {
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("Memory of %s not sized: the forecast gives no records "+
			"or node memory.", t.Name))
	}
	if tf.Records > 0 && tf.RecordBytes > 0 && tf.NodeDiskBytes > 0 {
		s.diskNodes = ceilN(2 * s.data / tf.NodeDiskBytes)
	} else {
		t.Assumptions = append(t.Assumptions, fmt.Sprintf("Disk of %s not sized: the forecast gives no records, "+
			"record size or node disk.", t.Name))
	}
	return s
}

// record writes the sizing of n nodes into kv.
func (s storage) record(kv *KV, tf *TierForecast, n int) {
	if s.memNodes > 0 {
		kv.MemoryNodes = ptr(computed(float64(s.memNodes)))
		kv.Memory = &KVMemory{IndexBytes: computed(s.index), PerNodeBytes: computed(s.index / float64(n)),
			NodeBytes: assumed(tf.NodeMemoryBytes), Fraction: assumed(memoryFraction),
			LimitBytes: computed(memoryFraction * tf.NodeMemoryBytes)}
	}
	if s.diskNodes > 0 {
		per := s.data / float64(n)
		kv.DiskNodes = ptr(computed(float64(s.diskNodes)))
		kv.Disk = &KVDisk{Bytes: computed(s.data), PerNodeBytes: computed(per), NodeBytes: assumed(tf.NodeDiskBytes),
			Share: computed(per / tf.NodeDiskBytes), Fraction: assumed(diskFraction)}
	}
}

// kvSpare is the failure domain's spare for ntps nodes and how it was
// reached in words.
func kvSpare(t *Tier, domain string, ntps, racks int) (int, string) {
	switch domain {
	case DomainNone:
		return 0, "no failure-domain spare"
	case DomainZone:
		if racks < 2 {
			t.Warnings = append(t.Warnings, fmt.Sprintf("The failure domain of %s is a zone (rack), but it has one "+
				"rack: one node is kept spare instead.", t.Name))
			return 1, "+1 for the loss of one node"
		}
		s := ceilN(float64(ntps)*float64(racks)/float64(racks-1)) - ntps
		return s, fmt.Sprintf("+%d to survive the loss of one of %d racks", s, racks)
	}
	return 1, "+1 for the loss of one node"
}

// postFailure checks the cluster of n nodes with one node lost.
func postFailure(t *Tier, kv *KV, sc *scaling, n int, index float64) {
	f := t.Plan.ForecastPeak.Value
	c := t.Plan.RequiredCapacity.Value
	if n < 2 {
		kv.PostFailure = PostFailure{Capacity: computed(0), ForecastShare: computed(0)}
		t.Warnings = append(t.Warnings, fmt.Sprintf("%s has one node: losing it loses the cluster.", t.Name))
		return
	}
	m := float64(n - 1)
	x := sc.x(m)
	pf := PostFailure{Capacity: sc.capacityAt(m),
		ForecastShare: sc.value(f/x, func(md usl.Model) float64 { return f / md.X(m) }), OK: x >= c*(1-1e-9)}
	if kv.Memory != nil {
		per := index / m
		pf.MemoryPerNode = ptr(computed(per))
		pf.OK = pf.OK && per <= kv.Memory.LimitBytes.Value
	}
	kv.PostFailure = pf
	if !pf.OK {
		t.Warnings = append(t.Warnings, fmt.Sprintf("With one node of %s lost, %d nodes fall short of the required "+
			"capacity or the memory limit: consider a node failure domain.", t.Name, n-1))
	}
}

// kvSchedule sets the resize deadline and the confirmation rate.
func kvSchedule(t *Tier, kv *KV, p *Plan, env *planEnv) {
	f := env.forecast
	kv.LeadH = assumed(resizeLeadH)
	kv.ResizeBy = f.Event.Add(-resizeLeadH * time.Hour).In(env.loc)
	y, mo, d := kv.ResizeBy.Date()
	kv.ResizeByDate = time.Date(y, mo, d, 0, 0, 0, 0, env.loc).Add(-time.Nanosecond).Format(time.DateOnly)
	kv.ConfirmRate = computed(p.ForecastPeak.Value * p.ForecastFactor.Value)
	if !env.opts.Now.IsZero() && env.opts.Now.After(kv.ResizeBy) {
		t.Warnings = append(t.Warnings, fmt.Sprintf("The resize deadline of %s, %s, has passed: resizing now leaves "+
			"less than %d h for migrations and the confirmation.", t.Name, kv.ResizeBy.Format("2006-01-02 15:04 MST"),
			resizeLeadH))
	}
}
