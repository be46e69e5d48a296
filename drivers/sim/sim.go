package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/surgeload/surge/drivers"
)

// Dist is a service-time distribution.
type Dist uint8

// The service-time distributions.
const (
	Constant    Dist = iota // every op takes exactly ServiceTime
	Exponential             // ServiceTime is the mean
	Lognormal               // ServiceTime is the median; P99Ratio sets the tail
)

// ParseDist returns the distribution named "constant", "exponential" or
// "lognormal".
func ParseDist(name string) (Dist, error) {
	switch name {
	case "constant", "":
		return Constant, nil
	case "exponential":
		return Exponential, nil
	case "lognormal":
		return Lognormal, nil
	}
	return 0, fmt.Errorf("unknown service distribution %q: want constant, exponential or lognormal", name)
}

// Config is the capacity model. Capacity is Replicas × Servers / mean
// service time.
type Config struct {
	Servers     int
	ServiceTime time.Duration
	Dist        Dist
	// P99Ratio is p99/p50 of a lognormal service time; 0 means 3.
	P99Ratio float64
	// QueueLimit is how many ops may wait for a server; one more is refused
	// at once with an overload error. 0 means unbounded.
	QueueLimit int
	// Each StallEvery period ends with a stall of StallFor: nothing starts
	// and ops in service make no progress. The first stall begins at
	// StallEvery − StallFor after New.
	StallEvery, StallFor time.Duration
	// ErrorRate is the fraction of ops that, after their service time, fail
	// with a server error.
	ErrorRate float64
	// Seed seeds the per-op draws of service time, errors and replica, which
	// are a function of (Seed, op.Seq) only, so a run does not depend on the
	// order in which goroutines reach the target.
	Seed uint64
	// OpServiceTime overrides ServiceTime per op index; 0 entries keep it.
	OpServiceTime []time.Duration
	// Replicas is how many independent copies of the whole model (servers,
	// queue and stalls; QueueLimit is per copy) serve the ops, each op
	// routed to one at random, independently of its service time: a fleet
	// behind a random load balancer. 0 or 1 means one. A Poisson stream
	// split at random stays Poisson, so the fleet's maximum sustainable
	// throughput is Replicas times one copy's.
	Replicas int
}

// ErrBadConfig reports an impossible capacity model.
var ErrBadConfig = errors.New("bad sim config")

func (c *Config) validate() error {
	switch {
	case c.Servers <= 0:
		return fmt.Errorf("%w: servers must be positive, got %d", ErrBadConfig, c.Servers)
	case c.ServiceTime < 0:
		return fmt.Errorf("%w: service time must not be negative", ErrBadConfig)
	case c.QueueLimit < 0:
		return fmt.Errorf("%w: queue limit must not be negative", ErrBadConfig)
	case c.StallFor < 0 || c.StallEvery < 0 || (c.StallFor > 0 && c.StallEvery <= c.StallFor):
		return fmt.Errorf("%w: stall_every must exceed stall_for", ErrBadConfig)
	case !(c.ErrorRate >= 0 && c.ErrorRate <= 1):
		return fmt.Errorf("%w: error rate must be in [0, 1]", ErrBadConfig)
	case c.P99Ratio != 0 && !(c.P99Ratio >= 1):
		return fmt.Errorf("%w: p99 ratio must be at least 1", ErrBadConfig)
	case c.Replicas < 0:
		return fmt.Errorf("%w: replicas must not be negative, got %d", ErrBadConfig, c.Replicas)
	}
	return nil
}

// Target is the sim target: a [Model] served in real (or virtual) time,
// each op's Do returning when the model says it completes. It is safe for
// concurrent use.
type Target struct {
	clock drivers.Clock
	epoch time.Duration

	mu     sync.Mutex
	model  *Model
	timers []drivers.Timer // idle timers, reused so Do does not allocate
}

var _ drivers.Target = (*Target)(nil)

// New returns a sim target reading time from clock; the model's epoch is
// clock.Now() at the call.
func New(cfg Config, clock drivers.Clock) (*Target, error) {
	m, err := NewModel(cfg)
	if err != nil {
		return nil, err
	}
	return &Target{clock: clock, epoch: clock.Now(), model: m}, nil
}

// Do serves op: it waits for a free server of its replica in arrival
// order, takes the op's service time (stretched by any stall), and returns
// then. An op that finds the queue full fails at once with
// [drivers.ErrOverload]; one drawn to fail returns [drivers.ErrServerError]
// after its service time.
func (t *Target) Do(ctx context.Context, op *drivers.Op) error {
	service, fail := t.model.draw(op.Seq, op.Index) // pure: outside the lock
	t.mu.Lock()
	now := t.clock.Now() - t.epoch // read under the lock: arrivals are ordered
	done, ok := t.model.admit(now, op.Seq, service)
	if !ok {
		t.mu.Unlock()
		return drivers.ErrOverload
	}
	timer := t.takeTimer()
	t.mu.Unlock()

	err := t.wait(ctx, timer, done)
	t.mu.Lock()
	t.timers = append(t.timers, timer)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	if fail {
		return drivers.ErrServerError
	}
	return nil
}

// ReplicaLoad returns how many ops have been routed to each replica so far,
// refused ones included; max/mean of it is the measured load skew.
func (t *Target) ReplicaLoad() []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.model.ReplicaLoad()
}

// wait blocks until the target's clock reaches done (an offset from epoch).
func (t *Target) wait(ctx context.Context, timer drivers.Timer, done time.Duration) error {
	d := done - (t.clock.Now() - t.epoch)
	if d <= 0 {
		return nil
	}
	timer.Reset(d)
	select {
	case <-timer.C():
		return nil
	case <-ctx.Done():
		timer.Stop()
		return ctx.Err()
	}
}

func (t *Target) takeTimer() drivers.Timer {
	if n := len(t.timers); n > 0 {
		tm := t.timers[n-1]
		t.timers = t.timers[:n-1]
		return tm
	}
	tm := t.clock.NewTimer(time.Hour)
	tm.Stop()
	return tm
}

// splitmix advances x and returns the next splitmix64 output.
func splitmix(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	return finalize(*x)
}

// finalize is the splitmix64 finalizer, a bijection with good avalanche.
func finalize(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Hash is a splitmix64 hash of (seed, n, stream) for the emulated servers'
// per-request draws and identifiers: for a fixed seed and stream it is a
// bijection of n, so identifiers drawn from a counter never repeat.
func Hash(seed, n, stream uint64) uint64 {
	return finalize(seed ^ n*0x9e3779b97f4a7c15 ^ stream*0xbf58476d1ce4e5b9)
}

// UnitDraw is a uniform draw in [0, 1) that depends only on (seed, n,
// stream), so that a fault pattern repeats for a seed.
func UnitDraw(seed, n, stream uint64) float64 {
	return float64(Hash(seed, n, stream)>>11) / (1 << 53)
}

// unit maps v to (0, 1], never 0, so logarithms stay finite.
func unit(v uint64) float64 { return (float64(v>>11) + 1) / (1 << 53) }
