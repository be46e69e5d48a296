package scenarios

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/workloads"
)

func TestBundledScenariosLoad(t *testing.T) {
	infos := Bundled()
	var got []string
	for _, info := range infos {
		got = append(got, info.Name)
	}
	if want := "bbd-capacity-search bbd-checkout-funnel bbd-flash-sale bbd-flash-sale-aerospike bbd-flash-sale-redis smoke"; strings.Join(got, " ") != want {
		t.Fatalf("Bundled() = %v; want %s", got, want)
	}
	for _, info := range infos {
		p, err := LoadBundled(info.Name)
		if err != nil {
			t.Fatalf("LoadBundled(%s): %v", info.Name, err)
		}
		if p.Name != info.Name || info.Description == "" || p.Source != "bundled:"+info.Name {
			t.Errorf("bundled %s: name %q, description %q, source %q", info.Name, p.Name, info.Description, p.Source)
		}
		if p.Capacity != nil {
			continue // a capacity search picks its own stages
		}
		if _, err := workloads.NewProfile(p.Stages); err != nil {
			t.Errorf("bundled %s: %v", info.Name, err)
		}
	}
}

// bbd-flash-sale is the sale the README describes: a 10x surge over 60 s.
func TestFlashSaleShape(t *testing.T) {
	p, err := LoadBundled("bbd-flash-sale")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range p.Stages {
		names = append(names, st.Name)
	}
	if got := strings.Join(names, ","); got != "warm-up,pre-sale,midnight-surge,peak-hold,cool-down" {
		t.Errorf("stages %s", got)
	}
	surge := p.Stages[2]
	if surge.Duration != 60*time.Second || surge.To != 10*surge.From {
		t.Errorf("midnight-surge: %v from %v to %v; want 60s and 10x", surge.Duration, surge.From, surge.To)
	}
	if p.Duration() != 90*time.Second {
		t.Errorf("Duration() = %v; want 90s", p.Duration())
	}
}

// The Aerospike and Redis variants send the same sale traffic: the same
// ops by name and weight, keyspaces, stages and SLOs, and a populate of the
// catalogue that product pages read.
func TestFlashSaleVariants(t *testing.T) {
	base, err := LoadBundled("bbd-flash-sale")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bbd-flash-sale-aerospike", "bbd-flash-sale-redis"} {
		p, err := LoadBundled(name, WithEnv(func(string) (string, bool) { return "", false }))
		if err != nil {
			t.Fatal(err)
		}
		for i, op := range p.Ops {
			b := base.Ops[i]
			if op.Name != b.Name || op.Weight != b.Weight || op.Keyspace != b.Keyspace {
				t.Errorf("%s: op %d is %s (weight %v); want %s (weight %v)", name, i, op.Name, op.Weight, b.Name, b.Weight)
			}
		}
		sameKeyspaces := true
		for i, ks := range p.Keyspaces {
			sameKeyspaces = sameKeyspaces && ks.Name == base.Keyspaces[i].Name && ks.Count == base.Keyspaces[i].Count
		}
		if !cmp.Equal(p.Stages, base.Stages) || !sameKeyspaces || len(p.SLOs) < 4 {
			t.Errorf("%s: stages, keyspaces or SLOs differ from bbd-flash-sale", name)
		}
		if len(p.Populate) != 1 || p.Populate[0].Count != 1_000_000 || p.Keyspaces[p.Populate[0].Op.Keyspace].Name != "catalogue" {
			t.Errorf("%s: populate = %+v; want the 1M catalogue keys", name, p.Populate)
		}
		env := map[string]string{"SURGE_AEROSPIKE_HOSTS": "10.0.0.1:3000,10.0.0.2", "SURGE_REDIS_ADDRS": "10.0.0.9:6380", "SURGE_CATALOGUE_KEYS": "2k"}
		p, err = LoadBundled(name, WithEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
		if err != nil {
			t.Fatal(err)
		}
		var hosts []string
		if a := p.Targets[0].Aerospike; a != nil {
			hosts = a.Hosts
		} else {
			hosts = p.Targets[0].Redis.Addrs
		}
		if got := strings.Join(hosts, ","); got != "10.0.0.1:3000,10.0.0.2:3000" && got != "10.0.0.9:6380" {
			t.Errorf("%s: hosts from the environment = %s", name, got)
		}
		if p.Populate[0].Count != 2000 {
			t.Errorf("%s: SURGE_CATALOGUE_KEYS=2k gave %d keys", name, p.Populate[0].Count)
		}
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "smoke")
	data, err := bundled.ReadFile("bundled/smoke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), "name: smoke", "name: local", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := Resolve(file); err != nil || p.Name != "local" {
		t.Errorf("Resolve(file) = %v, %v; want the file", p, err)
	}
	if p, err := Resolve("smoke"); err != nil || p.Source != "bundled:smoke" {
		t.Errorf("Resolve(smoke) = %v, %v; want the bundled one", p, err)
	}
	_, err = Resolve("no-such")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "bbd-flash-sale, bbd-flash-sale-aerospike, bbd-flash-sale-redis, smoke") {
		t.Errorf("Resolve(no-such) = %v; want ErrNotExist listing the bundled names", err)
	}
}

