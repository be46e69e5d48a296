package astest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
)

// Options configure a Server.
type Options struct {
	// Addr is the listen address; "" means 127.0.0.1:0, a free loopback port.
	// For a Cluster, node i listens on the port of Addr plus i, or on a
	// free port when that port is 0.
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
	// Users, when not empty, turns on access control: it maps each user
	// name to its clear password. Every connection must then log in, or
	// present a session token, before any info or data request, as on an
	// Enterprise server with a security stanza.
	Users map[string]string
	// TLS, if set, makes the server speak TLS only, with this
	// configuration, which must hold a certificate.
	TLS *tls.Config
	// TLSName is the name of the node's certificate that the server gives
	// in its TLS peers list, so the client can verify the other nodes; ""
	// means the first DNS name of TLS.Certificates[0].
	TLSName string
}

// Server is a single Aerospike node on loopback. Start one with
// [NewServer] and point the client at [Server.Host] and [Server.Port].
type Server struct {
	opts     Options
	ln       net.Listener
	ip       net.IP // the listen address; unspecified means every interface
	port     int
	node     string
	tlsName  string
	store    *store
	creds    map[string][]byte // user → credential; nil: no access control
	secret   [32]byte          // signs session tokens
	requests atomic.Int64
	faults   atomic.Pointer[Faults]
	model    *sim.Target // nil: unlimited capacity
	// delayHook, if set, is called as a request starts its Delay (tests).
	delayHook atomic.Pointer[func()]
	// cluster and index place the server in a Cluster; nil for one node.
	cluster *Cluster
	index   int

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]context.CancelFunc
	wg     sync.WaitGroup
}

// shared is what the nodes of a Cluster have in common: the data and the
// users' credentials.
type shared struct {
	store *store
	creds map[string][]byte
}

func newShared(opts *Options) (*shared, error) {
	creds, err := hashUsers(opts.Users)
	if err != nil {
		return nil, err
	}
	return &shared{store: &store{records: map[recordKey]*record{}, now: opts.Now}, creds: creds}, nil
}

// NewServer listens and starts serving in the background; Close stops it.
func NewServer(opts Options) (*Server, error) {
	defaults(&opts)
	sh, err := newShared(&opts)
	if err != nil {
		return nil, fmt.Errorf("astest: %w", err)
	}
	s, err := newServer(opts, sh)
	if err != nil {
		return nil, fmt.Errorf("astest: %w", err)
	}
	s.start()
	return s, nil
}

func defaults(opts *Options) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if len(opts.Namespaces) == 0 {
		opts.Namespaces = []string{"test"}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
}

// newServer listens on opts.Addr and serves sh; start begins accepting.
func newServer(opts Options, sh *shared) (*Server, error) {
	model, err := newModel(opts.Model)
	if err != nil {
		return nil, fmt.Errorf("capacity model: %w", err)
	}
	name, err := tlsName(&opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if opts.TLS != nil {
		ln = tls.NewListener(ln, opts.TLS)
	}
	s := &Server{opts: opts, ln: ln, ip: addr.IP, port: addr.Port, tlsName: name,
		node: fmt.Sprintf("A57E57%010X", addr.Port), store: sh.store, creds: sh.creds,
		model: model, conns: map[net.Conn]context.CancelFunc{}}
	rand.Read(s.secret[:]) // never fails (crypto/rand)
	return s, nil
}

// tlsName is the name the node's certificate is for, or "" without TLS.
func tlsName(opts *Options) (string, error) {
	cfg := opts.TLS
	switch {
	case cfg == nil:
		return "", nil
	case len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil:
		return "", errors.New("the tls config has no certificate")
	case opts.TLSName != "" || len(cfg.Certificates) == 0 || len(cfg.Certificates[0].Certificate) == 0:
		return opts.TLSName, nil
	}
	leaf := cfg.Certificates[0].Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cfg.Certificates[0].Certificate[0]); err != nil {
			return "", fmt.Errorf("tls certificate: %w", err)
		}
	}
	if len(leaf.DNSNames) == 0 {
		return "", nil
	}
	return leaf.DNSNames[0], nil
}

func (s *Server) start() { s.wg.Go(s.accept) }

// Host returns the address the server listens on, Port its port.
func (s *Server) Host() string { return s.ip.String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.port }

// Addr returns host:port, the address the server listens on.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.port)) }

// Requests returns how many data requests (not info) the server has read.
// It is safe for concurrent use.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Close stops listening, closes every connection, interrupts requests
// held back by a Delay or queued in the capacity model, and waits for the
// server's goroutines.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c, cancel := range s.conns {
		cancel()
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
		ctx, cancel := context.WithCancel(context.Background())
		s.mu.Lock()
		if s.closed { // accepted just before Close took the lock
			s.mu.Unlock()
			cancel()
			c.Close()
			return
		}
		s.conns[c] = cancel
		s.mu.Unlock()
		s.wg.Go(func() { s.serve(ctx, c) })
	}
}

// session is the state of one client connection.
type session struct {
	local string // the IP the client reached this node on
	user  string // the logged-in user; "" before a login
	op    drivers.Op
	timer *time.Timer // for Delay; nil until first needed
}

// serve answers one request at a time on c until it closes, sends
// something that is not the protocol, or ctx is cancelled by Close.
func (s *Server) serve(ctx context.Context, c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		if cancel, ok := s.conns[c]; ok {
			cancel()
			delete(s.conns, c)
		}
		s.mu.Unlock()
	}()
	sess := &session{local: s.Host()}
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		sess.local = a.IP.String()
	}
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	var buf, out []byte
	var m msg
	var a adminMsg
	for {
		typ, body, err := readFrame(r, buf)
		if err != nil {
			return
		}
		buf = body[:0]
		switch typ {
		case typeInfo:
			out = s.infoFrame(out[:0], body, sess)
		case typeAdmin:
			if err := decodeAdmin(body, &a); err != nil {
				return
			}
			out = s.admin(out[:0], &a, sess)
		case typeMessage:
			if out, err = s.message(ctx, out[:0], body, &m, sess); err != nil {
				return
			}
		default:
			return
		}
		if _, err := w.Write(out); err != nil || w.Flush() != nil {
			return
		}
	}
}

// message answers one AS_MSG request, after the login check, the faults
// and the capacity model.
func (s *Server) message(ctx context.Context, dst, body []byte, m *msg, sess *session) ([]byte, error) {
	n := uint64(s.requests.Add(1))
	if err := decodeMsg(body, m); err != nil {
		return nil, err
	}
	if s.creds != nil && sess.user == "" {
		return errorReply(dst, rcNotAuthenticated, m), nil
	}
	rc, err := s.admit(ctx, n, sess)
	switch {
	case err != nil:
		return nil, err
	case rc != rcOK:
		return errorReply(dst, rc, m), nil
	}
	return s.handle(dst, m), nil
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

// errorReply answers request m with only a result code. A batch gets it on
// a LAST message, as the server sends a whole-batch error: the client reads
// on after a batch row with code 2 or 27 until it sees LAST.
func errorReply(dst []byte, rc byte, m *msg) []byte {
	out := msg{resultCode: rc}
	if m.info1&info1Batch != 0 {
		out.info3 = info3Last
	}
	return appendMsg(dst, &out)
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
