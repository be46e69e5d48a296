package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/coordinator/wire"
)

// timeout bounds every wait in these tests; none should come near it.
const timeout = 10 * time.Second

// pipePeer returns one end of a net.Pipe and runs script on the other in
// a goroutine that the test's cleanup waits for.
func pipePeer(t *testing.T, script func(c net.Conn) error) net.Conn {
	t.Helper()
	near, far := net.Pipe()
	done := make(chan error, 1)
	go func() {
		err := script(far)
		far.Close()
		done <- err
	}()
	t.Cleanup(func() {
		near.Close()
		if err := <-done; err != nil {
			t.Errorf("peer: %v", err)
		}
	})
	return near
}

// preamble returns a preamble of protocol version v.
func preamble(v uint16) []byte {
	return binary.BigEndian.AppendUint16([]byte("SURGE\x00"), v)
}

// answer plays a server: it reads the client's preamble from c and
// writes reply.
func answer(c net.Conn, reply ...[]byte) error {
	if err := wire.ReadPreamble(c); err != nil {
		return err
	}
	return write(c, reply...)
}

func write(c net.Conn, bs ...[]byte) error {
	for _, b := range bs {
		if _, err := c.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// TestHandshake runs both sides over an unbuffered pipe: the client
// writes first and the server answers, so neither blocks the other.
func TestHandshake(t *testing.T) {
	hello := &wire.Hello{Name: "d", Index: 2, Release: "v1"}
	c := pipePeer(t, func(c net.Conn) error {
		conn, err := wire.Handshake(c, timeout, false)
		if err != nil {
			return err
		}
		return conn.Send(hello, timeout)
	})
	conn, err := wire.Handshake(c, timeout, true)
	if err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	var got wire.Hello
	if err := conn.RecvMessage(&got, timeout); err != nil {
		t.Fatalf("RecvMessage: %v", err)
	}
	if diff := cmp.Diff(hello, &got, cmpOpts); diff != "" {
		t.Errorf("RecvMessage mismatch (-want +got):\n%s", diff)
	}
}

// TestHandshakeClientRejects plays servers that a client must turn away.
func TestHandshakeClientRejects(t *testing.T) {
	reason := "coordinator runs surge v2.0.0"
	tests := []struct {
		name    string
		reply   [][]byte
		check   func(error) bool
		message []string // substrings of the error
	}{
		{
			name:  "garbage",
			reply: [][]byte{[]byte("HTTP/1.1 400 Bad Request\r\n\r\n")},
			check: func(err error) bool { return errors.Is(err, wire.ErrNotSurge) },
		},
		{
			name:  "nothing",
			check: func(err error) bool { return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) },
		},
		{
			name:    "other version with refusal",
			reply:   [][]byte{preamble(99), wire.AppendFrame(nil, &wire.Refuse{Reason: reason})},
			check:   isVersion(99),
			message: []string{reason, "run the same surge release", "protocol 99"},
		},
		{
			name:    "other version without refusal",
			reply:   [][]byte{preamble(99)},
			check:   isVersion(99),
			message: []string{"run the same surge release"},
		},
		{
			name:  "other version with a bad refusal",
			reply: [][]byte{preamble(0), {0, 0, 0, 2, byte(wire.TypeRefuse), 9, 9}},
			check: isVersion(0),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pipePeer(t, func(c net.Conn) error { return answer(c, tt.reply...) })
			_, err := wire.Handshake(c, timeout, true)
			if err == nil || !tt.check(err) {
				t.Fatalf("Handshake = %v; want a %s error", err, tt.name)
			}
			for _, s := range tt.message {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Handshake = %q; want it to contain %q", err, s)
				}
			}
		})
	}
}

