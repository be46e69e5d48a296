package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/surgeload/surge/scenarios"
)

func newScenarioCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenario",
		Short: "Validate and list scenarios",
	}
	var load loadOptions
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scenario files; errors name file:line:col",
		Args:  cobra.MinimumNArgs(1),
		RunE:  cobraRunE(func(_ context.Context, args []string) error { return validateScenarios(e, &load, args) }),
	}
	load.flags(validate.Flags())
	cmd.AddCommand(validate, &cobra.Command{
		Use:   "list",
		Short: "List the bundled scenarios",
		Args:  cobra.NoArgs,
		RunE:  cobraRunE(func(context.Context, []string) error { return listScenarios(e) }),
	})
	return cmd
}

// validateScenarios prints one line per valid file and returns the
// problems of all the others.
func validateScenarios(e *env, load *loadOptions, paths []string) error {
	lookup, err := load.lookup(e)
	if err != nil {
		return err
	}
	var errs []error
	for _, path := range paths {
		plan, err := scenarios.Load(path, scenarios.WithEnv(lookup))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok: %q, %d ops, %d stages, %v\n",
			path, plan.Name, len(plan.Ops), len(plan.Stages), plan.Duration())
	}
	return errors.Join(errs...)
}

func listScenarios(e *env) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDESCRIPTION")
	for _, s := range scenarios.Bundled() {
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Description)
	}
	return tw.Flush()
}
