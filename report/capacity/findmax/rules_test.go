package findmax

import (
	"context"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
)

// hist returns a histogram holding n values of each given latency.
func hist(n int64, values ...time.Duration) *hdrhistogram.Histogram {
	h := drivers.NewHistogram()
	for _, v := range values {
		_ = h.RecordValues(int64(v/time.Microsecond), n)
	}
	return h
}

// healthy is a steady 60 s stage at 1,000 ops/s, p99 under 50 ms.
func healthy() *Measurement {
	ms := time.Millisecond
	m := &Measurement{Duration: 60 * time.Second, Scheduled: 60000, Completed: 59990, Count: 60000,
		Lag: hist(1000, 100*time.Microsecond), Service: hist(1000, 5*ms), Latency: hist(20000, 5*ms, 10*ms, 20*ms),
		InFlightEnd: 20}
	for i := range m.Thirds {
		m.Thirds[i] = hist(6666, 5*ms, 20*ms)
	}
	m.Ops = map[string]*hdrhistogram.Histogram{"read": m.Latency}
	return m
}

func TestClassify(t *testing.T) {
	ms := time.Millisecond
	rules := Rules{Lines: []Line{{Op: "*", Quantile: 0.99, Limit: 50 * ms}}, MaxErrorRate: 0.001}
	tests := []struct {
		name   string
		change func(m *Measurement)
		rules  *Rules
		want   Verdict
		reason string // a word every reason list must contain
	}{
		{"healthy", func(*Measurement) {}, nil, Pass, ""},
		{"missing driver", func(m *Measurement) { m.Missing = "driver-3" }, nil, Invalid, "driver-3"},
		{"generator behind, stage passes anyway", func(m *Measurement) { m.Late, m.Lag = 500, hist(1000, 10*ms) }, nil, Pass, ""},
		{"generator behind explains the latency failure", func(m *Measurement) {
			m.Late, m.Lag, m.Latency = 500, hist(1000, 10*ms), hist(1000, 5*ms, 55*ms)
		}, nil, Invalid, "fell behind"},
		{"latency failure beyond the generator's lag", func(m *Measurement) {
			m.Late, m.Lag, m.Latency = 500, hist(1000, 10*ms), hist(1000, 5*ms, 80*ms)
		}, nil, Fail, "latency"},
		{"generator behind and the target falls behind too", func(m *Measurement) {
			m.Late, m.Lag, m.Latency, m.Completed = 500, hist(1000, 10*ms), hist(1000, 5*ms, 55*ms), 50000
		}, nil, Fail, "keep up"},
		{"late but within the lag budget", func(m *Measurement) { m.Late, m.Latency = 3, hist(1000, 5*ms, 51*ms) }, nil, Fail, "latency"},
		{"in-flight cap with a fast target", func(m *Measurement) { m.Waited = 10 }, nil, Invalid, "max_in_flight"},
		{"in-flight cap filled by a slow target", func(m *Measurement) {
			m.Waited, m.Service, m.Latency = 10, hist(1000, 400*ms), hist(1000, 500*ms)
		}, nil, Fail, "in-flight cap"},
		{"did not keep up", func(m *Measurement) { m.Completed = 57000 }, nil, Fail, "keep up"},
		{"keeps up at exactly 98 %", func(m *Measurement) { m.Completed = 58800 }, nil, Pass, ""},
		{"p99 over the limit", func(m *Measurement) { m.Latency = hist(1000, 5*ms, 60*ms) }, nil, Fail, "latency"},
		{"per-op line", func(m *Measurement) { m.Ops["read"] = hist(100, 80*ms) },
			&Rules{Lines: []Line{{Op: "read", Quantile: 0.5, Limit: 50 * ms}}, MaxErrorRate: -1}, Fail, "read p50"},
		{"max line", func(m *Measurement) {}, &Rules{Lines: []Line{{Quantile: 1, Limit: 15 * ms}}, MaxErrorRate: -1}, Fail, "max"},
		{"errors over budget", func(m *Measurement) { m.Errors = 61 }, nil, Fail, "errors"},
		{"errors within budget", func(m *Measurement) { m.Errors = 60 }, nil, Pass, ""},
		{"no error rule", func(m *Measurement) { m.Errors = 6000 }, &Rules{Lines: rules.Lines, MaxErrorRate: -1}, Pass, ""},
		{"one op over its budget", func(m *Measurement) { m.OpCounts = map[string][2]int64{"write": {1000, 20}} },
			&Rules{Lines: rules.Lines, MaxErrorRate: 0.001, OpErrorRates: map[string]float64{"write": 0.01}}, Fail, "errors of write"},
		{"one op within its budget", func(m *Measurement) { m.OpCounts = map[string][2]int64{"write": {1000, 10}} },
			&Rules{Lines: rules.Lines, MaxErrorRate: 0.001, OpErrorRates: map[string]float64{"write": 0.01}}, Pass, ""},
		{"tail of the last third grows alone", func(m *Measurement) { m.Thirds[2] = hist(6666, 5*ms, 30*ms) }, nil, Pass, ""},
		{"whole last third grows", func(m *Measurement) { m.Thirds[2] = hist(6666, 7*ms, 30*ms) }, nil, Fail, "growing queue"},
		{"in flight at the end beyond Little", func(m *Measurement) { m.InFlightEnd = 5000 }, nil, Fail, "Little"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := healthy()
			tt.change(m)
			r := &rules
			if tt.rules != nil {
				r = tt.rules
			}
			v, reasons := r.Classify(m)
			if v != tt.want {
				t.Fatalf("verdict %s %q; want %s", v, reasons, tt.want)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(reasons, "\n"), tt.reason) {
				t.Errorf("reasons %q lack %q", reasons, tt.reason)
			}
			if v == Pass && len(reasons) > 0 {
				t.Errorf("a pass with reasons %q", reasons)
			}
		})
	}
}

