package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/surgeload/surge/coordinator"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
)

// defaultScenario is what `surge run` runs with no argument.
const defaultScenario = "bbd-flash-sale"

type runOptions struct {
	load          loadOptions
	skipPopulate  bool
	noSLO         bool
	out           string
	rateScale     float64
	durationScale float64
	seed          uint64
	localDrivers  int
	fleet         fleetOptions
	// replicas overrides a capacity search's replica counts.
	replicas []int
}

func newRunCmd(e *env) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run [SCENARIO|FILE]",
		Short: "Run a scenario (default: " + defaultScenario + " on the embedded target)",
		Long: "Run a bundled scenario by name or a scenario file, print progress and a summary,\n" +
			"and write results.json, intervals.hlog and summary.txt to --out. A populate\n" +
			"section is written first (see surge populate; --skip-populate skips it).\n" +
			"--local-drivers N runs N driver processes under a coordinator on loopback.\n" +
			"Exit codes: 0 ok, 1 an SLO failed, 2 bad usage or input, 3 the run failed.",
		Args: cobra.MaximumNArgs(1),
	}
	cmd.RunE = cobraRunE(func(ctx context.Context, args []string) error {
		seedSet := cmd.Flags().Changed("seed")
		if o.localDrivers > 0 {
			return o.runLocal(ctx, e, args, seedSet)
		}
		return o.run(ctx, e, args, seedSet)
	})
	f := cmd.Flags()
	o.flags(f)
	f.IntVar(&o.localDrivers, "local-drivers", 0, "run N driver processes and a coordinator on loopback (0: one in-process driver)")
	o.fleet.flags(f)
	return cmd
}

// flags are the flags of every command that runs a plan.
func (o *runOptions) flags(f *pflag.FlagSet) {
	f.StringVar(&o.out, "out", "", "results directory (default ./surge-results/<scenario>-<time>)")
	f.Float64Var(&o.rateScale, "rate-scale", 1, "multiply every stage's rate")
	f.Float64Var(&o.durationScale, "duration-scale", 1, "multiply every stage's duration")
	f.Uint64Var(&o.seed, "seed", 0, "override the scenario's seed")
	f.BoolVar(&o.skipPopulate, "skip-populate", false, "skip the scenario's populate section (the data is already there)")
	f.BoolVar(&o.noSLO, "no-slo", false, "report the SLO verdicts but exit 0 when only an SLO failed (exploratory runs)")
	f.IntSliceVar(&o.replicas, "capacity-replicas", nil, "search at these replica counts instead of the scenario's (a capacity: scenario)")
	o.load.flags(f)
}

func (o *runOptions) run(ctx context.Context, e *env, args []string, seedSet bool) error {
	name := defaultScenario
	if len(args) == 1 {
		name = args[0]
	}
	plan, targets, err := o.load.resolve(e, name)
	if err != nil {
		return err
	}
	if err := o.adjust(plan, seedSet); err != nil {
		return err
	}
	_, err = coordinator.Run(ctx, plan, o.options(e, plan.Name, targets.newTarget))
	return o.sloVerdict(e, err)
}

// adjust applies the flags that change the plan: scales, seed and the
// capacity search's replica counts.
func (o *runOptions) adjust(plan *scenarios.Plan, seedSet bool) error {
	if err := plan.Scale(o.rateScale, o.durationScale); err != nil {
		return usageError{err}
	}
	if seedSet {
		plan.Seed = o.seed
	}
	if o.replicas != nil {
		if err := plan.SearchReplicas(o.replicas); err != nil {
			return usageError{err}
		}
	}
	return nil
}

// options are the coordinator options the flags give.
func (o *runOptions) options(e *env, scenario string, newTarget coordinator.TargetFactory) coordinator.Options {
	out := o.out
	if out == "" {
		out = filepath.Join("surge-results", scenario+"-"+e.now().Format("20060102-150405"))
	}
	return coordinator.Options{
		OutDir:    out,
		NewTarget: newTarget,
		Progress:  e.stdout,
		Live:      e.stdoutTTY,
		Summary:   e.stdout,
		Now:       e.now,

		SkipPopulate: o.skipPopulate,
	}
}

// sloVerdict applies --no-slo to a run's error.
func (o *runOptions) sloVerdict(e *env, err error) error {
	if o.noSLO && errors.Is(err, report.ErrSLOFailed) {
		fmt.Fprintf(e.stderr, "surge: %v (ignored: --no-slo)\n", err)
		return nil
	}
	return err
}
