package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// run executes the surge command line and returns the process exit code.
func run(ctx context.Context, e *env, args []string) int {
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "surge: %v\n", err)
	}
	return exitCode(err)
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "surge",
		Short: "Load testing and capacity planning for sale-event traffic",
		Long: "surge replays modelled sale traffic open-loop, measures latency from each op's\n" +
			"intended start (coordinated-omission corrected) into exactly mergeable HDR\n" +
			"histograms, and reports per stage, per op and against SLOs.",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCmd(e), newCoordinatorCmd(e), newDriverCmd(e), newPopulateCmd(e), newScenarioCmd(e), newTargetCmd(e), newPlanCmd(e), newVersionCmd(e))
	return root
}

// cobraRunE adapts a command body to cobra, marking its failures as run
// failures (see runE).
func cobraRunE(f func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	g := runE(f)
	return func(cmd *cobra.Command, args []string) error { return g(cmd.Context(), args) }
}
