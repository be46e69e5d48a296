package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/surgeload/surge/report/capacity"
	"github.com/surgeload/surge/scenarios"
)

// ErrNoSearch marks a results directory with no capacity search to plan
// from.
var ErrNoSearch = errors.New("no capacity search")

// PlanInput is what `surge plan` plans from: the searches of one or more
// results directories and the forecast to size for.
type PlanInput struct {
	// Scenario names the scenario of the first directory.
	Scenario string
	// Searches holds every directory's searches, in argument order.
	Searches []capacity.Search
	// Forecast is the forecast file's, or else the first directory's that
	// carries one; nil when there is none.
	Forecast *capacity.Forecast
}

// ReadPlanInput reads results.json from each of dirs and, when
// forecastFile is not empty, the forecast: block of that YAML file
// (a scenario, or a file with just the block).
func ReadPlanInput(dirs []string, forecastFile string) (*PlanInput, error) {
	in := &PlanInput{}
	for _, dir := range dirs {
		path := filepath.Join(dir, "results.json")
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		res, err := ReadJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("plan: %s: %w", path, err)
		}
		if res.Capacity == nil || len(res.Capacity.Searches) == 0 {
			return nil, fmt.Errorf("plan: %s: %w: run a scenario with a capacity: block first", path, ErrNoSearch)
		}
		if in.Scenario == "" {
			in.Scenario = res.Scenario
		}
		in.Searches = append(in.Searches, res.Capacity.Searches...)
		if in.Forecast == nil {
			in.Forecast = res.Capacity.Forecast
		}
	}
	if forecastFile != "" {
		f, err := scenarios.LoadForecast(forecastFile)
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		in.Forecast = CapacityForecast(f)
	}
	return in, nil
}

// CapacityForecast converts a scenario's forecast: block for the planner;
// nil when f is nil.
func CapacityForecast(f *scenarios.Forecast) *capacity.Forecast {
	if f == nil {
		return nil
	}
	// Without a timezone: key the location is a fixed offset, which KEDA's
	// cron trigger cannot take: leave it to the planner to say so.
	zone := f.Location.String()
	if _, err := time.LoadLocation(zone); err != nil {
		zone = ""
	}
	out := &capacity.Forecast{Event: f.Event, Timezone: zone, Hold: f.Hold.Seconds(), Lead: f.Lead.Seconds(),
		Policy: capacity.Policy{ForecastError: f.Policy.ForecastError, MaxUtilisation: f.Policy.MaxUtilisation,
			Skew: f.Policy.Skew, FailureDomain: f.Policy.FailureDomain, Headroom: f.Policy.Headroom,
			KEDA: f.Policy.KEDA, KEDAVersion: f.Policy.KEDAVersion, KubernetesVersion: f.Policy.KubernetesVersion}}
	for _, t := range f.Tiers {
		ct := capacity.TierForecast{Name: t.Name, Kind: t.Kind, Namespace: t.Namespace, Object: t.Object,
			BAUPeak: t.BAUPeak, EventPeak: t.EventPeak, RampS: t.Ramp.Seconds(), Zones: t.Zones, PodsPerNode: t.PodsPerNode,
			PodReadyS: t.PodReady.Seconds(), MetricLagS: t.MetricLag.Seconds(), MaxReplicas: t.MaxReplicas,
			ReplicationFactor: t.ReplicationFactor, Racks: t.Racks, CurrentSize: t.CurrentSize,
			Records: t.Records, RecordBytes: t.RecordSize, NodeMemoryBytes: t.NodeMemory, NodeDiskBytes: t.NodeDisk}
		if t.CPU != nil {
			ct.CPURequest, ct.CPUBase, ct.CPUPerRequest = t.CPU.Request, t.CPU.Base, t.CPU.PerRequest
		}
		if t.Prometheus != nil {
			ct.Prometheus, ct.Query = t.Prometheus.Server, t.Prometheus.Query
		}
		out.Tiers = append(out.Tiers, ct)
	}
	return out
}
