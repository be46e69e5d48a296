package scenarios

import (
	"math"
	"testing"
)

// The bundled checkout funnel compiles into one journey op, a step op per
// step named journey.step, the chain of its next maps, and the variable
// its first step extracts and later steps use.
func TestJourneyPlan(t *testing.T) {
	p, err := LoadBundled("bbd-checkout-funnel", WithEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Journeys) != 1 {
		t.Fatalf("%d journeys; want 1", len(p.Journeys))
	}
	j := p.Journeys[0]
	if op := p.Ops[j.Op]; op.Name != "shopper" || op.Kind != "journey" || op.Weight != 1 || op.Target != -1 {
		t.Errorf("journey op %+v", op)
	}
	if len(j.Vars) != 1 || j.Vars[0] != "cart_id" {
		t.Errorf("vars %v; want [cart_id]", j.Vars)
	}
	steps := map[string]int{}
	for i, st := range j.Steps {
		steps[st.Name] = i
		if op := p.Ops[st.Op]; op.Name != "shopper."+st.Name || op.Weight != 0 || op.Kind != "request" || op.HTTP == nil {
			t.Errorf("step %s: op %+v", st.Name, op)
		}
	}
	for _, tc := range []struct {
		from, to string
		p        float64
	}{
		{"land", "browse", 0.6}, {"land", "", 0}, {"product", "add-to-cart", 0.35}, {"product", "", 0.35},
		{"view-cart", "checkout", 0.75}, {"search", "search", 0.1},
	} {
		to := -1
		if tc.to != "" {
			to = steps[tc.to]
		}
		if got := j.Chain.Prob(steps[tc.from], to); math.Abs(got-tc.p) > 1e-9 {
			t.Errorf("P(%s -> %q) = %v; want %v", tc.from, tc.to, got, tc.p)
		}
	}
	if !j.Chain.Goal(steps["checkout"]) {
		t.Error("checkout is not the goal")
	}
	land := p.Ops[j.Steps[steps["land"]].Op].HTTP
	if land.Method != "POST" || len(land.Extract) != 1 || land.Extract[0].Var != 0 || land.Extract[0].JSON.String() != "cart_id" {
		t.Errorf("land: %+v", land)
	}
	if s := land.Status; len(s) != 1 || s[0] != (StatusRange{201, 201}) {
		t.Errorf("land expects %v; want 201", s)
	}
	add := p.Ops[j.Steps[steps["add-to-cart"]].Op].HTTP
	if got := add.Path.String(); got != "/api/cart/{cart_id}/items" {
		t.Errorf("add-to-cart path %q", got)
	}
	if len(add.Headers) != 1 || add.Headers[0].Name != "Content-Type" {
		t.Errorf("a JSON body got headers %+v; want a JSON Content-Type", add.Headers)
	}
	if tg := p.Targets[0].HTTP; tg.Embedded == nil || tg.BaseURL != "" || tg.Connections != 256 {
		t.Errorf("target %+v; want the embedded services", tg)
	}
}
