// Package findmax finds a target's maximum sustainable throughput (MST)
// against an SLO (capacity-method.md §2): an exponential probe from a
// start rate, bisection of the bracket to a precision, and a longer
// confirmation at the result, each stage classified by [Rules].
//
// MST is the largest intended rate r* such that the stage at r* passes,
// every tested rate below passes, the next tested rate above fails, and a
// confirmation stage at r* passes. A stage that measured the generator
// rather than the target (it fell behind its schedule, its in-flight cap
// held starts back while the target was fast, a driver went missing) is
// invalid: the search stops there and says why, rather than turning a
// saturated generator into a slow target.
//
// The search talks to the load through a [Prober], so the same algorithm
// runs the real engine against a real target (coordinator) or a
// discrete-event model in virtual time (the package's tests, against the
// Erlang-C truth).
package findmax

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/surgeload/surge/report/capacity"
)

// Stage is one probe the search asks for: a constant rate for Warmup,
// then Measure more of the same rate, measured.
type Stage struct {
	// Name is the stage's name in results.json; unique within a run.
	Name string
	// Phase is "probe", "bisect" or "confirm".
	Phase           string
	Rate            float64
	Warmup, Measure time.Duration
}

// A Prober runs one stage against the target and returns what it measured,
// after letting the target drain: the next stage starts with no ops in
// flight. An error means the stage could not be run at all.
type Prober interface {
	Probe(ctx context.Context, s Stage) (*Measurement, error)
}

// Config sets the search's numbers; zero values take the defaults of
// capacity-method.md §10.
type Config struct {
	// Tier names the target searched, and Replicas its size, for stage
	// names and the result.
	Tier     string
	Replicas int
	Rules    Rules
	// StartRate is r0, default 100 ops/s; Growth the probe multiplier,
	// default 2; Precision the relative bracket width at which bisection
	// stops, default 0.02; MaxRate the highest rate probed, default 1e7.
	StartRate, Growth, Precision, MaxRate float64
	// Stage is the measured length of a probe (default 60 s), Confirm of
	// the confirmation (default 300 s), Warmup the unmeasured start of
	// each (0: none; scenarios default it to 10 s). A stage too short for
	// the SLO's percentile at its rate is lengthened.
	Stage, Confirm, Warmup time.Duration
	// Backoffs is how many confirmations are tried, each after a failed
	// one 3 % lower than the last; default 3.
	Backoffs int
	// Progress, if set, is told of each stage as it is classified.
	Progress func(p capacity.Probe)
}

