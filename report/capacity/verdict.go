package capacity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrRefused marks a report in which a tier the forecast names got no
// plan: the forecast is unattainable by scale-out, or beyond what the
// data support. ErrInvalidSearch marks one whose searches measured the
// generator rather than the target.
var (
	ErrRefused       = errors.New("capacity plan refused")
	ErrInvalidSearch = errors.New("capacity search invalid")
)

// Err returns nil when every tier the forecast names has a plan, or an
// error that names the tiers without one: [ErrInvalidSearch] when a
// search was invalid, else [ErrRefused].
func (r *Report) Err() error {
	var invalid, refused []string
	for _, s := range r.Searches {
		if s.Status == "invalid" && !slices.Contains(invalid, s.Tier) {
			invalid = append(invalid, s.Tier)
		}
	}
	if r.Forecast != nil {
		for _, t := range r.Tiers {
			if forecasted(r.Forecast, t.Name) && (t.Plan == nil || t.Plan.Replicas == nil) && !slices.Contains(invalid, t.Name) {
				refused = append(refused, t.Name)
			}
		}
	}
	switch {
	case len(invalid) > 0:
		return fmt.Errorf("no plan for %s: a search measured the load generator, not the target: %w", strings.Join(invalid, ", "), ErrInvalidSearch)
	case len(refused) > 0:
		return fmt.Errorf("no plan for %s: %w", strings.Join(refused, ", "), ErrRefused)
	}
	return nil
}

func forecasted(f *Forecast, tier string) bool {
	for _, t := range f.Tiers {
		if t.Name == tier {
			return true
		}
	}
	return false
}
