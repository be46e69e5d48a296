package usl

import (
	"math/rand/v2"
	"testing"
)

// closedLoopPS is a tiny discrete-event simulation of the usl mode of
// drivers/sim (capacity method §9.1): a processor-sharing server whose
// total completion rate with n jobs present is truth.X(n), driven by
// clients closed-loop with zero think time, so n = clients always. Each job
// brings Exp(1) units of work and is served at X(n)/n units per second;
// a completed job is replaced at once by its client's next one. It
// returns the measured throughput: completions per second of simulated
// time over the given number of completions, after a warm-up.
func closedLoopPS(truth Model, clients, completions int, rng *rand.Rand) float64 {
	// finish[i] is the attained service (work done per job since t = 0,
	// the same for every job under processor sharing) at which job i ends.
	finish := make([]float64, clients)
	for i := range finish {
		finish[i] = rng.ExpFloat64()
	}
	perJob := truth.X(float64(clients)) / float64(clients)
	attained, now := 0.0, 0.0
	// The work is exponential, so the start is already the steady state;
	// the warm-up is there so that the measurement does not depend on it.
	warmup := completions / 10
	var start float64
	for done := range warmup + completions {
		if done == warmup {
			start = now
		}
		next := 0
		for i, f := range finish {
			if f < finish[next] {
				next = i
			}
		}
		now += (finish[next] - attained) / perJob
		attained = finish[next]
		finish[next] = attained + rng.ExpFloat64()
	}
	return float64(completions) / (now - start)
}

// V7: a fit to throughputs measured on the simulated usl server recovers
// its N* = 21.8 within ±10 % and σ, κ within 3 standard errors.
//
// Measured over 100 generator seeds (not run here, for time): N* worst
// 2.8 % off; σ and κ both within 3 standard errors in 92 of them. The
// standard errors rest on 5 degrees of freedom (8 points, 3 parameters),
// so their tails are Student-like: when the residuals happen to be small,
// the SE is too, and a 1.8 % miss at N = 48 then reads as 10 SE in κ.
func TestFitPointsClosedLoopSim(t *testing.T) {
	truth := Model{Sigma: 0.05, Kappa: 0.002, Lambda: 100}
	wantStar, _, _ := truth.Peak()
	rng := rand.New(rand.NewPCG(7, 7))
	var pts []Point
	for _, n := range []int{1, 2, 4, 8, 16, 24, 32, 48} {
		// 20,000 completions: about 0.7 % relative error per point.
		x := closedLoopPS(truth, n, 20000, rng)
		pts = append(pts, Point{N: float64(n), X: x})
		t.Logf("N = %2d: X = %8.3f (model %8.3f, %+.2f %%)", n, x, truth.X(float64(n)), 100*(x/truth.X(float64(n))-1))
	}
	f := mustFit(t, pts, Options{Seed: 1})
	gotStar, _, ok := f.Peak()
	t.Logf("fit σ = %.4g ± %.2g, κ = %.4g ± %.2g, λ = %.4g ± %.2g; N* = %.2f (true %.2f), CI %v; R² = %.5f",
		f.Sigma, f.SE.Sigma, f.Kappa, f.SE.Kappa, f.Lambda, f.SE.Lambda, gotStar, wantStar, f.Interval(nStar), f.R2)
	if !ok || relErr(gotStar, wantStar) > 0.10 {
		t.Errorf("N* = %v (peak %v); want %.2f ± 10 %%", gotStar, ok, wantStar)
	}
	for _, c := range []struct {
		name           string
		got, se, truth float64
	}{
		{"σ", f.Sigma, f.SE.Sigma, truth.Sigma},
		{"κ", f.Kappa, f.SE.Kappa, truth.Kappa},
	} {
		if d := c.got - c.truth; d > 3*c.se || d < -3*c.se {
			t.Errorf("%s = %v ± %v; want %v within 3 standard errors", c.name, c.got, c.se, c.truth)
		}
	}
	if !f.Identified || len(f.Warnings) != 0 {
		t.Errorf("Identified = %v, warnings %q; want identified without warnings", f.Identified, f.Warnings)
	}
}
