package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/surgeload/surge/coordinator"
)

type populateOptions struct {
	load    loadOptions
	out     string
	seed    uint64
	restart bool
}

func newPopulateCmd(e *env) *cobra.Command {
	var o populateOptions
	cmd := &cobra.Command{
		Use:   "populate SCENARIO|FILE",
		Short: "Write the keyspaces of a scenario's populate section, resumably",
		Long: "Write every key of each keyspace in the scenario's populate section, rate-capped,\n" +
			"before a run (then run it with --skip-populate). Progress is checkpointed to\n" +
			"--out/populate.json: run the same command again to resume after an interruption;\n" +
			"a keyspace already written is skipped, so no record is ever written twice.\n" +
			"Exit codes: 0 ok, 2 bad usage or input, 3 the populate failed.",
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = cobraRunE(func(ctx context.Context, args []string) error {
		return o.run(ctx, e, args[0], cmd.Flags().Changed("seed"))
	})
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "checkpoint directory (default ./surge-results/<scenario>-populate)")
	f.Uint64Var(&o.seed, "seed", 0, "override the scenario's seed (it picks the value sizes)")
	f.BoolVar(&o.restart, "restart", false, "ignore the checkpoint and write every key again")
	o.load.flags(f)
	return cmd
}

func (o *populateOptions) run(ctx context.Context, e *env, name string, seedSet bool) error {
	plan, targets, err := o.load.resolve(e, name)
	if err != nil {
		return err
	}
	if len(plan.Populate) == 0 {
		return usageError{fmt.Errorf("scenario %s has no populate section", plan.Name)}
	}
	if seedSet {
		plan.Seed = o.seed
	}
	out := o.out
	if out == "" {
		out = filepath.Join("surge-results", plan.Name+"-populate")
	}
	if o.restart {
		if err := os.Remove(filepath.Join(out, coordinator.PopulateFile)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	_, err = coordinator.Populate(ctx, plan, coordinator.Options{
		OutDir:    out,
		NewTarget: targets.newTarget,
		Progress:  e.stdout,
		Live:      e.stdoutTTY,
	})
	return err
}
