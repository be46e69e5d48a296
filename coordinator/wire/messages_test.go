package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/surgeload/surge/coordinator/wire"
	"github.com/surgeload/surge/drivers"
)

// cmpOpts compare decoded messages: the decoders return nil for empty
// slices, and a fuzzed float may be NaN.
var cmpOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}

// countsLen is the number of buckets of surge's histogram geometry.
var countsLen = len(drivers.NewHistogram().Export().Counts)

// sampleReport returns a Report with several ops, sparse errors, wide
// histograms and stages.
func sampleReport() *wire.Report {
	r := &wire.Report{
		Seq: 41, Start: 41 * time.Second, End: 42 * time.Second, CPU: 730 * time.Millisecond,
		Ops: []wire.OpReport{
			{
				Stage: 0, Op: 0, Count: 10_000, Completed: 9_990, Left: 0,
				Latency: wire.Hist{Idx: []int32{0, 1, 1500, 2047, 2048, int32(countsLen - 1)}, Counts: []int64{1, 2, 9000, 900, 96, 1}},
				Service: wire.Hist{Idx: []int32{1500}, Counts: []int64{10_000}},
				Lag:     wire.Hist{Idx: []int32{1, 3}, Counts: []int64{9_999, 1}},
			},
			{
				Stage: 1, Op: 3, Count: 1 << 40, Completed: 1<<40 - 7, Left: 12,
				Latency: wire.Hist{Idx: []int32{20_000}, Counts: []int64{math.MaxInt64 / 2}},
			},
			{Stage: math.MaxInt32 - 1, Op: 7},
		},
		Stages: []drivers.StageInterval{
			{Stage: 0, Scheduled: 10_000, Waited: 3, Late: 2, MaxLateness: 12 * time.Millisecond, BehindRate: 9_876.5},
			{Stage: 1, Scheduled: 1 << 40},
		},
	}
	r.Ops[0].Errors[drivers.ClassTimeout] = 7
	r.Ops[0].Errors[drivers.ClassHTTP503] = 3
	r.Ops[1].Errors[drivers.NumClasses-1] = math.MaxInt64
	r.Ops[1].Errors[drivers.ClassOK] = 1
	return r
}

