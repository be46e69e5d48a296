package coordinator

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/report"
	"github.com/surgeload/surge/scenarios"
)

// ServeOptions configure the coordinator of a distributed run.
type ServeOptions struct {
	// Options are the results directory, populate, progress and summary
	// settings a local run has; NewTarget is used only for the populate
	// section, which the coordinator writes itself before the start.
	Options
	// Listener is where drivers connect; wrap it with TLS to require TLS.
	Listener net.Listener
	// Spec is what every driver builds its plan from; the plan given to
	// Serve must be PlanFromSpec(Spec).
	Spec *wire.RunSpec
	// Token is the shared secret a driver must present.
	Token []byte
	// Drivers is how many drivers the run waits for. If they are not all
	// ready after StartTimeout, the run starts with the ready ones if they
	// are at least MinDrivers (0: Drivers), and fails otherwise.
	Drivers, MinDrivers int
	StartTimeout        time.Duration
	// LostAfter is how long a driver may stay silent before it is declared
	// lost; MaxLost is how many may be lost before the run counts as
	// failed.
	LostAfter time.Duration
	MaxLost   int
	// Heartbeat is how often the coordinator checks on its drivers and
	// tells them it is alive.
	Heartbeat time.Duration
	// StartIn is how far ahead of the Start message the drivers start,
	// so that all of them begin together.
	StartIn time.Duration
	// Release is this surge's version, quoted to drivers.
	Release string
	// Log, if set, gets a line per driver event: joins, refusals, losses.
	Log io.Writer
}

// Defaults of ServeOptions and AgentOptions.
const (
	DefaultStartTimeout = 2 * time.Minute
	DefaultLostAfter    = 10 * time.Second
	DefaultHeartbeat    = time.Second
	DefaultStartIn      = time.Second
	// handshakeTimeout bounds a peer's preamble and Hello.
	handshakeTimeout = 10 * time.Second
	// sendTimeout bounds one message write; a peer slower than that is
	// dropped and reconnects.
	sendTimeout = 10 * time.Second
)

