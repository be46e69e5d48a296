package wire

import (
	"fmt"
	"math"
	"time"

	"github.com/surgeload/surge/drivers"
)

// Type tells which message a frame holds.
type Type byte

// The message types. Driver to coordinator: Hello, Ready, Report,
// Heartbeat, Done. Coordinator to driver: Welcome, Refuse, Start, Ack,
// Heartbeat, Stop, Finished.
const (
	TypeHello Type = iota + 1
	TypeWelcome
	TypeRefuse
	TypeReady
	TypeStart
	TypeReport
	TypeAck
	TypeHeartbeat
	TypeStop
	TypeDone
	TypeFinished
)

var typeNames = [...]string{
	TypeHello: "hello", TypeWelcome: "welcome", TypeRefuse: "refuse", TypeReady: "ready",
	TypeStart: "start", TypeReport: "report", TypeAck: "ack", TypeHeartbeat: "heartbeat",
	TypeStop: "stop", TypeDone: "done", TypeFinished: "finished",
}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("type %d", byte(t))
}

// Message is one protocol message: it appends its body to a buffer and
// reads it back. Unmarshal reuses the message's slices.
type Message interface {
	Type() Type
	Marshal(b []byte) []byte
	Unmarshal(b []byte) error
}

// New returns an empty message of type t, or nil for an unknown type.
func New(t Type) Message {
	switch t {
	case TypeHello:
		return new(Hello)
	case TypeWelcome:
		return new(Welcome)
	case TypeRefuse:
		return new(Refuse)
	case TypeReady:
		return new(Ready)
	case TypeStart:
		return new(Start)
	case TypeReport:
		return new(Report)
	case TypeAck:
		return new(Ack)
	case TypeHeartbeat:
		return new(Heartbeat)
	case TypeStop:
		return new(Stop)
	case TypeDone:
		return new(Done)
	case TypeFinished:
		return new(Finished)
	}
	return nil
}

// Hello is a driver's first message: who it is and its credential.
type Hello struct {
	// Token is the shared secret from the token file.
	Token []byte
	// Name names the driver in logs and results; Index is its place in
	// a Kubernetes Indexed Job (JOB_COMPLETION_INDEX), -1 if none.
	Name  string
	Index int64
	// Release is the driver's surge version, quoted in refusals.
	Release string
	// RunID is empty on a driver's first connection; a driver that
	// reconnects to a run it is part of sends the run's ID and its
	// Driver number from the Welcome.
	RunID  string
	Driver int64
}

// RunSpec is what a driver needs to build the same plan as the
// coordinator: the scenario source and every input that shaped the plan.
type RunSpec struct {
	// File is the name scenario errors quote; Source its bytes.
	File   string
	Source []byte
	// Env holds the values of the ${NAME} references the coordinator
	// resolved, as NAME=VALUE, so that every driver expands them alike.
	Env                      []string
	RateScale, DurationScale float64
	// Seed overrides the scenario's seed when SeedSet.
	Seed    uint64
	SeedSet bool
}

// Welcome admits a driver to a run.
type Welcome struct {
	RunID string
	// Driver numbers the driver in the run (0 to drivers-1); Name is its
	// name there, made unique by the coordinator.
	Driver int64
	Name   string
	Spec   RunSpec
	// Acked is the last interval the coordinator holds from this driver,
	// -1 for none: a reconnecting driver resends the ones after it.
	Acked int64
	// Started is set when the run is under way: a reconnecting driver
	// carries on, it gets no Start.
	Started bool
}

// Refuse turns a peer away; Reason says why, for a person. Its form is
// the same in every protocol version.
type Refuse struct{ Reason string }

// Ready tells the coordinator that a driver built its targets and waits
// for the start; Err, if set, says why it could not.
type Ready struct{ Err string }

// Start starts a driver: it generates shard Shard of Shards, beginning In
// after it reads the message. An offset, not an instant, so that clock
// skew between machines does not matter.
type Start struct {
	Shard, Shards int64
	In            time.Duration
}

