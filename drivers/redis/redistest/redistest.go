// Package redistest starts throwaway redis-server processes on loopback
// for tests, as net/http/httptest starts HTTP servers: each listens on a
// free 127.0.0.1 port, keeps nothing on disk, and is stopped at the test's
// cleanup. The drivers/redis tests and the end-to-end tests of cmd/surge
// use it. A missing redis-server fails the test: `make test` installs it.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is a redis-server child process owned by one test or benchmark.
type Server struct {
	// Addr is the host:port the server listens on.
	Addr   string
	log    string        // the server's stdout and stderr
	exited chan struct{} // closed once the process has been waited for
	proc   *os.Process
}

// Bounds of Start: ports tried, and readiness probes per port.
const (
	startTries  = 3
	readyProbes = 500
	probeGap    = 10 * time.Millisecond
)

// Start starts `redis-server --port N --bind 127.0.0.1 --save ""
// --appendonly no` plus args in a temporary directory, waits until it
// answers PING (or refuses it for lack of a password), and stops it at
// tb's cleanup.
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("redis-server is not on PATH (%v): run `make test`, which installs redis-server and redis-tools", err)
	}
	for try := 1; ; try++ {
		s, err := launch(tb, bin, args)
		if err == nil {
			return s
		}
		if try == startTries { // e.g. another process took the free port first
			tb.Fatalf("start redis-server: %v", err)
		}
	}
}

func launch(tb testing.TB, bin string, args []string) (*Server, error) {
	dir := tb.TempDir()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", port), log: filepath.Join(dir, "redis.log"),
		exited: make(chan struct{})}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(bin, append([]string{"--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.proc = cmd.Process
	go func() { // exits when the process does; Stop and the cleanup wait for it
		_ = cmd.Wait()
		close(s.exited)
	}()
	tb.Cleanup(s.Stop)
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// waitReady probes the server at most readyProbes times, probeGap apart,
// and gives up at once if the process exits.
func (s *Server) waitReady() error {
	var err error
	for range readyProbes {
		if err = s.probe(); err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server on %s exited: %s", s.Addr, s.logTail())
		case <-time.After(probeGap):
		}
	}
	return fmt.Errorf("redis-server on %s not ready after %d probes: %w; log: %s", s.Addr, readyProbes, err, s.logTail())
}

func (s *Server) probe() error {
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH") {
		return nil
	}
	return fmt.Errorf("PING: %q", strings.TrimSpace(line)) // e.g. -LOADING
}

// Stop kills the server and waits for it to exit; it is idempotent.
func (s *Server) Stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.proc.Kill()
	<-s.exited
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
