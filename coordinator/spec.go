package coordinator

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/scenarios"
)

// SpecOptions are the command-line inputs that shape a plan besides its
// source: they travel in the [wire.RunSpec] so that every driver builds
// the coordinator's plan.
type SpecOptions struct {
	// Lookup resolves ${NAME} in the scenario; nil resolves nothing.
	Lookup                   func(name string) (string, bool)
	RateScale, DurationScale float64
	Seed                     uint64
	SeedSet                  bool
}

// NewSpec reads the scenario arg names (a file or a bundled scenario) and
// returns the spec drivers get, and the plan it gives. The spec carries
// the values of the variables the scenario referenced, not the whole
// environment.
func NewSpec(arg string, opts SpecOptions) (*wire.RunSpec, *scenarios.Plan, error) {
	file, src, err := scenarios.ReadSource(arg)
	if err != nil {
		return nil, nil, err
	}
	spec := &wire.RunSpec{File: file, Source: src, RateScale: opts.RateScale, DurationScale: opts.DurationScale,
		Seed: opts.Seed, SeedSet: opts.SeedSet}
	var mu sync.Mutex
	seen := map[string]bool{}
	record := func(name string) (string, bool) {
		if opts.Lookup == nil {
			return "", false
		}
		v, ok := opts.Lookup(name)
		mu.Lock()
		defer mu.Unlock()
		if ok && !seen[name] {
			seen[name] = true
			spec.Env = append(spec.Env, name+"="+v)
		}
		return v, ok
	}
	if _, err := scenarios.Parse(file, src, scenarios.WithEnv(record)); err != nil {
		return nil, nil, err
	}
	slices.Sort(spec.Env)
	plan, err := PlanFromSpec(spec)
	if err == nil && plan.Capacity != nil {
		err = fmt.Errorf("scenario %s: %w", plan.Name, ErrSearchDistributed)
	}
	return spec, plan, err
}

// ErrSearchDistributed refuses a capacity search as a distributed run: a
// search decides each probe's rate from the last one's verdict, in one
// process (surge run without --local-drivers).
var ErrSearchDistributed = errors.New("a capacity search runs in one process: use surge run without --local-drivers")

// ErrBadScale marks a rate or duration scale the plan cannot take.
var ErrBadScale = errors.New("bad scale")

// PlanFromSpec builds the plan of a run from its spec, as every driver
// and the coordinator do.
func PlanFromSpec(spec *wire.RunSpec) (*scenarios.Plan, error) {
	env := map[string]string{}
	for _, kv := range spec.Env {
		name, value, _ := strings.Cut(kv, "=")
		env[name] = value
	}
	plan, err := scenarios.Parse(spec.File, spec.Source, scenarios.WithEnv(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}))
	if err != nil {
		return nil, err
	}
	if name, ok := strings.CutPrefix(spec.File, "bundled:"); ok {
		plan.Source = "bundled:" + strings.TrimSuffix(name, ".yaml")
	}
	if err := plan.Scale(spec.RateScale, spec.DurationScale); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadScale, err)
	}
	if spec.SeedSet {
		plan.Seed = spec.Seed
	}
	return plan, nil
}

// specHash identifies a spec: a checkpoint resumes only the same run.
func specHash(spec *wire.RunSpec) string {
	sum := sha256.Sum256(wire.MarshalSpec(nil, spec))
	return hex.EncodeToString(sum[:])
}
