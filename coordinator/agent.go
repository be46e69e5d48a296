package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/scenarios"
)

// AgentOptions configure a driver agent: one `surge driver` process.
type AgentOptions struct {
	// Dial connects to the coordinator, TLS included.
	Dial func(ctx context.Context) (net.Conn, error)
	// Token is the shared secret; Name and Index (-1: none) say who this
	// driver is; Release is its surge version.
	Token   []byte
	Name    string
	Index   int
	Release string
	// NewTarget builds the plan's targets on this driver, reading
	// password_env from the driver's own environment.
	NewTarget TargetFactory
	// Clock is the engine's time source; nil means the wall clock.
	Clock drivers.Clock
	// Heartbeat is how often the agent says it is alive; Silence how long
	// the coordinator may be silent before the agent reconnects; Patience
	// how long it keeps trying to reach the coordinator.
	Heartbeat, Silence, Patience time.Duration
	// MaxPending bounds the bytes of intervals kept for a coordinator
	// that does not acknowledge them; past it the engine stops.
	MaxPending int
	// Log, if set, gets a line per connection event.
	Log io.Writer
}

// Agent defaults besides those shared with ServeOptions.
const (
	DefaultPatience   = 5 * time.Minute
	DefaultMaxPending = 256 << 20
)

// ErrRefused marks a driver the coordinator turned away at its first
// contact: a wrong or missing token, another protocol version, a full run.
var ErrRefused = errors.New("refused by the coordinator")

// errFinished ends an agent whose run is over.
var errFinished = errors.New("the run is over")

// agent is one driver process's link to its coordinator.
type agent struct {
	opts AgentOptions

	// Set by the first Welcome; the engine's state after Start.
	runID    string
	driver   int64
	name     string
	plan     *scenarios.Plan
	targets  []drivers.Target
	started  bool
	stopEng  context.CancelCauseFunc
	rep      wire.Report
	lastCPU  time.Duration
	lastHear time.Time

	mu         sync.Mutex
	pending    []pendingReport // intervals not yet acknowledged, in Seq order
	bytes      int
	last       int64 // the last interval's Seq, -1 for none
	engineDone bool
	engineErr  error
	wake       chan struct{}
}

// pendingReport is one interval, encoded once, kept until acknowledged.
type pendingReport struct {
	seq   uint64
	frame []byte
}

// RunAgent joins the coordinator, builds its plan and targets, generates
// its shard of the load from the start instant and streams its intervals
// until the coordinator says the run is over. It survives coordinator
// restarts and network blips: unacknowledged intervals are resent after
// every reconnect. Cancelling ctx stops the engine; the agent then still
// delivers what it measured, for at most Silence.
func RunAgent(ctx context.Context, opts AgentOptions) error {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.Silence <= 0 {
		opts.Silence = DefaultLostAfter
	}
	if opts.Patience <= 0 {
		opts.Patience = DefaultPatience
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxPending
	}
	if opts.Clock == nil {
		opts.Clock = drivers.WallClock()
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	a := &agent{opts: opts, last: -1, wake: make(chan struct{}, 1), driver: -1}
	defer closeTargets(a.targets)
	defer func() {
		if a.stopEng != nil {
			a.stopEng(errFinished)
		}
	}()
	for {
		conn, w, err := a.connect(ctx)
		if err != nil {
			if a.delivered() && a.runID != "" {
				return nil // the coordinator finished while we were away
			}
			return err
		}
		err = a.session(ctx, conn, w)
		conn.Close()
		switch {
		case errors.Is(err, errFinished):
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.engineErr != nil && !errors.Is(a.engineErr, context.Canceled) {
				return fmt.Errorf("%w: %w", ErrRunFailed, a.engineErr)
			}
			return nil
		case ctx.Err() != nil && a.delivered():
			return ctx.Err()
		case errors.Is(err, ErrRefused) || errors.Is(err, ErrRunFailed):
			return err
		}
		fmt.Fprintf(a.opts.Log, "driver: lost the coordinator (%v); reconnecting\n", err)
	}
}

// delivered reports whether the engine is done and every interval was
// acknowledged.
func (a *agent) delivered() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.engineDone && len(a.pending) == 0
}