// Report is one interval of one driver: [drivers.Interval] on the wire,
// plus the driver's CPU use during the interval.
type Report struct {
	Seq        uint64
	Start, End time.Duration
	// CPU is the CPU time the driver process used during the interval.
	CPU    time.Duration
	Ops    []OpReport
	Stages []drivers.StageInterval
}

// OpReport is one [drivers.OpInterval] on the wire.
type OpReport struct {
	Stage, Op              int
	Count, Completed, Left int64
	Errors                 [drivers.NumClasses]int64
	Latency, Service, Lag  Hist
}

// Ack acknowledges a driver's intervals up to and including Seq: the
// coordinator holds them on disk and the driver may drop them.
type Ack struct{ Seq uint64 }

// Heartbeat says the sender is alive; At is its run time (or time since
// it connected, before the start).
type Heartbeat struct{ At time.Duration }

// Stop tells a driver to stop generating load now and finish its
// intervals; Reason says why.
type Stop struct{ Reason string }

// Done tells the coordinator that a driver's engine finished: Last is its
// last interval's Seq, or -1 if it ran none; Err why it ended early, if it
// did.
type Done struct {
	Last int64
	Err  string
}

// Finished tells a driver that the run is over and its results written:
// it may exit.
type Finished struct{ Summary string }

// Type implements Message.
func (*Hello) Type() Type { return TypeHello }

// Marshal implements Message.
func (m *Hello) Marshal(b []byte) []byte {
	e := enc{b}
	e.bytes(m.Token)
	e.str(m.Name)
	e.int(m.Index)
	e.str(m.Release)
	e.str(m.RunID)
	e.int(m.Driver)
	return e.b
}

// Unmarshal implements Message.
func (m *Hello) Unmarshal(b []byte) error {
	d := dec{b: b}
	m.Token, m.Name, m.Index, m.Release, m.RunID, m.Driver = d.bytes(), d.str(), d.int(), d.str(), d.str(), d.int()
	return d.end()
}

func (s *RunSpec) encode(e *enc) {
	e.str(s.File)
	e.bytes(s.Source)
	e.strs(s.Env)
	e.float(s.RateScale)
	e.float(s.DurationScale)
	e.uint(s.Seed)
	e.bool(s.SeedSet)
}

func (s *RunSpec) decode(d *dec) {
	s.File, s.Source, s.Env = d.str(), d.bytes(), d.strs()
	s.RateScale, s.DurationScale = d.float(), d.float()
	s.Seed, s.SeedSet = d.uint(), d.bool()
}

// Type implements Message.
func (*Welcome) Type() Type { return TypeWelcome }

// Marshal implements Message.
func (m *Welcome) Marshal(b []byte) []byte {
	e := enc{b}
	e.str(m.RunID)
	e.int(m.Driver)
	e.str(m.Name)
	m.Spec.encode(&e)
	e.int(m.Acked)
	e.bool(m.Started)
	return e.b
}

// Unmarshal implements Message.
func (m *Welcome) Unmarshal(b []byte) error {
	d := dec{b: b}
	m.RunID, m.Driver, m.Name = d.str(), d.int(), d.str()
	m.Spec.decode(&d)
	m.Acked, m.Started = d.int(), d.bool()
	return d.end()
}

// MarshalSpec encodes a RunSpec alone, for the checkpoint.
func MarshalSpec(b []byte, s *RunSpec) []byte {
	e := enc{b}
	s.encode(&e)
	return e.b
}

// UnmarshalSpec decodes what MarshalSpec wrote.
func UnmarshalSpec(b []byte, s *RunSpec) error {
	d := dec{b: b}
	s.decode(&d)
	return d.end()
}

// Type implements Message.
func (*Refuse) Type() Type { return TypeRefuse }

// Marshal implements Message.
func (m *Refuse) Marshal(b []byte) []byte { e := enc{b}; e.str(m.Reason); return e.b }

