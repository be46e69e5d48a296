package aerospike

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
)

// tapProxy is a loopback TCP proxy in front of a server that keeps a copy
// of every byte the client sends, per connection, to check what goes on
// the wire.
type tapProxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu     sync.Mutex
	sent   []*bytes.Buffer // per connection, since the last reset
	conns  []net.Conn
	closed bool
}

// newTapProxy listens on loopback until the test ends.
func newTapProxy(t *testing.T, target string) *tapProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tapProxy{ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *tapProxy) addr() string { return p.ln.Addr().String() }

// accept runs until the listener closes.
func (p *tapProxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		tap := &connTap{p: p, i: len(p.sent)}
		p.sent = append(p.sent, &bytes.Buffer{})
		if p.closed { // close ran between Accept and here
			in.Close()
			out.Close()
		}
		p.mu.Unlock()
		// Each copy ends when either side closes; close tears both down.
		// The tap records a request before the server can answer it.
		p.wg.Go(func() { io.Copy(io.MultiWriter(tap, out), in); out.Close() })
		p.wg.Go(func() { io.Copy(in, out); in.Close() })
	}
}

// connTap records what the client sends on connection i.
type connTap struct {
	p *tapProxy
	i int
}

func (c *connTap) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.sent[c.i].Write(b)
}

// reset forgets what was sent so far.
func (p *tapProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.sent {
		b.Reset()
	}
}

// messages returns the bodies of the AS_MSG requests (proto type 3) sent
// since the last reset, leaving out info requests such as the client's
// cluster tending. A reset may fall inside a frame; parsing a connection
// stops at the first frame that does not look like one.
func (p *tapProxy) messages() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][]byte
	for _, buf := range p.sent {
		b := buf.Bytes()
		for len(b) >= 8 && b[0] == 2 {
			n := binary.BigEndian.Uint64(b) & (1<<48 - 1)
			if uint64(len(b)-8) < n {
				break
			}
			if b[1] == 3 {
				out = append(out, bytes.Clone(b[8:8+n]))
			}
			b = b[8+n:]
		}
	}
	return out
}

func (p *tapProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
