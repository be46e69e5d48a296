package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/report/capacity"
)

type planOptions struct {
	forecast string
	headroom float64
	format   string
}

func newPlanCmd(e *env) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan DIR [DIR...]",
		Short: "Capacity and autoscaling recommendations from capacity-search results",
		Long: "Read the capacity searches in each results directory (surge run of a scenario\n" +
			"with a capacity: block), fit how the tier scales, and size it for the forecast:\n" +
			"replicas or nodes with named headroom factors, HPA and KEDA settings, pre-scaling,\n" +
			"and pools. Searches of one tier at different replica counts, run separately,\n" +
			"combine. --forecast FILE takes the forecast: block of FILE instead of the one the\n" +
			"results carry. Formats: text (default), yaml (the Kubernetes objects), json.\n" +
			"Exit codes: 0 a plan for every forecast tier, 1 a tier was refused (unattainable,\n" +
			"beyond the tested range), 2 bad usage or input, 3 a search measured the generator.",
		Args: cobra.MinimumNArgs(1),
	}
	cmd.RunE = cobraRunE(func(ctx context.Context, args []string) error {
		return o.run(ctx, e, args)
	})
	f := cmd.Flags()
	f.StringVar(&o.forecast, "forecast", "", "a YAML file whose forecast: block to plan for (default: the one in the results)")
	f.Float64Var(&o.headroom, "headroom", 0, "one capacity factor instead of (1+forecast error)·skew/max utilisation")
	f.StringVar(&o.format, "format", "text", "text, yaml or json")
	return cmd
}

func (o *planOptions) run(_ context.Context, e *env, dirs []string) error {
	write, ok := planWriters[o.format]
	if !ok {
		return usageError{fmt.Errorf("--format %q: want text, yaml or json", o.format)}
	}
	if o.headroom != 0 && !(o.headroom >= 1) {
		return usageError{fmt.Errorf("--headroom %g: want a factor of at least 1", o.headroom)}
	}
	in, err := report.ReadPlanInput(dirs, o.forecast)
	if err != nil {
		return usageError{err}
	}
	rep := capacity.Analyze(in.Searches, in.Forecast, capacity.Options{Scenario: in.Scenario, Headroom: o.headroom, Now: e.now()})
	if err := write(e.stdout, rep, strings.Join(dirs, ", ")); err != nil {
		return err
	}
	return rep.Err()
}

// planWriters render a plan by --format.
var planWriters = map[string]func(w io.Writer, r *capacity.Report, dirs string) error{
	"text": func(w io.Writer, r *capacity.Report, dirs string) error {
		return capacity.WriteText(w, r, capacity.TextOptions{Results: dirs})
	},
	"yaml": func(w io.Writer, r *capacity.Report, _ string) error { return capacity.WriteYAML(w, r) },
	"json": func(w io.Writer, r *capacity.Report, _ string) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	},
}