// TestHandshakeServerRejects plays clients that a server must turn away.
func TestHandshakeServerRejects(t *testing.T) {
	t.Run("garbage", func(t *testing.T) {
		c := pipePeer(t, func(c net.Conn) error { return write(c, []byte("GET / HTTP/1.1\r\n\r\n")) })
		if _, err := wire.Handshake(c, timeout, false); !errors.Is(err, wire.ErrNotSurge) {
			t.Errorf("Handshake = %v; want an error matching ErrNotSurge", err)
		}
	})
	t.Run("other version", func(t *testing.T) {
		// The client of another version gets this server's preamble and
		// the Refuse the server sends on a *VersionError.
		reason := "this coordinator runs surge v1"
		c := pipePeer(t, func(c net.Conn) error {
			if err := write(c, preamble(99)); err != nil {
				return err
			}
			if err := wire.ReadPreamble(c); err != nil {
				return err
			}
			typ, body, err := wire.ReadFrame(c, nil)
			var ref wire.Refuse
			if err == nil && typ == wire.TypeRefuse {
				err = ref.Unmarshal(body)
			}
			if err != nil || typ != wire.TypeRefuse || ref.Reason != reason {
				return fmt.Errorf("after the preamble: %v, %q, %v; want a Refuse for %q", typ, ref.Reason, err, reason)
			}
			return nil
		})
		conn, err := wire.Handshake(c, timeout, false)
		if !isVersion(99)(err) || conn == nil {
			t.Fatalf("Handshake = %v, %v; want a Conn and a *VersionError for 99", conn, err)
		}
		if err := conn.Send(&wire.Refuse{Reason: reason}, timeout); err != nil {
			t.Errorf("Send(Refuse): %v", err)
		}
	})
}

func isVersion(v int) func(error) bool {
	return func(err error) bool {
		var ve *wire.VersionError
		return errors.As(err, &ve) && ve.Peer == v
	}
}

// connPair returns the client and server ends of a loopback TCP
// connection after their Handshakes.
func connPair(t *testing.T) (client, server *wire.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		c   *wire.Conn
		err error
	}
	accepted := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- result{err: err}
			return
		}
		wc, err := wire.Handshake(c, timeout, false)
		if err != nil {
			c.Close()
		}
		accepted <- result{wc, err}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	client, err = wire.Handshake(c, timeout, true)
	r := <-accepted
	if err != nil || r.err != nil {
		c.Close()
		t.Fatalf("Handshake: client %v; server %v", err, r.err)
	}
	t.Cleanup(func() { client.Close(); r.c.Close() })
	return client, r.c
}

func TestConnTCP(t *testing.T) {
	a, b := connPair(t)
	// Send is safe for concurrent use: every frame arrives whole.
	const senders, each = 4, 50
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range each {
				if err := a.Send(&wire.Ack{Seq: uint64(i*each + j)}, timeout); err != nil {
					t.Errorf("Send: %v", err)
					return
				}
			}
		})
	}
	seen := make(map[uint64]bool)
	for range senders * each {
		var ack wire.Ack
		if err := b.RecvMessage(&ack, timeout); err != nil {
			t.Fatalf("RecvMessage: %v", err)
		}
		seen[ack.Seq] = true
	}
	wg.Wait()
	if len(seen) != senders*each {
		t.Errorf("received %d distinct acks; want %d", len(seen), senders*each)
	}
}

func TestRecvMessage(t *testing.T) {
	a, b := connPair(t)
	send := func(m wire.Message) {
		t.Helper()
		if err := a.Send(m, timeout); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}

	send(&wire.Refuse{Reason: "bad token"})
	var w wire.Welcome
	err := b.RecvMessage(&w, timeout)
	var re *wire.RefusedError
	if !errors.As(err, &re) || re.Reason != "bad token" {
		t.Errorf("RecvMessage(Refuse into Welcome) = %v; want a *RefusedError for %q", err, "bad token")
	}

	if err := a.SendFrame(wire.AppendFrame(nil, &wire.Refuse{Reason: "asked for"}), timeout); err != nil {
		t.Fatalf("SendFrame: %v", err)
	}
	var ref wire.Refuse
	if err := b.RecvMessage(&ref, timeout); err != nil || ref.Reason != "asked for" {
		t.Errorf("RecvMessage(Refuse into Refuse) = %v, %q; want nil, %q", err, ref.Reason, "asked for")
	}

	send(&wire.Ack{Seq: 1})
	if err := b.RecvMessage(&w, timeout); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("RecvMessage(Ack into Welcome) = %v; want an error matching ErrMalformed", err)
	}
}

