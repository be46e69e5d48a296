package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Version is the protocol version this build speaks. Peers of another
// version are refused: a change to any message means a new Version.
const Version = 1

// MaxFrame bounds a frame's body. A report of a thousand ops with wide
// histograms stays far below it.
const MaxFrame = 64 << 20

// preambleMagic opens every connection, from both sides.
const preambleMagic = "SURGE\x00"

// ErrNotSurge marks a peer whose first bytes are not a surge preamble.
var ErrNotSurge = errors.New("peer does not speak the surge protocol")

// VersionError is a peer's preamble with another protocol version.
type VersionError struct{ Peer int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("peer speaks surge protocol %d, this surge speaks %d: run the same surge release on the coordinator and every driver", e.Peer, Version)
}

// WritePreamble writes this side's preamble.
func WritePreamble(w io.Writer) error {
	var p [len(preambleMagic) + 2]byte
	copy(p[:], preambleMagic)
	binary.BigEndian.PutUint16(p[len(preambleMagic):], Version)
	_, err := w.Write(p[:])
	return err
}

// ReadPreamble reads the peer's preamble: an error matching [ErrNotSurge]
// for anything else, a [*VersionError] for another version.
func ReadPreamble(r io.Reader) error {
	var p [len(preambleMagic) + 2]byte
	if _, err := io.ReadFull(r, p[:]); err != nil {
		return fmt.Errorf("read preamble: %w", err)
	}
	if string(p[:len(preambleMagic)]) != preambleMagic {
		return fmt.Errorf("%w (it sent %q)", ErrNotSurge, p[:])
	}
	if v := int(binary.BigEndian.Uint16(p[len(preambleMagic):])); v != Version {
		return &VersionError{Peer: v}
	}
	return nil
}

// ReadFrame reads one frame into buf (grown as needed) and returns its
// type and body, which aliases buf.
func ReadFrame(r io.Reader, buf []byte) (Type, []byte, error) {
	// The header goes to buf too: an array on the stack would escape to
	// the heap through io.ReadFull, one allocation per frame.
	buf = grow(buf[:0], 5)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, buf, err
	}
	n, t := binary.BigEndian.Uint32(buf), Type(buf[4])
	if n > MaxFrame {
		return 0, buf, fmt.Errorf("%w: frame of %d bytes is over the %d limit", ErrMalformed, n, MaxFrame)
	}
	// buf grows with the bytes that arrive, doubling from 64 KiB, not at
	// once to the length the header claims: a peer that sends a large
	// header and stalls, authenticated or not, costs little memory.
	buf = buf[:0]
	for len(buf) < int(n) {
		at := len(buf)
		buf = grow(buf, min(int(n), max(cap(buf), 2*at, 64<<10)))
		if _, err := io.ReadFull(r, buf[at:]); err != nil {
			return 0, buf, fmt.Errorf("read frame: %w", unexpected(err))
		}
	}
	return t, buf, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendFrame appends m as a frame to b.
func AppendFrame(b []byte, m Message) []byte {
	at := len(b)
	b = append(b, 0, 0, 0, 0, byte(m.Type()))
	b = m.Marshal(b)
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-5))
	return b
}

// Conn is one side of a connection after the preambles: it sends and
// receives whole messages. Send is safe for concurrent use; Recv must be
// called from one goroutine.
type Conn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte // the last frame read

	mu   sync.Mutex
	wbuf []byte
}

// Handshake exchanges preambles on c, waiting at most timeout for the
// peer's, and returns the Conn. The client writes first and the server
// answers, so that even an unbuffered connection cannot deadlock. A
// server returns a peer's other version as a [*VersionError] after
// writing its own preamble: it should then send a [Refuse]. A client
// reads that Refuse into the error.
func Handshake(c net.Conn, timeout time.Duration, client bool) (*Conn, error) {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	conn := &Conn{c: c, r: bufio.NewReaderSize(c, 64<<10)}
	var err error
	if client {
		if err := WritePreamble(c); err != nil {
			return nil, fmt.Errorf("write preamble: %w", err)
		}
		err = ReadPreamble(conn.r)
	} else {
		err = ReadPreamble(conn.r)
		if err != nil && !errors.As(err, new(*VersionError)) {
			return nil, err
		}
		if werr := WritePreamble(c); werr != nil {
			return nil, fmt.Errorf("write preamble: %w", werr)
		}
	}
	var ve *VersionError
	if client && errors.As(err, &ve) {
		var ref Refuse
		if t, body, rerr := ReadFrame(conn.r, nil); rerr == nil && t == TypeRefuse && ref.Unmarshal(body) == nil {
			return conn, fmt.Errorf("%w: %s", err, ref.Reason)
		}
	}
	if err != nil {
		return conn, err
	}
	return conn, c.SetDeadline(time.Time{})
}

// Send writes m as one frame, within timeout.
func (c *Conn) Send(m Message, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wbuf = AppendFrame(c.wbuf[:0], m)
	if err := c.c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.c.Write(c.wbuf); err != nil {
		return fmt.Errorf("send %s: %w", m.Type(), err)
	}
	return nil
}

// Recv reads the next frame, waiting at most timeout (0: no limit), and
// returns its type and body; the body is valid until the next Recv.
func (c *Conn) Recv(timeout time.Duration) (Type, []byte, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := c.c.SetReadDeadline(deadline); err != nil {
		return 0, nil, err
	}
	t, body, err := ReadFrame(c.r, c.buf)
	c.buf = body
	return t, body, err
}

// RecvMessage reads the next frame and decodes it into m, which must be
// of the frame's type; a Refuse comes back as a [*RefusedError].
func (c *Conn) RecvMessage(m Message, timeout time.Duration) error {
	t, body, err := c.Recv(timeout)
	if err != nil {
		return err
	}
	if t == TypeRefuse && m.Type() != TypeRefuse {
		var ref Refuse
		if err := ref.Unmarshal(body); err != nil {
			return err
		}
		return &RefusedError{Reason: ref.Reason}
	}
	if t != m.Type() {
		return fmt.Errorf("%w: expected %s, got %s", ErrMalformed, m.Type(), t)
	}
	return m.Unmarshal(body)
}

// RefusedError is a Refuse the peer sent.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "refused by the coordinator: " + e.Reason }

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// RemoteAddr is the peer's address, for logs.
func (c *Conn) RemoteAddr() net.Addr { return c.c.RemoteAddr() }

// SendFrame writes a frame made by [AppendFrame], within timeout.
func (c *Conn) SendFrame(frame []byte, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.c.Write(frame); err != nil {
		return fmt.Errorf("send frame: %w", err)
	}
	return nil
}