// sampleMessages returns one message of every type, in Type order, with
// non-trivial field values.
func sampleMessages() []wire.Message {
	return []wire.Message{
		&wire.Hello{Token: []byte{0, 1, 2, 0xff}, Name: "driver-é", Index: -1, Release: "v1.2.3", RunID: "run-7", Driver: 3},
		&wire.Welcome{
			RunID: "run-7", Driver: 3, Name: "driver-3",
			Spec: wire.RunSpec{
				File: "scenarios/cache.yaml", Source: []byte("name: cache\nstages: []\n"),
				Env: []string{"HOST=redis:6379", "EMPTY="}, RateScale: 0.5, DurationScale: 2,
				Seed: math.MaxUint64, SeedSet: true,
			},
			Acked: -1, Started: true,
		},
		&wire.Refuse{Reason: "bad token"},
		&wire.Ready{Err: "dial redis:6379: connection refused"},
		&wire.Start{Shard: 2, Shards: 3, In: 1500 * time.Millisecond},
		sampleReport(),
		&wire.Ack{Seq: math.MaxUint64},
		&wire.Heartbeat{At: -3 * time.Second},
		&wire.Stop{Reason: "aborted: SLO p99 breached"},
		&wire.Done{Last: -1, Err: "engine: context canceled"},
		&wire.Finished{Summary: "10 drivers, 3.2M ops, 0 errors"},
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	// All frames in one stream, so that each ReadFrame must take exactly
	// its own bytes.
	var stream []byte
	msgs := sampleMessages()
	for _, m := range msgs {
		stream = AppendFrameChecked(t, stream, m)
	}
	r := bytes.NewReader(stream)
	var buf []byte
	for _, want := range msgs {
		t.Run(want.Type().String(), func(t *testing.T) {
			typ, body, err := wire.ReadFrame(r, buf)
			buf = body
			if err != nil {
				t.Fatalf("ReadFrame: %v", err)
			}
			if typ != want.Type() {
				t.Fatalf("ReadFrame type = %v; want %v", typ, want.Type())
			}
			got := wire.New(typ)
			if err := got.Unmarshal(body); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, _, err := wire.ReadFrame(r, buf); err != io.EOF {
		t.Errorf("ReadFrame at the end = %v; want io.EOF", err)
	}
}

// AppendFrameChecked appends m as a frame and checks its header.
func AppendFrameChecked(t *testing.T, b []byte, m wire.Message) []byte {
	t.Helper()
	at := len(b)
	b = wire.AppendFrame(b, m)
	if n := binary.BigEndian.Uint32(b[at:]); int(n) != len(b)-at-5 {
		t.Errorf("%v frame length %d; want %d", m.Type(), n, len(b)-at-5)
	}
	if typ := wire.Type(b[at+4]); typ != m.Type() {
		t.Errorf("%v frame type byte %v", m.Type(), typ)
	}
	return b
}

func TestSpecRoundTrip(t *testing.T) {
	want := sampleMessages()[1].(*wire.Welcome).Spec
	var got wire.RunSpec
	if err := wire.UnmarshalSpec(wire.MarshalSpec(nil, &want), &got); err != nil {
		t.Fatalf("UnmarshalSpec: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestNewUnknown(t *testing.T) {
	for _, typ := range []wire.Type{0, wire.TypeFinished + 1, 255} {
		if m := wire.New(typ); m != nil {
			t.Errorf("New(%v) = %T; want nil", typ, m)
		}
	}
	if got, want := wire.Type(200).String(), "type 200"; got != want {
		t.Errorf("Type(200).String() = %q; want %q", got, want)
	}
}

// body builds a message body by hand.
type body []byte

func (b body) u(vs ...uint64) body {
	for _, v := range vs {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func (b body) i(vs ...int64) body {
	for _, v := range vs {
		b = binary.AppendVarint(b, v)
	}
	return b
}

// reportBody returns a Report body with one op whose error classes and
// latency buckets are the given (class, count) and (gap, count) pairs.
func reportBody(classes, latency [][2]uint64) []byte {
	b := body(nil).u(1).i(0, 1e9, 0) // seq, start, end, cpu
	b = b.u(1).i(0, 0).u(5, 5, 0)    // one op: stage, op, count, completed, left
	b = b.u(uint64(len(classes)))
	for _, c := range classes {
		b = b.u(c[0], c[1])
	}
	b = b.u(uint64(len(latency)))
	for _, c := range latency {
		b = b.u(c[0], c[1])
	}
	return b.u(0, 0, 0) // service, lag, stages
}

func marshal(m wire.Message) []byte { return m.Marshal(nil) }

// TestReportBodyAccepted checks reportBody's valid forms, which the
// rejections below alter.
func TestReportBodyAccepted(t *testing.T) {
	for _, b := range [][]byte{
		reportBody(nil, nil),
		reportBody([][2]uint64{{uint64(drivers.NumClasses - 1), 1}}, [][2]uint64{{0, 1}, {uint64(countsLen - 2), 1}}),
	} {
		var r wire.Report
		if err := r.Unmarshal(b); err != nil {
			t.Errorf("Unmarshal(% x) = %v; want nil", b, err)
		}
	}
}

func TestUnmarshalRejects(t *testing.T) {
	lastBool := func(m wire.Message) []byte {
		b := marshal(m)
		b[len(b)-1] = 2
		return b
	}
	descending := sampleReport()
	descending.Ops[0].Latency = wire.Hist{Idx: []int32{5, 3}, Counts: []int64{1, 1}}
	negStage := sampleReport()
	negStage.Ops[1].Stage = -1
	negStageInterval := sampleReport()
	negStageInterval.Stages[1].Stage = -1
	tests := []struct {
		name string
		m    wire.Message
		body []byte
	}{
		{"empty body", &wire.Hello{}, nil},
		{"truncated report", &wire.Report{}, marshal(sampleReport())[:40]},
		{"trailing byte", &wire.Ack{}, append(marshal(&wire.Ack{Seq: 3}), 0)},
		{"trailing bytes report", &wire.Report{}, append(marshal(sampleReport()), 1, 2)},
		{"bad varint", &wire.Heartbeat{}, bytes.Repeat([]byte{0xff}, 11)},
		{"bool byte 2", &wire.Welcome{}, lastBool(&wire.Welcome{Started: true})},
		{"seed set byte 2", &wire.Welcome{}, append(body(nil).u(0).i(0).u(0, 0, 0, 0).u(0, 0, 0, 0, 0, 0, 0, 0).u(0, 0, 0, 0, 0, 0, 0, 0).u(0), 2, 0, 0)},
		{"final byte 2", &wire.Report{}, append(body(nil).u(1).i(0, 0, 0), 2, 0, 0)},
		{"error class NumClasses", &wire.Report{}, reportBody([][2]uint64{{uint64(drivers.NumClasses), 1}}, nil)},
		{"error class huge", &wire.Report{}, reportBody([][2]uint64{{math.MaxUint64, 1}}, nil)},
		{"error count over int64", &wire.Report{}, reportBody([][2]uint64{{1, 1 << 63}}, nil)},
		{"bucket beyond geometry", &wire.Report{}, reportBody(nil, [][2]uint64{{uint64(countsLen), 1}})},
		{"bucket past the last", &wire.Report{}, reportBody(nil, [][2]uint64{{uint64(countsLen - 1), 1}, {0, 1}})},
		{"bucket gap wraps", &wire.Report{}, reportBody(nil, [][2]uint64{{3, 1}, {math.MaxUint64, 1}})},
		{"buckets descending", &wire.Report{}, marshal(descending)},
		{"bucket count zero", &wire.Report{}, reportBody(nil, [][2]uint64{{0, 0}})},
		{"bucket total overflows", &wire.Report{}, reportBody(nil, [][2]uint64{{0, math.MaxInt64}, {0, 1}})},
		{"negative op stage", &wire.Report{}, marshal(negStage)},
		{"negative stage interval", &wire.Report{}, marshal(negStageInterval)},
		{"stage over int32", &wire.Report{}, append(body(nil).u(1).i(0, 0, 0), 0).u(1).i(math.MaxInt32, 0).u(0, 0, 0, 0, 0, 0, 0, 0)},
		{"shard of its shards", &wire.Start{}, marshal(&wire.Start{Shard: 3, Shards: 3})},
		{"negative shard", &wire.Start{}, marshal(&wire.Start{Shard: -1, Shards: 3})},
		{"zero shards", &wire.Start{}, marshal(&wire.Start{Shard: 0, Shards: 0})},
		{"negative start offset", &wire.Start{}, marshal(&wire.Start{Shard: 0, Shards: 1, In: -time.Second})},
		{"done before the first", &wire.Done{}, marshal(&wire.Done{Last: -2})},
		{"string past the end", &wire.Refuse{}, body(nil).u(5).u('a')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Unmarshal(tt.body)
			if !errors.Is(err, wire.ErrMalformed) {
				t.Errorf("%T.Unmarshal(% x) = %v; want an error matching ErrMalformed", tt.m, tt.body, err)
			}
		})
	}
}

// TestUnmarshalRejectsPrefixes checks that no strict prefix of any
// message decodes.
func TestUnmarshalRejectsPrefixes(t *testing.T) {
	for _, m := range sampleMessages() {
		b := marshal(m)
		for n := range len(b) {
			if err := wire.New(m.Type()).Unmarshal(b[:n]); !errors.Is(err, wire.ErrMalformed) {
				t.Errorf("%v.Unmarshal(first %d of %d bytes) = %v; want an error matching ErrMalformed", m.Type(), n, len(b), err)
			}
		}
	}
}

// TestUnmarshalHugeLength checks that a length prefix cannot make a
// decoder allocate more than its input warrants, even when it fits the
// body: the decoder must fail at the first bad element, not after it
// made room for all of them.
func TestUnmarshalHugeLength(t *testing.T) {
	garbage := bytes.Repeat([]byte{0xff}, 1<<20)
	header := append(body(nil).u(1).i(0, 0, 0), 0)
	tests := []struct {
		name string
		m    wire.Message
		body []byte
	}{
		{"token", &wire.Hello{}, body(nil).u(math.MaxUint64)},
		{"env", &wire.Welcome{}, append(body(nil).u(0).i(0).u(0, 0, 0, 0).u(1<<62), garbage...)},
		{"env within the body", &wire.Welcome{}, append(body(nil).u(0).i(0).u(0, 0, 0, 0).u(uint64(len(garbage))), garbage...)},
		{"ops", &wire.Report{}, append(header.u(1<<62), garbage...)},
		{"ops within the body", &wire.Report{}, append(header.u(uint64(len(garbage)/8)), garbage...)},
		{"stages within the body", &wire.Report{}, append(header.u(0, uint64(len(garbage)/12)), garbage...)},
		{"buckets", &wire.Report{}, append(header.u(1).i(0, 0).u(5, 5, 0, 0).u(1<<62), garbage...)},
		{"buckets within the body", &wire.Report{}, append(header.u(1).i(0, 0).u(5, 5, 0, 0).u(uint64(len(garbage)/2)), garbage...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := tt.m.Unmarshal(tt.body)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, wire.ErrMalformed) {
				t.Errorf("Unmarshal = %v; want an error matching ErrMalformed", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Errorf("Unmarshal allocated %d bytes for a %d-byte body; want at most 64 KiB", n, len(tt.body))
			}
		})
	}
}

// TestReportUnmarshalReuses checks that a Report decodes into the slices
// it already has.
func TestReportUnmarshalReuses(t *testing.T) {
	big := marshal(sampleReport())
	small := marshal(&wire.Report{Seq: 1, Ops: []wire.OpReport{{Op: 1}}})
	var r wire.Report
	if err := r.Unmarshal(big); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, b := range [][]byte{small, big} {
			if err := r.Unmarshal(b); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Unmarshal into a used Report: %v allocs; want 0", allocs)
	}
	if diff := cmp.Diff(sampleReport(), &r, cmpOpts); diff != "" {
		t.Errorf("reused Report mismatch (-want +got):\n%s", diff)
	}
}