func (o *ServeOptions) defaults() {
	if o.MinDrivers <= 0 || o.MinDrivers > o.Drivers {
		o.MinDrivers = o.Drivers
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.LostAfter <= 0 {
		o.LostAfter = DefaultLostAfter
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.StartIn <= 0 {
		o.StartIn = DefaultStartIn
	}
	if o.Clock == nil {
		o.Clock = drivers.WallClock()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// The phases of a driver in a run.
type phase int

const (
	joined  phase = iota // welcomed, building its targets
	ready                // waiting for the start
	failed               // could not build its targets
	running              // generating load
	done                 // finished, every interval in
	lost                 // silent past LostAfter
)

// driverState is the coordinator's view of one driver.
type driverState struct {
	id, index int
	name      string
	peer      *peer
	phase     phase
	shard     int
	lastHeard time.Duration
	// received is the last Seq merged, acked the last acknowledged; -1
	// for none. doneAt is the Last of its Done, -1 before one.
	received, acked, doneAt int64
	reportedTo, lostAt      time.Duration
	err                     string
	intervals               int64
	cpu, busy               time.Duration // CPU used, and the time it was used over
	cpuMax                  float64
	scheduled, waited, late int64
}

// server is one distributed run in progress. Everything below mu is
// guarded by it.
type server struct {
	plan *scenarios.Plan
	opts ServeOptions
	out  *output
	ck   *checkpoint
	hash string
	done chan struct{} // closed when the run is over

	mu        sync.Mutex
	runID     string
	drivers   []*driverState // by id, nil for a free slot
	since     time.Duration  // when the coordinator began waiting for drivers
	populated bool
	started   bool
	startAt   time.Duration // the run's time zero on the coordinator's clock
	shards    int
	wins      *windows
	next      uint64 // the next window to close
	stopping  string // why the run is being stopped, if it is
	runErr    error  // why the run failed, if it did
	over      bool
	warnings  []string
	rep       wire.Report // scratch for checkpoint windows
	final     []*peer     // the peers told the run is over
}

// ErrDriversLost marks a run that lost more drivers than it tolerates.
var ErrDriversLost = errors.New("drivers lost")

// Serve coordinates a distributed run of plan: it admits drivers on
// opts.Listener, starts them together, merges their intervals and writes
// the results directory as Run does, plus the checkpoint it resumes from
// when restarted on the same directory. It returns like Run; a run that
// lost more than MaxLost drivers fails with [ErrRunFailed].
func Serve(ctx context.Context, plan *scenarios.Plan, opts ServeOptions) (*report.Results, error) {
	opts.defaults()
	if opts.Drivers < 1 || opts.Spec == nil || opts.Listener == nil {
		return nil, fmt.Errorf("%w: serve needs a listener, a spec and at least one driver", ErrRunFailed)
	}
	s := &server{plan: plan, opts: opts, hash: specHash(opts.Spec), done: make(chan struct{}),
		drivers: make([]*driverState, opts.Drivers),
		wins:    newWindows(len(plan.Stages), len(plan.Ops))}
	res, err := s.run(ctx)
	opts.Listener.Close()
	s.flush()
	return res, err
}

func (s *server) run(ctx context.Context) (*report.Results, error) {
	path := filepath.Join(s.opts.OutDir, CheckpointFile)
	prev, _, err := readRunCheckpoint(path, func([]int, *wire.Report) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRunFailed, err)
	}
	resume := prev != nil && !prev.ended
	if resume && prev.hash != s.hash {
		return nil, fmt.Errorf("%w: %s holds the unfinished run %s of another scenario or other options: use another --out, or move it away", ErrRunFailed, path, prev.runID)
	}
	startedAt := s.opts.Now()
	if resume && prev.started {
		startedAt = prev.startedAt
	}
	s.out, err = newOutput(s.plan, s.opts.Options, startedAt, func(err error) {
		// Called from closeWindows, under mu.
		if s.runErr == nil {
			s.runErr = err
		}
		s.stop(err.Error())
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.since = s.opts.Clock.Now()
	if resume {
		err = s.resume(path, prev)
	} else {
		err = s.fresh(path)
	}
	s.mu.Unlock()
	if err != nil {
		return s.out.finish(report.Meta{StartedAt: startedAt}, err)
	}

	go s.accept()
	go s.tick()
	var pops []report.PopulateResult
	if !resume && len(s.plan.Populate) > 0 && !s.opts.SkipPopulate {
		pops, err = s.populate(ctx)
	}
	s.mu.Lock()
	s.populated = true
	if err != nil {
		s.warnings = append(s.warnings, "the populate phase did not finish, so no stage ran: "+err.Error())
		s.fail(err)
	}
	s.maybeStart()
	s.mu.Unlock()

	select {
	case <-s.done:
	case <-ctx.Done():
		s.mu.Lock()
		s.fail(fmt.Errorf("aborted: %w", context.Cause(ctx)))
		s.mu.Unlock()
		<-s.done
	}
	return s.results(pops)
}

// fresh starts a new checkpoint for a new run.
func (s *server) fresh(path string) error {
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand never fails
	s.runID = hex.EncodeToString(id[:])
	ck, err := createCheckpoint(path)
	if err != nil {
		return err
	}
	s.ck = ck
	ck.header(&ckState{runID: s.runID, hash: s.hash, spec: *s.opts.Spec, planned: s.opts.Drivers})
	return ck.sync()
}

// resume replays the checkpoint of an unfinished run and waits for its
// drivers to come back.
func (s *server) resume(path string, prev *ckState) error {
	s.runID = prev.runID
	received := map[int]int64{}
	st, size, err := readRunCheckpoint(path, func(from []int, r *wire.Report) error {
		if err := s.wins.add(-1, r); err != nil {
			return err
		}
		for _, d := range from {
			received[d] = int64(r.Seq)
		}
		s.next = r.Seq
		s.closeWindows()
		return s.runErr
	})
	if err != nil {
		return err
	}
	if s.ck, err = appendCheckpoint(path, size); err != nil {
		return err
	}
	fmt.Fprintf(s.opts.Log, "coordinator: resuming run %s from %s (%d intervals merged)\n", s.runID, path, s.next)
	if !st.started {
		return nil // drivers join again from scratch
	}
	now := s.opts.Clock.Now()
	s.started, s.shards = true, len(st.drivers)
	s.startAt = now - s.opts.Now().Sub(st.startedAt)
	for _, c := range st.drivers {
		if c.id < 0 || c.id >= len(s.drivers) {
			return fmt.Errorf("checkpoint names driver %d of %d", c.id, len(s.drivers))
		}
		d := &driverState{id: c.id, index: c.index, name: c.name, shard: c.shard, phase: running,
			lastHeard: now, received: -1, acked: -1, doneAt: -1}
		if r, ok := received[c.id]; ok {
			d.received, d.acked = r, r
		}
		if last, ok := st.done[c.id]; ok {
			d.doneAt = last
			if d.received >= last {
				d.phase = done
			}
		}
		s.drivers[c.id] = d
	}
	for _, l := range st.lost {
		if d := s.driver(l.id); d != nil {
			d.phase, d.reportedTo, d.err = lost, l.reportedTo, l.reason
			d.lostAt = l.at
		}
	}
	return nil
}

func (s *server) driver(id int) *driverState {
	if id < 0 || id >= len(s.drivers) {
		return nil
	}
	return s.drivers[id]
}

// populate writes the plan's populate section from the coordinator.
func (s *server) populate(ctx context.Context) ([]report.PopulateResult, error) {
	targets, err := newTargets(ctx, s.plan, s.opts.NewTarget, s.opts.Clock)
	defer closeTargets(targets)
	if err != nil {
		return nil, err
	}
	return populate(ctx, s.plan, targets, s.opts.Clock, s.opts.Options)
}

// accept admits connections until the listener closes.
func (s *server) accept() {
	for {
		c, err := s.opts.Listener.Accept()
		if err != nil {
			return
		}
		go s.serveConn(c)
	}
}

// serveConn runs one driver connection: the handshake, the admission and
// then every message the driver sends.
func (s *server) serveConn(c net.Conn) {
	from := c.RemoteAddr().String()
	conn, err := wire.Handshake(c, handshakeTimeout, false)
	var ve *wire.VersionError
	switch {
	case errors.As(err, &ve):
		s.refuse(conn, from, err.Error(), fmt.Sprintf("the coordinator (surge %s) speaks protocol %d, the driver %d: run the same surge release on the coordinator and every driver",
			s.opts.Release, wire.Version, ve.Peer))
		return
	case err != nil:
		fmt.Fprintf(s.opts.Log, "coordinator: refused %s: %v\n", from, err)
		c.Close()
		return
	}
	var hello wire.Hello
	if err := conn.RecvMessage(&hello, handshakeTimeout); err != nil {
		fmt.Fprintf(s.opts.Log, "coordinator: refused %s: no hello: %v\n", from, err)
		conn.Close()
		return
	}
	who := fmt.Sprintf("driver %q from %s (surge %s)", hello.Name, from, hello.Release)
	if reason := s.authenticate(hello.Token); reason != "" {
		s.refuse(conn, who, reason, reason)
		return
	}
	p := newPeer(conn)
	s.mu.Lock()
	d, reason := s.admit(&hello, p)
	s.mu.Unlock()
	if d == nil {
		fmt.Fprintf(s.opts.Log, "coordinator: refused %s: %s\n", who, reason)
		p.send(&wire.Refuse{Reason: reason})
		p.close() // the writer sends the refusal, then hangs up
		return
	}
	s.readLoop(d, p)
}

// refuse logs why a peer is turned away, tells it, and hangs up.
func (s *server) refuse(conn *wire.Conn, who, logged, told string) {
	fmt.Fprintf(s.opts.Log, "coordinator: refused %s: %s\n", who, logged)
	_ = conn.Send(&wire.Refuse{Reason: told}, sendTimeout)
	conn.Close()
}

// authenticate compares the token in constant time, through hashes so
// that its length does not leak either.
func (s *server) authenticate(token []byte) string {
	if len(token) == 0 {
		return "no token: give the driver the coordinator's --token-file"
	}
	want, got := sha256.Sum256(s.opts.Token), sha256.Sum256(token)
	if subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		return "wrong token: the driver's --token-file does not match the coordinator's"
	}
	return ""
}

// admit decides on a driver's Hello: it returns the driver's state and
// sends the Welcome (and, to a driver rejoining a stopping run, a Stop),
// or returns why it is refused. Before the start every driver joins
// afresh; after it only the run's own drivers come back.
func (s *server) admit(h *wire.Hello, p *peer) (*driverState, string) {
	now := s.opts.Clock.Now()
	if s.over {
		return nil, "the run is over"
	}
	if h.RunID != "" && h.RunID == s.runID && s.started {
		d := s.driver(int(h.Driver))
		switch {
		case d == nil:
			return nil, fmt.Sprintf("run %s has no driver %d", s.runID, h.Driver)
		case d.phase == lost:
			return nil, fmt.Sprintf("driver %s was declared lost (%s); its share is reported as not offered", d.name, d.err)
		}
		if d.peer != nil && d.peer != p {
			d.peer.close()
		}
		d.peer, d.lastHeard = p, now
		w := &wire.Welcome{RunID: s.runID, Driver: int64(d.id), Name: d.name, Spec: *s.opts.Spec,
			Acked: d.acked, Started: s.started && (d.phase == running || d.phase == done)}
		p.send(w)
		if s.stopping != "" {
			p.send(&wire.Stop{Reason: s.stopping})
		}
		fmt.Fprintf(s.opts.Log, "coordinator: driver %s reconnected from %s (resending after interval %d)\n", d.name, p.addr(), d.acked)
		return d, ""
	}
	if h.RunID != "" && s.started {
		return nil, fmt.Sprintf("driver belongs to run %s, this coordinator runs %s", h.RunID, s.runID)
	}
	if s.started {
		return nil, fmt.Sprintf("run %s has started without this driver", s.runID)
	}
	if s.stopping != "" {
		return nil, "the run is stopping: " + s.stopping
	}
	id, reason := s.slot(h.Index)
	if id < 0 {
		return nil, reason
	}
	name := h.Name
	if name == "" {
		name = fmt.Sprintf("driver-%d", id)
	}
	for _, o := range s.drivers {
		if o != nil && o.name == name {
			name = fmt.Sprintf("%s-%d", name, id)
		}
	}
	index := int(h.Index)
	if index < 0 {
		index = id
	}
	d := &driverState{id: id, index: index, name: name, peer: p, lastHeard: now,
		received: -1, acked: -1, doneAt: -1}
	s.drivers[id] = d
	w := &wire.Welcome{RunID: s.runID, Driver: int64(id), Name: name, Spec: *s.opts.Spec, Acked: -1}
	p.send(w)
	fmt.Fprintf(s.opts.Log, "coordinator: driver %s joined from %s (surge %s, %d of %d)\n", name, p.addr(), h.Release, s.count(joined, ready), len(s.drivers))
	return d, ""
}

// slot picks a free driver slot: the Indexed Job index if one is given
// (taking it over from a driver that left before the start), else the
// first free one.
func (s *server) slot(index int64) (int, string) {
	if index >= 0 {
		if index >= int64(len(s.drivers)) {
			return -1, fmt.Sprintf("driver index %d, but the run has %d drivers (0 to %d)", index, len(s.drivers), len(s.drivers)-1)
		}
		if o := s.drivers[index]; o != nil && o.peer != nil {
			return -1, fmt.Sprintf("driver index %d is taken by %s", index, o.name)
		}
		return int(index), ""
	}
	for i, o := range s.drivers {
		if o == nil {
			return i, ""
		}
	}
	return -1, fmt.Sprintf("the run has all its %d drivers", len(s.drivers))
}

// count counts the drivers in the given phases.
func (s *server) count(phases ...phase) int {
	n := 0
	for _, d := range s.drivers {
		if d != nil && slices.Contains(phases, d.phase) {
			n++
		}
	}
	return n
}

// readLoop handles a driver's messages until its connection ends.
func (s *server) readLoop(d *driverState, p *peer) {
	var rep wire.Report
	err := func() error {
		for {
			t, body, err := p.conn.Recv(0)
			if err != nil {
				return err
			}
			var msg wire.Message
			switch t {
			case wire.TypeReport:
				msg = &rep
			case wire.TypeReady, wire.TypeHeartbeat, wire.TypeDone:
				msg = wire.New(t)
			default:
				return fmt.Errorf("%w: unexpected %s from a driver", wire.ErrMalformed, t)
			}
			if err := msg.Unmarshal(body); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			s.mu.Lock()
			if d.peer != p {
				s.mu.Unlock()
				return errors.New("replaced by a newer connection")
			}
			d.lastHeard = s.opts.Clock.Now()
			err = s.handle(d, msg)
			s.mu.Unlock()
			if err != nil {
				return err
			}
		}
	}()
	s.mu.Lock()
	if d.peer == p {
		d.peer = nil
		if !s.started && (d.phase == joined || d.phase == ready) {
			s.drivers[d.id] = nil // its slot is free for another driver
		}
		if !s.over && d.phase != done {
			fmt.Fprintf(s.opts.Log, "coordinator: driver %s disconnected: %v\n", d.name, err)
		}
	}
	s.mu.Unlock()
	p.close()
}

// handle processes one message from driver d, under mu.
func (s *server) handle(d *driverState, msg wire.Message) error {
	switch m := msg.(type) {
	case *wire.Heartbeat:
	case *wire.Ready:
		if d.phase != joined {
			return nil
		}
		if m.Err != "" {
			d.phase, d.err = failed, m.Err
			fmt.Fprintf(s.opts.Log, "coordinator: driver %s cannot run: %s\n", d.name, m.Err)
		} else {
			d.phase = ready
			fmt.Fprintf(s.opts.Log, "coordinator: driver %s is ready (%d of %d)\n", d.name, s.count(ready), len(s.drivers))
		}
		s.maybeStart()
	case *wire.Report:
		return s.ingest(d, m)
	case *wire.Done:
		if d.phase != running {
			return nil
		}
		d.doneAt = m.Last
		if m.Err != "" {
			d.err = m.Err
			fmt.Fprintf(s.opts.Log, "coordinator: driver %s ended early: %s\n", d.name, m.Err)
		}
		if d.received >= d.doneAt {
			d.phase = done
			s.ck.done(d.id, d.doneAt)
		}
		s.closeWindows()
	}
	return nil
}

// ingest merges one report of driver d into its window, dropping
// duplicates (resent after a reconnect).
func (s *server) ingest(d *driverState, r *wire.Report) error {
	if d.phase != running {
		return nil
	}
	seq := int64(r.Seq)
	switch {
	case seq <= d.received:
		if seq <= d.acked {
			d.peer.send(&wire.Ack{Seq: uint64(d.acked)})
		}
		return nil
	case seq != d.received+1:
		return fmt.Errorf("interval %d after %d: a gap", seq, d.received)
	case r.Seq < s.next:
		return fmt.Errorf("interval %d arrived after its window closed", seq)
	}
	if err := s.wins.add(d.id, r); err != nil {
		return err
	}
	d.received, d.reportedTo = seq, r.End
	d.intervals++
	if span := r.End - r.Start; span > 0 {
		d.cpu += r.CPU
		d.busy += span
		d.cpuMax = max(d.cpuMax, r.CPU.Seconds()/span.Seconds())
	}
	for i := range r.Stages {
		d.scheduled += r.Stages[i].Scheduled
		d.waited += r.Stages[i].Waited
		d.late += r.Stages[i].Late
	}
	if d.doneAt >= 0 && d.received >= d.doneAt {
		d.phase = done
		s.ck.done(d.id, d.doneAt)
	}
	s.closeWindows()
	return nil
}

// expects reports whether window seq waits for driver d.
func (d *driverState) expects(seq uint64) bool {
	switch d.phase {
	case running:
		return d.doneAt < 0 || int64(seq) <= d.doneAt
	}
	return false
}

// closeWindows closes every window that has all its reports, in order:
// it hands the merged interval to the output, checkpoints it, and then
// acknowledges the drivers' intervals in it. A failure to write fails the
// run, not the driver whose report closed the window.
func (s *server) closeWindows() {
	closed := false
	for {
		w := s.wins.open[s.next]
		if w == nil {
			if len(s.wins.open) == 0 {
				break
			}
			s.next = minKey(s.wins.open)
			continue
		}
		if s.ck != nil && !s.complete(w) {
			break
		}
		iv, err := w.interval()
		if err == nil {
			err = s.out.Interval(iv)
		}
		if err != nil {
			s.fail(err)
			return
		}
		if s.ck != nil { // not during a replay
			w.report(&s.rep)
			s.ck.window(w.from, &s.rep)
		}
		s.wins.release(w)
		s.next++
		closed = true
	}
	if !closed || s.ck == nil {
		return
	}
	if err := s.ck.sync(); err != nil {
		s.fail(err)
		return
	}
	for _, d := range s.drivers {
		if d == nil || d.received < 0 {
			continue
		}
		if a := min(d.received, int64(s.next)-1); a > d.acked {
			d.acked = a
			d.peer.send(&wire.Ack{Seq: uint64(a)})
		}
	}
	s.maybeOver()
}

// complete reports whether every driver window w waits for is in it.
func (s *server) complete(w *window) bool {
	for _, d := range s.drivers {
		if d != nil && d.expects(w.seq) && d.received < int64(w.seq) {
			return false
		}
	}
	return true
}

func minKey(m map[uint64]*window) uint64 {
	first := true
	var k uint64
	for s := range m {
		if first || s < k {
			k, first = s, false
		}
	}
	return k
}

// maybeStart starts the run once every driver is ready and the populate
// is done, or at the start timeout with the ready ones, or fails it.
func (s *server) maybeStart() {
	if s.started || s.over || s.stopping != "" || !s.populated {
		return
	}
	nready, nfailed := s.count(ready), s.count(failed)
	waited := s.opts.Clock.Now() - s.since
	switch {
	case nready == len(s.drivers):
	case len(s.drivers)-nfailed < s.opts.MinDrivers:
		s.fail(fmt.Errorf("%d of %d drivers cannot run, and the run needs %d: %s", nfailed, len(s.drivers), s.opts.MinDrivers, s.failures()))
		return
	case waited < s.opts.StartTimeout:
		return
	case nready >= s.opts.MinDrivers:
		s.warnings = append(s.warnings, fmt.Sprintf("started with %d of %d drivers after waiting %v: the load was split among %d", nready, len(s.drivers), s.opts.StartTimeout, nready))
	default:
		s.fail(fmt.Errorf("only %d of %d drivers were ready after %v, and the run needs %d (--min-drivers)", nready, len(s.drivers), s.opts.StartTimeout, s.opts.MinDrivers))
		return
	}
	var started []ckDriver
	for _, d := range s.drivers {
		if d == nil {
			continue
		}
		if d.phase != ready {
			if d.peer != nil {
				d.peer.send(&wire.Stop{Reason: "the run started without this driver"})
				d.peer.close()
			}
			s.drivers[d.id] = nil
			continue
		}
		d.shard = len(started)
		started = append(started, ckDriver{id: d.id, index: d.index, shard: d.shard, name: d.name})
	}
	s.started, s.shards = true, len(started)
	s.startAt = s.opts.Clock.Now() + s.opts.StartIn
	s.ck.start(s.opts.Now().Add(s.opts.StartIn), started)
	if err := s.ck.sync(); err != nil {
		s.fail(err)
		return
	}
	for _, d := range s.drivers {
		if d != nil {
			d.phase = running
			d.peer.send(&wire.Start{Shard: int64(d.shard), Shards: int64(s.shards), In: s.opts.StartIn})
		}
	}
	fmt.Fprintf(s.opts.Log, "coordinator: run %s starts in %v with %d drivers\n", s.runID, s.opts.StartIn, s.shards)
}

// failures lists the drivers that cannot run and why.
func (s *server) failures() string {
	var out []string
	for _, d := range s.drivers {
		if d != nil && d.phase == failed {
			out = append(out, d.name+": "+d.err)
		}
	}
	return strings.Join(out, "; ")
}

// tick checks on the drivers every Heartbeat: it sends heartbeats,
// applies the start timeout and declares silent drivers lost.
func (s *server) tick() {
	t := s.opts.Clock.NewTimer(s.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C():
		}
		t.Reset(s.opts.Heartbeat)
		s.mu.Lock()
		now := s.opts.Clock.Now()
		for _, d := range s.drivers {
			if d == nil {
				continue
			}
			d.peer.send(&wire.Heartbeat{At: now - s.startAt})
			if now-d.lastHeard <= s.opts.LostAfter {
				continue
			}
			switch {
			case !s.started:
				fmt.Fprintf(s.opts.Log, "coordinator: driver %s left before the start (silent for %v)\n", d.name, s.opts.LostAfter)
				d.peer.close()
				s.drivers[d.id] = nil
			case d.phase == running:
				d.phase = lost
				d.err = fmt.Sprintf("silent for %v", s.opts.LostAfter)
				d.peer.close()
				d.lostAt = now - s.startAt
				s.ck.lost(lostDriver{id: d.id, at: now - s.startAt, reportedTo: d.reportedTo, reason: d.err})
				fmt.Fprintf(s.opts.Log, "coordinator: driver %s lost: %s (its data ends at %.1fs)\n", d.name, d.err, d.reportedTo.Seconds())
				s.closeWindows()
			}
		}
		s.maybeStart()
		s.maybeOver()
		s.mu.Unlock()
	}
}

// stop asks every driver to stop generating load and finish.
func (s *server) stop(reason string) {
	if s.stopping != "" {
		return
	}
	s.stopping = reason
	fmt.Fprintf(s.opts.Log, "coordinator: stopping the run: %s\n", reason)
	for _, d := range s.drivers {
		if d != nil {
			d.peer.send(&wire.Stop{Reason: reason})
		}
	}
	s.maybeOver()
}

// fail records why the run failed and stops it.
func (s *server) fail(err error) {
	if s.runErr == nil {
		s.runErr = err
	}
	s.stop(err.Error())
}

// maybeOver ends the run when no driver has more to send.
func (s *server) maybeOver() {
	if s.over {
		return
	}
	if s.started {
		if s.count(running) > 0 || len(s.wins.open) > 0 {
			return
		}
	} else if s.stopping == "" {
		return
	}
	s.over = true
	close(s.done)
}

// results writes the results and tells the drivers the run is over.
func (s *server) results(pops []report.PopulateResult) (*report.Results, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	meta := report.Meta{StartedAt: s.out.startedAt, DriversPlanned: s.shards, MaxInFlight: s.plan.Options.MaxInFlight,
		Warnings: s.warnings, Populate: pops}
	if s.started {
		meta.Duration = s.opts.Clock.Now() - s.startAt
	}
	var nlost int
	for _, d := range s.drivers {
		if d == nil {
			continue
		}
		st := report.DriverStats{Name: d.name, Index: d.index, Shard: d.shard, Intervals: d.intervals,
			CPUMaxCores: d.cpuMax, Scheduled: d.scheduled, Waited: d.waited, Late: d.late}
		if d.busy > 0 {
			st.CPUMeanCores = d.cpu.Seconds() / d.busy.Seconds()
		}
		switch d.phase {
		case done:
			meta.DriversCompleted++
			st.Status = "completed"
			if d.err != "" {
				st.Status = "stopped"
			}
		case lost:
			nlost++
			st.Status = "lost"
			meta.DriversLost = append(meta.DriversLost, report.LostDriver{Name: d.name, Index: d.index,
				LostAtS: d.lostAt.Seconds(), ReportedUntilS: d.reportedTo.Seconds(),
				Share: 1 / float64(s.shards), Reason: d.err})
		default:
			st.Status = "stopped"
		}
		meta.Drivers = append(meta.Drivers, st)
	}
	runErr := s.runErr
	if runErr == nil && nlost > s.opts.MaxLost {
		runErr = fmt.Errorf("%w: %d lost, more than --max-lost %d", ErrDriversLost, nlost, s.opts.MaxLost)
	}
	if runErr != nil {
		meta.Warnings = append(meta.Warnings, "the run did not finish: "+runErr.Error())
	}
	res, err := s.out.finish(meta, runErr)
	if s.ck != nil {
		if err == nil || errors.Is(err, report.ErrSLOFailed) {
			s.ck.end()
		}
		if cerr := s.ck.close(); cerr != nil && err == nil {
			err = fmt.Errorf("%w: %w", ErrRunFailed, cerr)
		}
	}
	summary := "results in " + s.opts.OutDir
	for _, d := range s.drivers {
		if d != nil && d.peer != nil {
			d.peer.send(&wire.Finished{Summary: summary})
			d.peer.close()
			s.final = append(s.final, d.peer)
		}
	}
	return res, err
}

// flush waits, for at most sendTimeout, until the drivers' last messages
// (the last acks and Finished) are written: a coordinator that exits
// first would leave its drivers retrying.
func (s *server) flush() {
	deadline := time.After(sendTimeout)
	for _, p := range s.final {
		select {
		case <-p.flushed:
		case <-deadline:
			return
		}
	}
}

// peer sends messages to one driver connection from its own goroutine, so
// that a slow driver never holds up the coordinator. A nil peer (a driver
// that is not connected) drops what it is sent.
type peer struct {
	conn    *wire.Conn
	mu      sync.Mutex
	out     chan wire.Message
	closed  bool
	flushed chan struct{} // closed when the writer is done
}

// peerQueue is how many messages may wait for a driver before it counts
// as stuck and is disconnected.
const peerQueue = 256

func newPeer(conn *wire.Conn) *peer {
	p := &peer{conn: conn, out: make(chan wire.Message, peerQueue), flushed: make(chan struct{})}
	go p.write()
	return p
}

func (p *peer) write() {
	defer close(p.flushed)
	for m := range p.out {
		if err := p.conn.Send(m, sendTimeout); err != nil {
			p.conn.Close()
		}
	}
	p.conn.Close()
}

// send queues m; a peer whose queue is full is disconnected.
func (p *peer) send(m wire.Message) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	select {
	case p.out <- m:
	default:
		p.closed = true
		close(p.out)
	}
}

// close flushes what is queued and closes the connection.
func (p *peer) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.out)
	}
}

func (p *peer) addr() string { return p.conn.RemoteAddr().String() }