func TestMinSamples(t *testing.T) {
	for _, tt := range []struct {
		q    float64
		want int64
	}{{0.5, 200}, {0.9, 1000}, {0.99, 10000}, {0.999, 100000}, {1, 100}} {
		r := Rules{Lines: []Line{{Quantile: tt.q, Limit: time.Second}}}
		if got := r.MinSamples(); got != tt.want {
			t.Errorf("q %v: %d; want %d", tt.q, got, tt.want)
		}
	}
}

func TestLineString(t *testing.T) {
	for _, tt := range []struct {
		l    Line
		want string
	}{
		{Line{Op: "pdp-read", Quantile: 0.99, Limit: 25 * time.Millisecond}, "pdp-read p99 ≤ 25ms"},
		{Line{Quantile: 0.999, Limit: time.Second}, "* p999 ≤ 1s"},
		{Line{Op: "*", Quantile: 0.5, Limit: time.Millisecond}, "* p50 ≤ 1ms"},
		{Line{Op: "x", Quantile: 1, Limit: time.Millisecond}, "x max ≤ 1ms"},
	} {
		if got := tt.l.String(); got != tt.want {
			t.Errorf("%q; want %q", got, tt.want)
		}
	}
}

// recorder is a Prober that passes every rate below mst and records the
// stages it was asked for.
type recorder struct {
	mst    float64
	stages []Stage
}

func (r *recorder) Probe(_ context.Context, s Stage) (*Measurement, error) {
	r.stages = append(r.stages, s)
	m := healthy()
	m.Count = int64(s.Rate * s.Measure.Seconds())
	if s.Rate >= r.mst {
		m.Latency = hist(1000, time.Second)
	}
	return m, nil
}

// TestShortStageLengthened is the negative control of a 10 s stage at a
// low rate: too few samples for p99, so the stage is lengthened to hold
// 10,000, not passed short.
func TestShortStageLengthened(t *testing.T) {
	r := &recorder{mst: 1e9}
	cfg := spec(50*time.Millisecond, 100)
	cfg.Stage, cfg.MaxRate = 10*time.Second, 100
	if _, err := Search(context.Background(), r, cfg); err != nil {
		t.Fatal(err)
	}
	if got := r.stages[0].Measure; got < 100*time.Second {
		t.Errorf("a 100 ops/s stage for p99 measured %v; want ≥ 100 s", got)
	}
}

func TestSearchPath(t *testing.T) {
	r := &recorder{mst: 1000}
	cfg := spec(50*time.Millisecond, 100)
	res, err := Search(context.Background(), r, cfg)
	if err != nil || res.Status != "found" {
		t.Fatalf("status %s (%s), %v", res.Status, res.Reason, err)
	}
	var phases, rates []string
	for _, s := range r.stages {
		phases = append(phases, s.Phase)
		rates = append(rates, rateText(s.Rate))
	}
	want := "100 200 400 800 1600 1200 1000 900 950 975 988 988"
	if got := strings.Join(rates, " "); got != want {
		t.Errorf("rates %s; want %s", got, want)
	}
	if phases[len(phases)-1] != "confirm" || r.stages[len(r.stages)-1].Measure != 300*time.Second {
		t.Errorf("last stage %+v; want a 300 s confirmation", r.stages[len(r.stages)-1])
	}
	if res.MST != 988 || res.Bracket != [2]float64{988, 1000} {
		t.Errorf("MST %v bracket %v; want 988 [988, 1000)", res.MST, res.Bracket)
	}
}