func TestScale(t *testing.T) {
	p, err := LoadBundled("smoke")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Scale(2, 0.5); err != nil {
		t.Fatal(err)
	}
	if st := p.Stages[1]; st.From != 2000 || st.To != 2000 || st.Duration != 4*time.Second {
		t.Errorf("scaled steady stage = %v at %v..%v/s; want 4s at 2000/s", st.Duration, st.From, st.To)
	}
	before := slices.Clone(p.Stages)
	tests := []struct {
		name           string
		rate, duration float64
	}{
		{"zero rate", 0, 1},
		{"negative duration", 1, -1},
		{"NaN", math.NaN(), 1},
		{"infinite rate", math.Inf(1), 1},
		{"stage of no time", 1, 1e-12},
		{"profile too long", 1, 1e15},
		{"rates overflow", 1e300, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.Scale(tt.rate, tt.duration); err == nil {
				t.Errorf("Scale(%v, %v) = nil; want an error", tt.rate, tt.duration)
			}
			if diff := cmp.Diff(before, p.Stages); diff != "" {
				t.Errorf("a failed Scale changed the stages (-before +after):\n%s", diff)
			}
		})
	}
}

func TestProfile(t *testing.T) {
	p, err := LoadBundled("bbd-flash-sale")
	if err != nil {
		t.Fatal(err)
	}
	prof, err := p.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if prof.Duration() != p.Duration() {
		t.Errorf("Profile().Duration() = %v; want %v", prof.Duration(), p.Duration())
	}
	p.Stages[0].Duration = 0
	if _, err := p.Profile(); err == nil {
		t.Error("Profile() of a stage of no time = nil error; want one")
	}
}

// The scenario file's defaults reach the Plan.
func TestDefaults(t *testing.T) {
	p, err := Parse("d.yaml", []byte(`
name: d
targets: {kv: {driver: sim, servers: 1, service_time: 1ms}}
keyspaces: {k: {count: 10}, z: {count: 10, distribution: zipfian}, h: {count: 10, distribution: hotspot}}
mix: {o: {weight: 1, target: kv, op: get, keyspace: k}}
profile: [{name: s, duration: 1s, ramp_to: 5}]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Interval: time.Second, MaxInFlight: 10000, Workers: 0, DrainTimeout: 5 * time.Second}
	if p.Options != want || p.Seed != 1 || p.Source != "d.yaml" {
		t.Errorf("options %+v, seed %d, source %q; want %+v, 1, d.yaml", p.Options, p.Seed, p.Source, want)
	}
	if s := p.Targets[0].Sim; s.ServiceDist != "constant" || s.P99Ratio != 3 || s.QueueLimit != 0 || s.StallFor != 0 {
		t.Errorf("sim defaults = %+v", s)
	}
	if st := p.Stages[0]; st.From != 0 || st.To != 5 || st.Steps != 0 || st.Arrival != workloads.Uniform {
		t.Errorf("stage = %+v; want a ramp from 0 to 5, uniform", st)
	}
	if op := p.Ops[0]; op.Sizes != nil || op.Sim != nil {
		t.Errorf("op = %+v; want no sizes and no sim options", op)
	}
	if _, ok := p.Keyspaces[0].Keys.(*workloads.UniformKeys); !ok {
		t.Errorf("keys of k = %T; want uniform", p.Keyspaces[0].Keys)
	}
	if _, ok := p.Keyspaces[1].Keys.(*workloads.Zipf); !ok {
		t.Errorf("keys of z = %T; want zipf", p.Keyspaces[1].Keys)
	}
}
