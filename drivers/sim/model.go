package sim

import (
	"math"
	"math/bits"
	"time"

	"github.com/surgeload/surge/drivers"
)

// Model is the queueing core of the sim target as a pure discrete-event
// model: it is told when each op arrives and answers when it completes,
// without a clock, timers or goroutines. [Target] serves every op through
// a Model, so the two cannot disagree; a test or a capacity search can run
// the Model alone, a million ops in a fraction of a second.
//
// With [Config.Replicas] k > 1 the Model is k independent copies of the
// whole capacity model (servers, queue, stalls), each op routed to one copy
// at random, as a load balancer with random routing would.
//
// A Model is not safe for concurrent use.
type Model struct {
	cfg   Config
	sigma float64 // lognormal shape
	reps  []replica
	load  []int64 // ops routed to each replica
}

// replica is one copy of the capacity model.
type replica struct {
	free  serverHeap // when each server is next free
	queue startQueue // start times of accepted ops not yet started
}

// NewModel returns a model of cfg with every server free at offset 0, its
// epoch. It fails with [ErrBadConfig] when cfg is impossible.
func NewModel(cfg Config) (*Model, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.P99Ratio == 0 {
		cfg.P99Ratio = 3
	}
	k := max(cfg.Replicas, 1)
	m := &Model{cfg: cfg, sigma: math.Log(cfg.P99Ratio) / z99,
		reps: make([]replica, k), load: make([]int64, k)}
	for r := range m.reps {
		free := make(serverHeap, cfg.Servers)
		for i := range free {
			free[i] = math.MinInt64
		}
		m.reps[r].free = free
	}
	return m, nil
}

// Serve admits op seq (of op index index) arriving at arrival, an offset
// from the model's epoch; arrivals must not decrease from one call to the
// next. It returns when the op completes. An op that finds its replica's
// queue full is refused at once: done is arrival and err is
// [drivers.ErrOverload]. An op drawn to fail completes after its service
// time like any other and returns [drivers.ErrServerError].
//
// The op's service time, its failure and its replica are functions of
// (Config.Seed, seq, index) only.
func (m *Model) Serve(arrival time.Duration, seq uint64, index int) (done time.Duration, err error) {
	service, fail := m.draw(seq, index)
	done, ok := m.admit(arrival, seq, service)
	switch {
	case !ok:
		return arrival, drivers.ErrOverload
	case fail:
		return done, drivers.ErrServerError
	}
	return done, nil
}

// ReplicaLoad returns how many ops have been routed to each replica so far,
// refused ones included: max/mean of it is the measured load skew.
func (m *Model) ReplicaLoad() []int64 {
	return append([]int64(nil), m.load...)
}

// admit routes op seq to its replica and queues it there for service. It
// returns the op's completion, or ok=false when the replica's queue is
// full. It does not allocate once the queues have grown to their peak.
func (m *Model) admit(arrival time.Duration, seq uint64, service time.Duration) (done time.Duration, ok bool) {
	r := m.route(seq)
	m.load[r]++
	rep := &m.reps[r]
	rep.queue.popStarted(arrival)
	if m.cfg.QueueLimit > 0 && rep.queue.len() >= m.cfg.QueueLimit {
		return arrival, false
	}
	start := m.unstalled(max(arrival, rep.free[0]))
	done = m.advance(start, service)
	rep.free.replaceMin(done)
	if start > arrival {
		rep.queue.push(start)
	}
	return done, true
}

// routeStream separates the routing draw from the service-time draws,
// which hash (Seed, seq) without a stream.
const routeStream = 0x5eed_0f_7e7e

// route returns op seq's replica: a uniform draw from (Seed, seq) that is
// independent of the op's service time and failure, so that each replica
// sees a random share of the arrivals (a Poisson stream split at random
// stays Poisson) and the same mix of service times.
func (m *Model) route(seq uint64) int {
	k := len(m.reps)
	if k == 1 {
		return 0
	}
	hi, _ := bits.Mul64(Hash(m.cfg.Seed, seq, routeStream), uint64(k))
	return int(hi)
}

// draw returns an op's service time and whether it fails, as a pure
// function of (Seed, seq, index).
func (m *Model) draw(seq uint64, index int) (time.Duration, bool) {
	s := m.cfg.ServiceTime
	if index >= 0 && index < len(m.cfg.OpServiceTime) && m.cfg.OpServiceTime[index] > 0 {
		s = m.cfg.OpServiceTime[index]
	}
	x := m.cfg.Seed ^ seq*0x9e3779b97f4a7c15
	u1, u2, u3 := unit(splitmix(&x)), unit(splitmix(&x)), unit(splitmix(&x))
	switch m.cfg.Dist {
	case Exponential:
		s = time.Duration(-math.Log(u1) * float64(s))
	case Lognormal:
		z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2) // Box–Muller
		s = time.Duration(float64(s) * math.Exp(m.sigma*z))
	}
	return s, u3 < m.cfg.ErrorRate
}

// z99 is the standard normal quantile at 0.99.
const z99 = 2.3263478740408408

// Stalls end each period: they occupy [k·every − stall, k·every) for k >= 1,
// so a run of N whole periods holds exactly N stalls. Every replica stalls
// on the same schedule. In the functions below x − phase is the time since
// the first stall began.

// unstalled returns x, or the end of the stall x falls in.
func (m *Model) unstalled(x time.Duration) time.Duration {
	every, stall := m.cfg.StallEvery, m.cfg.StallFor
	if stall <= 0 {
		return x
	}
	since := x - (every - stall)
	if since < 0 {
		return x
	}
	if into := since % every; into < stall {
		return x - into + stall
	}
	return x
}

// advance returns when an op that starts service at start (outside a stall)
// completes after service of progress; stalls pause it.
func (m *Model) advance(start, service time.Duration) time.Duration {
	every, stall := m.cfg.StallEvery, m.cfg.StallFor
	if stall <= 0 {
		return start + service
	}
	phase := every - stall
	cur, left := start, service
	for {
		next := phase // the next stall's start
		if since := cur - phase; since >= 0 {
			next += (since/every + 1) * every
		}
		if cur+left <= next {
			return cur + left
		}
		left -= next - cur
		cur = next + stall
	}
}

// serverHeap is a binary min-heap of server free times; free[0] is the
// server that frees first.
type serverHeap []time.Duration

// replaceMin sets the earliest free time to v and restores the heap.
func (h serverHeap) replaceMin(v time.Duration) {
	h[0] = v
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l] < h[m] {
			m = l
		}
		if r < len(h) && h[r] < h[m] {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// startQueue is a FIFO ring of the start times of ops waiting for a server.
// Start times are non-decreasing in arrival order (FIFO over servers whose
// earliest free time never decreases), so the waiting ops are exactly a
// prefix-trimmed suffix of the ring.
type startQueue struct {
	buf        []time.Duration
	head, size int
}

func (q *startQueue) len() int { return q.size }

func (q *startQueue) push(v time.Duration) {
	if q.size == len(q.buf) {
		grown := make([]time.Duration, max(16, 2*len(q.buf)))
		for i := range q.size {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = v
	q.size++
}

// popStarted drops the ops whose service has started by now.
func (q *startQueue) popStarted(now time.Duration) {
	for q.size > 0 && q.buf[q.head] <= now {
		q.head = (q.head + 1) % len(q.buf)
		q.size--
	}
}