func TestSearchEnds(t *testing.T) {
	t.Run("nothing passes", func(t *testing.T) {
		r := &recorder{mst: 1}
		res, err := Search(context.Background(), r, spec(50*time.Millisecond, 100))
		if err != nil || res.Status != "none_passed" || !strings.Contains(res.Reason, "6.3 ops/s") {
			t.Errorf("status %s reason %q err %v; want none_passed down to 6.3 ops/s", res.Status, res.Reason, err)
		}
		if len(r.stages) != 1+maxDownward {
			t.Errorf("%d stages; want %d", len(r.stages), 1+maxDownward)
		}
	})
	t.Run("invalid stops", func(t *testing.T) {
		p := proberFunc(func(s Stage) *Measurement {
			m := healthy()
			if s.Rate > 300 {
				m.Waited = 100
			}
			return m
		})
		res, err := Search(context.Background(), p, spec(50*time.Millisecond, 100))
		if res.Status != "invalid" || err == nil || !strings.Contains(res.Reason, "max_in_flight") {
			t.Errorf("status %s reason %q err %v", res.Status, res.Reason, err)
		}
		// The invalid stage is run once more before the search stops.
		if n := len(res.Probes); n != 4 || res.Probes[2].Verdict != "invalid" || res.Probes[3].Verdict != "invalid" ||
			!strings.Contains(strings.Join(res.Probes[2].Reasons, " "), "retried once") {
			t.Errorf("probes %+v; want the 400/s stage invalid twice", res.Probes)
		}
	})
	t.Run("max rate passes", func(t *testing.T) {
		cfg := spec(50*time.Millisecond, 100)
		cfg.MaxRate = 300
		res, err := Search(context.Background(), &recorder{mst: 1e9}, cfg)
		if err != nil || res.Status != "lower_bound" || res.MST != 300 || res.Bracket[1] != 0 || !strings.Contains(res.Reason, "at least") {
			t.Errorf("%+v %v; want a lower bound of 300 with an open bracket", res, err)
		}
	})
	t.Run("invalid once is retried", func(t *testing.T) {
		calls := 0
		p := proberFunc(func(s Stage) *Measurement {
			m := healthy()
			if calls++; calls == 2 {
				m.Missing = "driver-1"
			}
			if s.Rate > 1000 {
				m.Latency = hist(100, time.Second)
			}
			return m
		})
		res, err := Search(context.Background(), p, spec(50*time.Millisecond, 100))
		if err != nil || res.Status != "found" || res.Probes[1].Verdict != "invalid" || res.Probes[2].Rate != res.Probes[1].Rate {
			t.Errorf("%s %q %v: %+v", res.Status, res.Reason, err, res.Probes[:3])
		}
	})
	t.Run("confirmation fails", func(t *testing.T) {
		p := proberFunc(func(s Stage) *Measurement {
			m := healthy()
			if s.Phase == "confirm" || s.Rate > 1000 {
				m.Latency = hist(100, time.Second)
			}
			return m
		})
		res, err := Search(context.Background(), p, spec(50*time.Millisecond, 100))
		if err != nil || res.Status != "incomplete" || res.MST != 0 {
			t.Errorf("%s %q %v", res.Status, res.Reason, err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := Search(ctx, &recorder{mst: 1e9}, spec(50*time.Millisecond, 100))
		if err == nil || res.Status != "incomplete" {
			t.Errorf("%s %v", res.Status, err)
		}
	})
}

type proberFunc func(s Stage) *Measurement

func (f proberFunc) Probe(_ context.Context, s Stage) (*Measurement, error) {
	m := f(s)
	m.Count = max(m.Count, 20000)
	return m, nil
}

// TestLooserSLONeverFailsMore is V12's SLO half at the level of a stage: a
// stage that passes an SLO passes every looser one (a higher limit, a
// lower percentile), so a looser SLO can never give a lower MST from the
// same measurements.
func TestLooserSLONeverFailsMore(t *testing.T) {
	ms := time.Millisecond
	lats := []*hdrhistogram.Histogram{hist(1000, 5*ms, 20*ms), hist(1000, 5*ms, 45*ms), hist(1000, 5*ms, 60*ms),
		hist(100, 5*ms, 10*ms, 90*ms), hist(1000, 200*ms)}
	limits := []time.Duration{10 * ms, 25 * ms, 50 * ms, 80 * ms, 250 * ms}
	quantiles := []float64{0.5, 0.9, 0.99, 0.999, 1}
	for _, lat := range lats {
		m := healthy()
		m.Latency = lat
		for i, l := range limits {
			for j, q := range quantiles {
				strict := Rules{Lines: []Line{{Quantile: q, Limit: l}}, MaxErrorRate: 0.001}
				v, _ := strict.Classify(m)
				if v != Pass {
					continue
				}
				for _, l2 := range limits[i:] {
					for _, q2 := range quantiles[:j+1] {
						loose := Rules{Lines: []Line{{Quantile: q2, Limit: l2}}, MaxErrorRate: 0.001}
						if v2, why := loose.Classify(m); v2 != Pass {
							t.Errorf("passes %v ≤ %v but not the looser %v ≤ %v: %q", q, l, q2, l2, why)
						}
					}
				}
			}
		}
	}
}
