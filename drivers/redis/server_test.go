package redis

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"
)

// server is a redis-server child process listening on a loopback port,
// owned by one test or benchmark.
type server struct {
	addr   string
	log    string        // the server's stdout and stderr
	exited chan struct{} // closed once the process has been waited for
	proc   *os.Process
}

// Bounds of startServer: ports tried, and readiness probes per port.
const (
	startTries  = 3
	readyProbes = 500
	probeGap    = 10 * time.Millisecond
)

// startServer starts `redis-server --port N --bind 127.0.0.1 --save ""
// --appendonly no` plus args in a temporary directory, waits until it
// answers, and stops it at cleanup. A missing redis-server fails the test:
// `make test` installs it.
func startServer(tb testing.TB, args ...string) *server {
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

func launch(tb testing.TB, bin string, args []string) (*server, error) {
	dir := tb.TempDir()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{addr: net.JoinHostPort("127.0.0.1", port), log: filepath.Join(dir, "redis.log"),
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
	go func() { // exits when the process does; stop and the cleanup wait for it
		_ = cmd.Wait()
		close(s.exited)
	}()
	tb.Cleanup(s.stop)
	if err := s.waitReady(); err != nil {
		s.stop()
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

// waitReady dials the server until it answers PING (or refuses it for lack
// of a password), at most readyProbes times, probeGap apart, and gives up
// at once if the process exits.
func (s *server) waitReady() error {
	var err error
	for range readyProbes {
		if err = s.probe(); err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server on %s exited: %s", s.addr, s.logTail())
		case <-time.After(probeGap):
		}
	}
	return fmt.Errorf("redis-server on %s not ready after %d probes: %w; log: %s", s.addr, readyProbes, err, s.logTail())
}

func (s *server) probe() error {
	conn, err := net.DialTimeout("tcp", s.addr, time.Second)
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

// stop kills the server and waits for it to exit; it is idempotent.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.proc.Kill()
	<-s.exited
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// raw returns a plain rueidis client to s, closed at cleanup, for checking
// what Client.Do did.
func raw(tb testing.TB, s *server, password string) rueidis.Client {
	tb.Helper()
	rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.addr}, Password: password,
		ForceSingleClient: true, DisableCache: true})
	if err != nil {
		tb.Fatalf("raw client to %s: %v", s.addr, err)
	}
	tb.Cleanup(rc.Close)
	return rc
}

// info returns the integer fields of INFO section.
func info(tb testing.TB, rc rueidis.Client, section string) map[string]int64 {
	tb.Helper()
	txt, err := rc.Do(context.Background(), rc.B().Info().Section(section).Build()).ToString()
	if err != nil {
		tb.Fatalf("INFO %s: %v", section, err)
	}
	m := map[string]int64{}
	for line := range strings.SplitSeq(txt, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
			m[k] = n
		}
	}
	return m
}
