package capacity

import (
	"errors"
	"testing"
)

func TestReportErr(t *testing.T) {
	planned := Tier{Name: "api", Plan: &Plan{Replicas: &Value{Value: 9}}}
	refused := Tier{Name: "api", Plan: &Plan{}}
	forecast := &Forecast{Tiers: []TierForecast{{Name: "api", EventPeak: 1000}}}
	tests := []struct {
		name string
		r    Report
		want error
	}{
		{"planned", Report{Forecast: forecast, Tiers: []Tier{planned}}, nil},
		{"no forecast plans nothing", Report{Tiers: []Tier{refused}}, nil},
		{"refused", Report{Forecast: forecast, Tiers: []Tier{refused}}, ErrRefused},
		{"no plan section", Report{Forecast: forecast, Tiers: []Tier{{Name: "api"}}}, ErrRefused},
		{"forecast tier never searched", Report{Forecast: &Forecast{Tiers: []TierForecast{{Name: "api"}, {Name: "kv"}}},
			Tiers: []Tier{planned}}, ErrRefused},
		{"invalid search", Report{Forecast: forecast, Tiers: []Tier{refused},
			Searches: []Search{{Tier: "api", Status: "invalid"}}}, ErrInvalidSearch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Err()
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Err() = %v; want %v", err, tt.want)
			}
		})
	}
}