// Unmarshal implements Message.
func (m *Refuse) Unmarshal(b []byte) error { d := dec{b: b}; m.Reason = d.str(); return d.end() }

// Type implements Message.
func (*Ready) Type() Type { return TypeReady }

// Marshal implements Message.
func (m *Ready) Marshal(b []byte) []byte { e := enc{b}; e.str(m.Err); return e.b }

// Unmarshal implements Message.
func (m *Ready) Unmarshal(b []byte) error { d := dec{b: b}; m.Err = d.str(); return d.end() }

// Type implements Message.
func (*Start) Type() Type { return TypeStart }

// Marshal implements Message.
func (m *Start) Marshal(b []byte) []byte {
	e := enc{b}
	e.int(m.Shard)
	e.int(m.Shards)
	e.dur(m.In)
	return e.b
}

// Unmarshal implements Message.
func (m *Start) Unmarshal(b []byte) error {
	d := dec{b: b}
	m.Shards = 1
	m.Shard, m.Shards, m.In = d.int(), d.int(), d.dur()
	if d.err == nil && (m.Shards < 1 || m.Shard < 0 || m.Shard >= m.Shards || m.In < 0) {
		d.fail(fmt.Sprintf("start: shard %d of %d in %v", m.Shard, m.Shards, m.In))
	}
	return d.end()
}

// Type implements Message.
func (*Report) Type() Type { return TypeReport }

// Marshal implements Message.
func (m *Report) Marshal(b []byte) []byte {
	e := enc{b}
	e.uint(m.Seq)
	e.dur(m.Start)
	e.dur(m.End)
	e.dur(m.CPU)
	e.uint(uint64(len(m.Ops)))
	for i := range m.Ops {
		o := &m.Ops[i]
		e.int(int64(o.Stage))
		e.int(int64(o.Op))
		e.uint(uint64(o.Count))
		e.uint(uint64(o.Completed))
		e.uint(uint64(o.Left))
		var n uint64
		for _, v := range o.Errors {
			n += b2u64(v != 0)
		}
		e.uint(n)
		for c, v := range o.Errors {
			if v != 0 {
				e.uint(uint64(c))
				e.uint(uint64(v))
			}
		}
		o.Latency.encode(&e)
		o.Service.encode(&e)
		o.Lag.encode(&e)
	}
	e.uint(uint64(len(m.Stages)))
	for i := range m.Stages {
		s := &m.Stages[i]
		e.int(int64(s.Stage))
		e.uint(uint64(s.Scheduled))
		e.uint(uint64(s.Waited))
		e.uint(uint64(s.Late))
		e.dur(s.MaxLateness)
		e.float(s.BehindRate)
	}
	return e.b
}

func b2u64(v bool) uint64 { return uint64(b2u(v)) }

// Unmarshal implements Message. Stage and op numbers are only checked to
// be non-negative: whether the plan has them is the receiver's check.
func (m *Report) Unmarshal(b []byte) error {
	d := dec{b: b}
	m.Seq, m.Start, m.End, m.CPU = d.uint(), d.dur(), d.dur(), d.dur()
	// The slices grow by one element per element decoded, not to the
	// length the body claims: a length that fits the body still costs at
	// most a few bytes of input per element, and an OpReport is ~400
	// bytes, so sizing up front would let a bad frame allocate gigabytes.
	n := d.length(8)
	m.Ops = m.Ops[:0]
	for i := 0; i < n && d.err == nil; i++ {
		m.Ops = extend(m.Ops)
		o := &m.Ops[i]
		o.Stage, o.Op = int(d.index(0, math.MaxInt32, "stage")), int(d.index(0, math.MaxInt32, "op"))
		o.Count, o.Completed, o.Left = d.count(), d.count(), d.count()
		o.Errors = [drivers.NumClasses]int64{}
		classes := d.length(2)
		for j := 0; j < classes && d.err == nil; j++ {
			c := d.uint()
			v := d.count()
			if c >= uint64(drivers.NumClasses) {
				d.fail(fmt.Sprintf("error class %d of %d", c, drivers.NumClasses))
				break
			}
			o.Errors[c] = v
		}
		o.Latency.decode(&d)
		o.Service.decode(&d)
		o.Lag.decode(&d)
	}
	n = d.length(12)
	m.Stages = m.Stages[:0]
	for i := 0; i < n && d.err == nil; i++ {
		m.Stages = extend(m.Stages)
		s := &m.Stages[i]
		s.Stage = int(d.index(0, math.MaxInt32, "stage"))
		s.Scheduled, s.Waited, s.Late = d.count(), d.count(), d.count()
		s.MaxLateness, s.BehindRate = d.dur(), d.float()
	}
	err := d.end()
	if err != nil {
		m.Ops, m.Stages = m.Ops[:0], m.Stages[:0]
	}
	return err
}

