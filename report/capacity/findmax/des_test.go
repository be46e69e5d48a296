package findmax

import (
	"context"
	"math/rand/v2"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
)

// desProber runs probes as a discrete-event simulation in virtual time:
// Poisson arrivals at the stage's rate go straight into the sim target's
// own capacity model (the model the engine's sim target serves from), and
// each op's latency is its completion minus its arrival. A fresh model per
// probe is the cool-down: the next stage starts with nothing in flight.
// Nothing waits to be sent, so schedule lag is zero and the service time
// is the latency: those histograms stay empty, which the rules read as 0.
type desProber struct {
	cfg    sim.Config
	rng    *rand.Rand
	seq    uint64
	m      Measurement
	probes []Stage
}

func newDESProber(cfg sim.Config, seed uint64) *desProber {
	p := &desProber{cfg: cfg, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	p.m.Latency, p.m.Lag, p.m.Service = drivers.NewHistogram(), drivers.NewHistogram(), drivers.NewHistogram()
	for i := range p.m.Thirds {
		p.m.Thirds[i] = drivers.NewHistogram()
	}
	p.m.Ops = map[string]*hdrhistogram.Histogram{"op": drivers.NewHistogram()}
	return p
}

func (p *desProber) Probe(ctx context.Context, st Stage) (*Measurement, error) {
	p.probes = append(p.probes, st)
	model, err := sim.NewModel(p.cfg)
	if err != nil {
		return nil, err
	}
	lat, lag, svc, thirds, ops := p.m.Latency, p.m.Lag, p.m.Service, p.m.Thirds, p.m.Ops
	for _, h := range []*hdrhistogram.Histogram{lat, lag, svc, thirds[0], thirds[1], thirds[2], ops["op"]} {
		h.Reset()
	}
	p.m = Measurement{Latency: lat, Lag: lag, Service: svc, Thirds: thirds, Ops: ops, Duration: st.Measure}
	m := &p.m
	begin, end := st.Warmup, st.Warmup+st.Measure
	third := st.Measure / 3
	t := 0.0
	for {
		t += p.rng.ExpFloat64() / st.Rate
		at := time.Duration(t * float64(time.Second))
		if at >= end {
			break
		}
		p.seq++
		done, err := model.Serve(at, p.seq, 0)
		if begin <= done && done < end {
			m.Completed++
		}
		if at < begin {
			continue
		}
		m.Scheduled++
		m.Count++
		if err != nil {
			m.Errors++
		}
		us := max(int64((done-at)/time.Microsecond), 1)
		_ = lat.RecordValue(us)
		k := 2
		if done < end {
			k = min(2, int((done-begin)/third))
		} else {
			m.InFlightEnd++
		}
		_ = thirds[k].RecordValue(us)
	}
	return m, nil
}

// mmc is an M/M/c sim model: c servers of exponential service rate mu.
func mmc(c int, mu float64, seed uint64) sim.Config {
	return sim.Config{Servers: c, ServiceTime: time.Duration(float64(time.Second) / mu), Dist: sim.Exponential, Seed: seed}
}

func relErr(got, want float64) float64 { return (got - want) / want }

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