// connect dials the coordinator until it answers, for at most Patience
// (counted from the first failure), and returns the session's Welcome.
func (a *agent) connect(ctx context.Context) (*wire.Conn, *wire.Welcome, error) {
	deadline := time.Now().Add(a.opts.Patience)
	backoff := 100 * time.Millisecond
	for {
		conn, w, err := a.hello(ctx)
		if err == nil {
			return conn, w, nil
		}
		var ve *wire.VersionError
		var re *wire.RefusedError
		switch {
		case errors.As(err, &ve):
			return nil, nil, fmt.Errorf("%w: %w", ErrRefused, err)
		case errors.As(err, &re) && a.runID == "":
			return nil, nil, fmt.Errorf("%w: %s", ErrRefused, re.Reason)
		case errors.As(err, &re):
			return nil, nil, fmt.Errorf("%w: %w", ErrRunFailed, err)
		case a.started && a.delivered():
			return nil, nil, err // every interval is in: the run can end without us
		case ctx.Err() != nil && (a.runID == "" || a.delivered()):
			return nil, nil, ctx.Err()
		case time.Now().After(deadline):
			return nil, nil, fmt.Errorf("%w: no coordinator for %v: %w", ErrRunFailed, a.opts.Patience, err)
		}
		fmt.Fprintf(a.opts.Log, "driver: %v; retrying in %v\n", err, backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			if a.runID == "" {
				return nil, nil, ctx.Err()
			}
			<-time.After(backoff) // still deliver what was measured
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// hello opens one connection and introduces the driver.
func (a *agent) hello(ctx context.Context) (*wire.Conn, *wire.Welcome, error) {
	c, err := a.opts.Dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	conn, err := wire.Handshake(c, handshakeTimeout, true)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	h := &wire.Hello{Token: a.opts.Token, Name: a.opts.Name, Index: int64(a.opts.Index), Release: a.opts.Release}
	if a.started {
		h.RunID, h.Driver = a.runID, a.driver
	}
	var w wire.Welcome
	if err := conn.Send(h, sendTimeout); err != nil {
		conn.Close()
		return nil, nil, err
	}
	if err := conn.RecvMessage(&w, handshakeTimeout); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, &w, nil
}

// session runs one connection: it gets the driver ready, starts the engine
// when told, sends its intervals and heartbeats, and handles acks. It
// returns errFinished when the run is over, or why the connection ended.
func (a *agent) session(ctx context.Context, conn *wire.Conn, w *wire.Welcome) error {
	if err := a.welcome(ctx, conn, w); err != nil {
		return err
	}
	in := make(chan wire.Message, 16)
	readErr := make(chan error, 1)
	go func() { readErr <- a.read(conn, in) }()
	defer func() { conn.Close(); <-readErr }()

	beat := time.NewTicker(a.opts.Heartbeat)
	defer beat.Stop()
	a.lastHear = time.Now()
	sent, doneSent := 0, false // pending[:sent] went out on this connection
	var stopped <-chan struct{}
	if ctx.Err() == nil {
		stopped = ctx.Done()
	}
	var giveUp <-chan time.Time
	for {
		select {
		case m := <-in:
			a.lastHear = time.Now()
			switch m := m.(type) {
			case *wire.Start:
				if err := a.start(ctx, m); err != nil {
					return err
				}
			case *wire.Ack:
				sent -= a.ack(m.Seq)
			case *wire.Stop:
				fmt.Fprintf(a.opts.Log, "driver: the coordinator stops the run: %s\n", m.Reason)
				if a.stopEng == nil {
					return fmt.Errorf("%w: stopped before the start: %s", ErrRunFailed, m.Reason)
				}
				a.stopEng(errors.New(m.Reason))
			case *wire.Finished:
				fmt.Fprintf(a.opts.Log, "driver: the run is over: %s\n", m.Summary)
				return errFinished
			}
		case err := <-readErr:
			readErr <- err // for the deferred wait
			return err
		case <-a.wake:
		case <-beat.C:
			if time.Since(a.lastHear) > a.opts.Silence {
				return fmt.Errorf("coordinator silent for %v", a.opts.Silence)
			}
			if err := conn.Send(&wire.Heartbeat{}, sendTimeout); err != nil {
				return err
			}
		case <-stopped:
			stopped = nil
			if a.stopEng != nil {
				a.stopEng(context.Cause(ctx))
			}
			giveUp = time.After(a.opts.Silence)
		case <-giveUp:
			return fmt.Errorf("%w: interrupted, and the coordinator did not take every interval in %v", ErrRunFailed, a.opts.Silence)
		}
		var err error
		if sent, doneSent, err = a.flush(conn, sent, doneSent); err != nil {
			return err
		}
	}
}

// welcome applies a Welcome: the first builds the plan and the targets,
// a rejoin drops the intervals the coordinator already holds.
func (a *agent) welcome(ctx context.Context, conn *wire.Conn, w *wire.Welcome) error {
	if a.started {
		if !w.Started {
			return fmt.Errorf("%w: the coordinator lost the run this driver is part of", ErrRunFailed)
		}
		if w.Acked >= 0 {
			a.ack(uint64(w.Acked))
		}
		fmt.Fprintf(a.opts.Log, "driver: rejoined run %s as %s\n", w.RunID, w.Name)
		return nil
	}
	a.runID, a.driver, a.name = w.RunID, w.Driver, w.Name
	var ready wire.Ready
	if a.plan == nil {
		plan, err := PlanFromSpec(&w.Spec)
		if err == nil {
			a.plan = plan
			a.targets, err = newTargets(ctx, plan, a.opts.NewTarget, a.opts.Clock)
		}
		if err != nil {
			ready.Err = err.Error()
			_ = conn.Send(&ready, sendTimeout)
			return fmt.Errorf("%w: %w", ErrRunFailed, err)
		}
	}
	fmt.Fprintf(a.opts.Log, "driver: joined run %s as %s; ready\n", w.RunID, w.Name)
	return conn.Send(&ready, sendTimeout)
}

// read decodes the coordinator's messages into in until the connection
// ends.
func (a *agent) read(conn *wire.Conn, in chan<- wire.Message) error {
	for {
		t, body, err := conn.Recv(0)
		if err != nil {
			return err
		}
		m := wire.New(t)
		if m == nil || t == wire.TypeReport || t == wire.TypeHello {
			return fmt.Errorf("%w: unexpected %s from the coordinator", wire.ErrMalformed, t)
		}
		if err := m.Unmarshal(body); err != nil {
			return err
		}
		if r, ok := m.(*wire.Refuse); ok {
			return fmt.Errorf("%w: %s", ErrRunFailed, r.Reason)
		}
		in <- m
	}
}

// start starts the engine on shard m.Shard of m.Shards, m.In from now.
func (a *agent) start(ctx context.Context, m *wire.Start) error {
	if a.started {
		return nil
	}
	job, err := newJob(a.plan, a.targets, a.opts.Clock)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	job.Shard, job.Shards = int(m.Shard), int(m.Shards)
	engCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	a.started, a.stopEng = true, cancel
	a.lastCPU = processCPU()
	fmt.Fprintf(a.opts.Log, "driver: %s starts in %v as shard %d of %d\n", a.name, m.In, m.Shard, m.Shards)
	go func() {
		var err error
		select {
		case <-time.After(m.In):
			err = drivers.Run(engCtx, job, a)
		case <-engCtx.Done():
			err = context.Cause(engCtx)
		}
		a.mu.Lock()
		a.engineDone, a.engineErr = true, err
		a.mu.Unlock()
		a.signal()
	}()
	return nil
}

func (a *agent) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Interval encodes one engine interval and queues it for the coordinator;
// it implements [drivers.Sink].
func (a *agent) Interval(iv *drivers.Interval) error {
	cpu := processCPU()
	a.rep.FromInterval(iv, cpu-a.lastCPU)
	a.lastCPU = cpu
	frame := wire.AppendFrame(nil, &a.rep)
	a.mu.Lock()
	if a.bytes+len(frame) > a.opts.MaxPending {
		a.mu.Unlock()
		return fmt.Errorf("%d MiB of intervals wait for the coordinator: stopping the load", a.bytes>>20)
	}
	a.pending = append(a.pending, pendingReport{seq: iv.Seq, frame: frame})
	a.bytes += len(frame)
	a.last = int64(iv.Seq)
	a.mu.Unlock()
	a.signal()
	return nil
}

// ack drops the intervals up to seq and returns how many it dropped.
func (a *agent) ack(seq uint64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for n < len(a.pending) && a.pending[n].seq <= seq {
		a.bytes -= len(a.pending[n].frame)
		n++
	}
	a.pending = append(a.pending[:0], a.pending[n:]...)
	return n
}

// flush sends the intervals not yet sent on this connection, and Done
// once the engine finished.
func (a *agent) flush(conn *wire.Conn, sent int, doneSent bool) (int, bool, error) {
	sent = max(sent, 0)
	for {
		a.mu.Lock()
		if sent >= len(a.pending) {
			fin := a.engineDone && !doneSent
			d := wire.Done{Last: a.last}
			if a.engineErr != nil {
				d.Err = a.engineErr.Error()
			}
			a.mu.Unlock()
			if fin {
				if err := conn.Send(&d, sendTimeout); err != nil {
					return sent, doneSent, err
				}
				doneSent = true
			}
			return sent, doneSent, nil
		}
		frame := a.pending[sent].frame
		a.mu.Unlock()
		if err := conn.SendFrame(frame, sendTimeout); err != nil {
			return sent, doneSent, err
		}
		sent++
	}
}