func (c *Config) defaults() {
	if c.StartRate <= 0 {
		c.StartRate = 100
	}
	if c.Growth <= 1 {
		c.Growth = 2
	}
	if c.Precision <= 0 {
		c.Precision = 0.02
	}
	if c.MaxRate <= 0 {
		c.MaxRate = 1e7
	}
	if c.Stage <= 0 {
		c.Stage = 60 * time.Second
	}
	if c.Confirm <= 0 {
		c.Confirm = 300 * time.Second
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	}
	if c.Backoffs <= 0 {
		c.Backoffs = 3
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
}

// maxDownward is how many times a failing first probe is divided by Growth
// looking for a passing rate before the search gives up.
const maxDownward = 4

// ErrInvalidStage marks a search stopped by an invalid stage: the
// generator, not the target, limited it.
var ErrInvalidStage = errors.New("invalid stage")

// Search runs the search and returns it as results.json records it. Its
// Status says how it ended: "found" (MST and bracket set), "lower_bound"
// (every rate up to MaxRate passed: MST is that lower bound), "none_passed"
// (no rate passed), "invalid" (a stage measured the generator; the error
// matches [ErrInvalidStage]) or "incomplete" (the confirmation failed at
// every back-off, or ctx ended). Probes holds every stage run, in order.
// An error from the Prober ends the search, returned with what was found
// so far.
func Search(ctx context.Context, p Prober, cfg Config) (capacity.Search, error) {
	cfg.defaults()
	s := &searcher{cfg: cfg, p: p, res: capacity.Search{Tier: cfg.Tier, Replicas: cfg.Replicas, Status: "incomplete"}}
	err := s.run(ctx)
	return s.res, err
}

type searcher struct {
	cfg Config
	p   Prober
	res capacity.Search
}

// errStop ends the search after an invalid stage; run turns it into the
// status and [ErrInvalidStage].
var errStop = errors.New("stop")

func (s *searcher) run(ctx context.Context) error {
	lo, hi, err := s.probe(ctx)
	if err == nil && lo > 0 {
		lo, hi, err = s.bisect(ctx, lo, hi)
	}
	if err == nil && lo > 0 {
		err = s.confirm(ctx, lo, hi)
	}
	switch {
	case errors.Is(err, errStop):
		s.res.Status = "invalid"
		return fmt.Errorf("%w: %s", ErrInvalidStage, s.res.Reason)
	case err != nil:
		s.res.Status = "incomplete"
		s.res.Reason = "the search did not finish: " + err.Error()
		return err
	}
	return nil
}

// probe is phase A: from r0 up by Growth while stages pass. It returns the
// highest passing rate and the first failing one (0 when MaxRate passed).
// A failing r0 is divided by Growth until a rate passes.
func (s *searcher) probe(ctx context.Context) (lo, hi float64, err error) {
	r := s.cfg.StartRate
	for {
		v, err := s.stage(ctx, "probe", r, s.cfg.Stage, false)
		if err != nil {
			return 0, 0, err
		}
		if v != Pass {
			hi = r
			break
		}
		lo = r
		if r >= s.cfg.MaxRate {
			return lo, 0, nil
		}
		r = min(r*s.cfg.Growth, s.cfg.MaxRate)
	}
	for i := 0; lo == 0; i++ {
		if i == maxDownward {
			s.res.Status = "none_passed"
			s.res.Reason = fmt.Sprintf("no rate passed the SLO, down to %s ops/s: the MST is below it; lower start_rate or relax the SLO", rateText(hi))
			s.res.Bracket = [2]float64{0, hi}
			return 0, hi, nil
		}
		r := RoundRate(hi / s.cfg.Growth)
		v, err := s.stage(ctx, "probe", r, s.cfg.Stage, false)
		if err != nil {
			return 0, 0, err
		}
		if v == Pass {
			lo = r
		} else {
			hi = r
		}
	}
	return lo, hi, nil
}

// bisect is phase B: halve [lo, hi) until it is narrower than Precision.
func (s *searcher) bisect(ctx context.Context, lo, hi float64) (float64, float64, error) {
	for hi > 0 && (hi-lo)/lo > s.cfg.Precision {
		m := RoundRate((lo + hi) / 2)
		if m <= lo || m >= hi {
			break
		}
		v, err := s.stage(ctx, "bisect", m, s.cfg.Stage, false)
		if err != nil {
			return 0, 0, err
		}
		if v == Pass {
			lo = m
		} else {
			hi = m
		}
	}
	return lo, hi, nil
}

// confirm is phase C: the longer stage at lo, backing off 3 % after a
// failure, Backoffs attempts in all.
func (s *searcher) confirm(ctx context.Context, lo, hi float64) error {
	for range s.cfg.Backoffs {
		v, err := s.stage(ctx, "confirm", lo, s.cfg.Confirm, false)
		if err != nil {
			return err
		}
		if v == Pass {
			last := s.res.Probes[len(s.res.Probes)-1]
			s.res.Status, s.res.MST, s.res.Bracket, s.res.Confirm = "found", lo, [2]float64{lo, hi}, &last
			if hi == 0 {
				// No rate failed: lo is a lower bound, not the MST, and
				// must not stand in for one.
				s.res.Status = "lower_bound"
				s.res.Reason = fmt.Sprintf("every rate up to max_rate %s ops/s passed: the MST is at least that; raise max_rate to find it", rateText(lo))
			}
			return nil
		}
		lo, hi = RoundRate(0.97*lo), lo
	}
	s.res.Status = "incomplete"
	s.res.Bracket = [2]float64{0, hi}
	s.res.Reason = fmt.Sprintf("the confirmation failed %d times, down to %s ops/s: the target is not steady enough at the bracket found; lengthen the stages", s.cfg.Backoffs, rateText(hi))
	return nil
}

// stage runs one stage, lengthened to the samples its SLO needs, and
// records it. An invalid stage returns errStop with the reason set; retry
// is set on the second attempt of a stage.
func (s *searcher) stage(ctx context.Context, phase string, rate float64, measure time.Duration, retry bool) (Verdict, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	need := s.cfg.Rules.MinSamples()
	// 10 % over the expected need, so that Poisson noise in the count
	// rarely leaves the stage short.
	if d := time.Duration(1.1 * float64(need) / rate * float64(time.Second)); d > measure {
		measure = d.Round(time.Second) + time.Second
	}
	st := Stage{Name: fmt.Sprintf("%s x%d #%d %s %s/s", s.cfg.Tier, s.cfg.Replicas, len(s.res.Probes)+1, phase, rateText(rate)),
		Phase: phase, Rate: rate, Warmup: s.cfg.Warmup, Measure: measure}
	m, err := s.p.Probe(ctx, st)
	if err != nil {
		return "", fmt.Errorf("stage %s: %w", st.Name, err)
	}
	v, reasons := s.cfg.Rules.Classify(m)
	if v == Invalid && !retry {
		// A moment of CPU contention on the generator's machine should not
		// end a long search: an invalid stage is recorded and run once
		// more; invalid twice, it stops the search.
		s.record(st, m, v, append(reasons, "retried once"))
		return s.stage(ctx, phase, rate, measure, true)
	}
	if v != Invalid && m.Count < need {
		// Still short: not a pass on too few samples.
		v, reasons = Fail, append(reasons, fmt.Sprintf("too few samples: %d < %d for the SLO's percentile", m.Count, need))
	}
	s.record(st, m, v, reasons)
	if phase == "confirm" && v == Pass && len(m.ReplicaLoad) > 1 {
		s.res.Skew = skew(m.ReplicaLoad)
	}
	if v == Invalid {
		s.res.Reason = fmt.Sprintf("stage %s is invalid: %s", st.Name, strings.Join(reasons, "; "))
		return v, errStop
	}
	return v, nil
}

// record adds a classified stage to the result and reports it.
func (s *searcher) record(st Stage, m *Measurement, v Verdict, reasons []string) {
	pr := probeRecord(st, m, v, reasons, &s.cfg.Rules)
	s.res.Probes = append(s.res.Probes, pr)
	if v != Invalid {
		s.res.Saturation = max(s.res.Saturation, pr.Achieved)
	}
	if s.cfg.Progress != nil {
		s.cfg.Progress(pr)
	}
}

func probeRecord(st Stage, m *Measurement, v Verdict, reasons []string, r *Rules) capacity.Probe {
	pr := capacity.Probe{Stage: st.Name, Phase: st.Phase, Rate: st.Rate, DurationS: m.Duration.Seconds(),
		Samples: m.Count, Verdict: string(v), Reasons: reasons}
	if m.Duration > 0 {
		pr.Achieved = math.Round(10*float64(m.Completed)/m.Duration.Seconds()) / 10
	}
	if m.Count > 0 {
		pr.ErrorRate = math.Round(1e6*float64(m.Errors)/float64(m.Count)) / 1e6
	}
	if h := m.Latency; h != nil && h.TotalCount() > 0 {
		pr.LatencyMs = ms(micros(h, 100*r.topQuantile()))
		pr.MeanMs = math.Round(h.Mean()) / 1000
		pr.P50Ms = ms(micros(h, 50))
		pr.P99Ms = ms(micros(h, 99))
	}
	return pr
}

// skew is max/mean of the replicas' loads.
func skew(load []int64) float64 {
	var sum, top int64
	for _, n := range load {
		sum += n
		top = max(top, n)
	}
	if sum == 0 {
		return 0
	}
	return math.Round(1000*float64(top)*float64(len(load))/float64(sum)) / 1000
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// RoundRate keeps rates readable: whole ops/s from 100 up, tenths below.
// The search rounds every rate it probes with it.
func RoundRate(r float64) float64 {
	if r >= 100 {
		return math.Round(r)
	}
	return math.Round(10*r) / 10
}

func rateText(r float64) string { return fmt.Sprintf("%g", RoundRate(r)) }
