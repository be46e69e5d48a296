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

// Err returns nil when every tier the forecast names has a plan (a
// report without a forecast plans nothing, and is not refused), or an
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
		for _, ft := range r.Forecast.Tiers {
			i := slices.IndexFunc(r.Tiers, func(t Tier) bool { return t.Name == ft.Name })
			if slices.Contains(invalid, ft.Name) {
				continue
			}
			// A forecast tier no search measured gets no plan either.
			if i < 0 || r.Tiers[i].Plan == nil || r.Tiers[i].Plan.Replicas == nil {
				refused = append(refused, ft.Name)
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
