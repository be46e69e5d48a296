package astest

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surgeload/surge/drivers/sim"
)

// Options configure a Server.
type Options struct {
	// Addr is the listen address; "" means 127.0.0.1:0, a free loopback port.
	Addr string
	// Namespaces the server has; nil means just "test".
	Namespaces []string
	// ClusterName, if set, is answered to the cluster-name info command.
	ClusterName string
	// Now is the clock of record expiry; nil means time.Now.
	Now func() time.Time
	// Model, if set, is the capacity of the node: every data request is
	// served through a drivers/sim target with this configuration, so the
	// node queues, stalls and saturates like one with that many servers and
	// that service time. A full queue answers 18 DEVICE_OVERLOAD.
	Model *sim.Config
	// Seed makes injected faults repeat: the same seed and request order
	// give the same faults.
	Seed uint64
}

// Server is a single Aerospike node on loopback. Start one with
// [NewServer] and point the client at [Server.Host] and [Server.Port].
type Server struct {
	opts     Options
	ln       net.Listener
	port     int
	node     string
	store    *store
	requests atomic.Int64
	faults   atomic.Pointer[Faults]
	model    *sim.Target // nil: unlimited capacity
	// cluster and index place the server in a Cluster; nil for one node.
	cluster *Cluster
	index   int

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewServer listens and starts serving in the background; Close stops it.
func NewServer(opts Options) (*Server, error) { return newServer(opts, nil) }

// newServer starts a server on st, or on a store of its own when st is nil.
func newServer(opts Options, st *store) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if len(opts.Namespaces) == 0 {
		opts.Namespaces = []string{"test"}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	model, err := newModel(opts.Model)
	if err != nil {
		return nil, fmt.Errorf("astest: capacity model: %w", err)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("astest: listen: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if st == nil {
		st = &store{records: map[recordKey]*record{}, now: opts.Now}
	}
	s := &Server{opts: opts, ln: ln, port: port, node: fmt.Sprintf("A57E57%010X", port),
		store: st, model: model, conns: map[net.Conn]struct{}{}}
	s.wg.Go(s.accept)
	return s, nil
}

// Host returns the address the server listens on, Port its port.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.port }

// Requests returns how many data requests (not info) the server has read.
// It is safe for concurrent use.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Close stops listening, closes every connection and waits for the
// server's goroutines.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() { s.serve(c) })
	}
}

// serve answers one request at a time on c until it closes or sends
// something that is not the protocol.
func (s *Server) serve(c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	var buf, out []byte
	var m msg
	for {
		typ, body, err := readFrame(r, buf)
		if err != nil {
			return
		}
		buf = body[:0]
		switch typ {
		case typeInfo:
			resp := s.info(body)
			out = append(appendFrameHeader(out[:0], typeInfo, len(resp)), resp...)
		case typeMessage:
			n := uint64(s.requests.Add(1))
			if err := decodeMsg(body, &m); err != nil {
				return
			}
			rc, err := s.admit(n)
			switch {
			case err != nil:
				return
			case rc != rcOK:
				out = reply(out[:0], rc, nil)
			default:
				out = s.handle(out[:0], &m)
			}
		default:
			return
		}
		if _, err := w.Write(out); err != nil || w.Flush() != nil {
			return
		}
	}
}

// reply appends a frame with only a header: a result code, and the
// record's generation and void time when there is one.
func reply(dst []byte, rc byte, r *record) []byte {
	m := msg{resultCode: rc}
	if r != nil {
		m.generation, m.recordTTL = r.generation, r.voidTime
	}
	return appendMsg(dst, &m)
}

// key returns the record a request names and whether this node serves it.
func (s *Server) key(m *msg) (recordKey, byte) {
	var k recordKey
	var haveDigest bool
	for _, f := range m.fields {
		switch f.typ {
		case fieldNamespace:
			k.ns = string(f.data)
		case fieldDigest:
			if len(f.data) != len(k.digest) {
				return k, rcParameterError
			}
			copy(k.digest[:], f.data)
			haveDigest = true
		}
	}
	if !haveDigest {
		return k, rcParameterError
	}
	return k, s.check(k)
}