// extend returns s one element longer, reusing the element (and its
// slices) past len(s) where s has the capacity.
func extend[T any](s []T) []T {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	var zero T
	return append(s, zero)
}

// grow returns s resized to n, keeping the elements (and their slices) it
// had for reuse.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)
}

// FromInterval sets m to the driver interval iv, with cpu as its CPU use.
func (m *Report) FromInterval(iv *drivers.Interval, cpu time.Duration) {
	m.Seq, m.Start, m.End, m.CPU = iv.Seq, iv.Start, iv.End, cpu
	m.Ops = grow(m.Ops, len(iv.Ops))
	for i := range iv.Ops {
		o, r := &iv.Ops[i], &m.Ops[i]
		r.Stage, r.Op, r.Count, r.Completed, r.Left, r.Errors = o.Stage, o.Op, o.Count, o.Completed, o.Left, o.Errors
		r.Latency.From(o.Latency)
		r.Service.From(o.Service)
		r.Lag.From(o.Lag)
	}
	m.Stages = append(m.Stages[:0], iv.Stages...)
}

// Type implements Message.
func (*Ack) Type() Type { return TypeAck }

// Marshal implements Message.
func (m *Ack) Marshal(b []byte) []byte { e := enc{b}; e.uint(m.Seq); return e.b }

// Unmarshal implements Message.
func (m *Ack) Unmarshal(b []byte) error { d := dec{b: b}; m.Seq = d.uint(); return d.end() }

// Type implements Message.
func (*Heartbeat) Type() Type { return TypeHeartbeat }

// Marshal implements Message.
func (m *Heartbeat) Marshal(b []byte) []byte { e := enc{b}; e.dur(m.At); return e.b }

// Unmarshal implements Message.
func (m *Heartbeat) Unmarshal(b []byte) error { d := dec{b: b}; m.At = d.dur(); return d.end() }

// Type implements Message.
func (*Stop) Type() Type { return TypeStop }

// Marshal implements Message.
func (m *Stop) Marshal(b []byte) []byte { e := enc{b}; e.str(m.Reason); return e.b }

// Unmarshal implements Message.
func (m *Stop) Unmarshal(b []byte) error { d := dec{b: b}; m.Reason = d.str(); return d.end() }

// Type implements Message.
func (*Done) Type() Type { return TypeDone }

// Marshal implements Message.
func (m *Done) Marshal(b []byte) []byte { e := enc{b}; e.int(m.Last); e.str(m.Err); return e.b }

// Unmarshal implements Message.
func (m *Done) Unmarshal(b []byte) error {
	d := dec{b: b}
	m.Last, m.Err = d.int(), d.str()
	if d.err == nil && m.Last < -1 {
		d.fail(fmt.Sprintf("done: last interval %d", m.Last))
	}
	return d.end()
}

// Type implements Message.
func (*Finished) Type() Type { return TypeFinished }

// Marshal implements Message.
func (m *Finished) Marshal(b []byte) []byte { e := enc{b}; e.str(m.Summary); return e.b }

// Unmarshal implements Message.
func (m *Finished) Unmarshal(b []byte) error { d := dec{b: b}; m.Summary = d.str(); return d.end() }