// failReader fails the test if read.
type failReader struct{ t *testing.T }

func (r failReader) Read([]byte) (int, error) {
	r.t.Error("ReadFrame read past the header of an oversized frame")
	return 0, io.EOF
}

func TestReadFrameTooLarge(t *testing.T) {
	h := binary.BigEndian.AppendUint32(nil, wire.MaxFrame+1)
	h = append(h, byte(wire.TypeReport))
	_, buf, err := wire.ReadFrame(io.MultiReader(bytes.NewReader(h), failReader{t}), nil)
	if !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("ReadFrame(header of %d bytes) = %v; want an error matching ErrMalformed", wire.MaxFrame+1, err)
	}
	if cap(buf) > 1<<10 {
		t.Errorf("ReadFrame allocated %d bytes for an oversized frame", cap(buf))
	}
}

// TestReadFrameStalled checks that a header claiming the largest frame
// costs memory only for the bytes that follow it.
func TestReadFrameStalled(t *testing.T) {
	frame := binary.BigEndian.AppendUint32(nil, wire.MaxFrame)
	frame = append(frame, byte(wire.TypeReport), 1, 2, 3)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := wire.ReadFrame(bytes.NewReader(frame), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadFrame(truncated frame) = %v; want an error matching io.ErrUnexpectedEOF", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("ReadFrame allocated %d bytes for 3 bytes of body; want at most 1 MiB", n)
	}
}

func TestReadFrameTruncated(t *testing.T) {
	frame := wire.AppendFrame(nil, &wire.Stop{Reason: "because"})
	for n := range len(frame) {
		_, _, err := wire.ReadFrame(bytes.NewReader(frame[:n]), nil)
		want := io.ErrUnexpectedEOF
		if n == 0 {
			want = io.EOF
		}
		if !errors.Is(err, want) {
			t.Errorf("ReadFrame(first %d of %d bytes) = %v; want %v", n, len(frame), err, want)
		}
	}
}

// TestReadFrameLarge reads frames larger than the first step of the
// buffer's growth, in pieces, into fresh and reused buffers.
func TestReadFrameLarge(t *testing.T) {
	var stream []byte
	var want []*wire.Finished
	for _, n := range []int{0, 1, 64<<10 - 3, 64 << 10, 1<<20 + 7, 100} {
		m := &wire.Finished{Summary: strings.Repeat("x", n)}
		want = append(want, m)
		stream = wire.AppendFrame(stream, m)
	}
	for _, reuse := range []bool{false, true} {
		r := iotest.HalfReader(bytes.NewReader(stream))
		var buf []byte
		for _, w := range want {
			if !reuse {
				buf = nil
			}
			typ, body, err := wire.ReadFrame(r, buf)
			if err != nil {
				t.Fatalf("ReadFrame: %v", err)
			}
			buf = body
			var got wire.Finished
			if err := got.Unmarshal(body); typ != wire.TypeFinished || err != nil || got.Summary != w.Summary {
				t.Errorf("ReadFrame = %v, %d bytes (%v); want finished, %d bytes", typ, len(got.Summary), err, len(w.Summary))
			}
		}
	}
}

func TestReadFrameReuses(t *testing.T) {
	frame := wire.AppendFrame(nil, sampleReport())
	r := bytes.NewReader(frame)
	_, buf, err := wire.ReadFrame(r, nil)
	if err != nil {
		t.Fatalf("ReadFrame: %v", err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(frame)
		if _, buf, err = wire.ReadFrame(r, buf); err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReadFrame into a used buffer: %v allocs; want 0", allocs)
	}
}
