package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/surgeload/surge/scenarios"
)

// loadOptions are the flags of every command that loads a scenario.
type loadOptions struct {
	env []string // --env NAME=VALUE, ahead of the process environment
}

func (o *loadOptions) flags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.env, "env", nil, "set NAME=VALUE for ${NAME} in the scenario (repeatable; wins over the environment)")
}

// lookup returns the variables a scenario sees: --env first, then the
// process environment.
func (o *loadOptions) lookup(e *env) (func(string) (string, bool), error) {
	set := map[string]string{}
	for _, kv := range o.env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, usageError{fmt.Errorf("--env %q: expected NAME=VALUE", kv)}
		}
		set[name] = value
	}
	return func(name string) (string, bool) {
		if v, ok := set[name]; ok {
			return v, true
		}
		if e.lookupEnv == nil {
			return "", false
		}
		return e.lookupEnv(name)
	}, nil
}

// resolve loads a scenario file or bundled scenario with the flags' env,
// and returns it with the builder of its targets, whose password_env reads
// that same env.
func (o *loadOptions) resolve(e *env, name string) (*scenarios.Plan, targetBuilder, error) {
	lookup, err := o.lookup(e)
	if err != nil {
		return nil, targetBuilder{}, err
	}
	plan, err := scenarios.Resolve(name, scenarios.WithEnv(lookup))
	return plan, targetBuilder{lookup: lookup}, err
}
