package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The wire protocol as a peer of another release sees it: an 8-byte
// preamble ("SURGE\x00" and a big-endian uint16 version), then frames of a
// 4-byte big-endian length, a type byte and the body. A Refuse (type 3)
// body is a uvarint length and the UTF-8 reason, in every version.
const (
	preambleMagic = "SURGE\x00"
	typeRefuse    = 3
)

func preamble(version uint16) []byte {
	return binary.BigEndian.AppendUint16([]byte(preambleMagic), version)
}

func refuseFrame(reason string) []byte {
	body := binary.AppendUvarint(nil, uint64(len(reason)))
	body = append(body, reason...)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	frame = append(frame, typeRefuse)
	return append(frame, body...)
}

// readRefuse reads a preamble and a Refuse frame from r and returns the
// peer's version and the reason.
func readRefuse(t *testing.T, r io.Reader) (uint16, string) {
	t.Helper()
	br := bufio.NewReader(r)
	pre := make([]byte, len(preambleMagic)+2)
	if _, err := io.ReadFull(br, pre); err != nil {
		t.Fatalf("read the coordinator's preamble: %v", err)
	}
	if string(pre[:len(preambleMagic)]) != preambleMagic {
		t.Fatalf("preamble %q; want it to start with %q", pre, preambleMagic)
	}
	head := make([]byte, 5)
	if _, err := io.ReadFull(br, head); err != nil {
		t.Fatalf("read a frame after the preamble: %v", err)
	}
	if head[4] != typeRefuse {
		t.Fatalf("frame of type %d; want a Refuse (%d)", head[4], typeRefuse)
	}
	body := make([]byte, binary.BigEndian.Uint32(head))
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatalf("read the Refuse body: %v", err)
	}
	n, k := binary.Uvarint(body)
	if k <= 0 || uint64(len(body)-k) != n {
		t.Fatalf("Refuse body %q: want a uvarint length and that many bytes", body)
	}
	return binary.BigEndian.Uint16(pre[len(preambleMagic):]), string(body[k:])
}

// A coordinator turns away a driver with the wrong token and a peer of
// another protocol version, saying why on both sides, and still runs with
// the driver that has the right token. Bad token files fail before any
// connection.
func TestDistributedRefusals(t *testing.T) {
	t.Parallel()
	scenario := filepath.Join(t.TempDir(), "short.yaml")
	if err := os.WriteFile(scenario, []byte(`version: 1
name: short
seed: 5
targets:
  kv: {driver: sim, servers: 100, service_time: 1ms}
keyspaces:
  items: {count: 1k}
mix:
  read: {weight: 1, target: kv, op: get, keyspace: items}
profile:
  - {name: only, duration: 500ms, rate: 100}
options: {workers: 1, interval: 100ms, drain_timeout: 1s}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	token := writeToken(t, "the-right-token")
	out := filepath.Join(t.TempDir(), "out")
	c, addr := startCoordinator(t, scenario, "--listen", "127.0.0.1:0", "--drivers", "1", "--token-file", token, "--out", out)

	t.Run("wrong token", func(t *testing.T) {
		d := startDriver(t, addr, writeToken(t, "a-wrong-token"), "intruder", -1)
		if code := d.exit(t); code != exitBadInput {
			t.Errorf("driver exited %d; want %d\nstderr: %s", code, exitBadInput, d.stderr.String())
		}
		if s := d.stderr.String(); !strings.Contains(s, "wrong token") {
			t.Errorf("driver's stderr does not say wrong token: %s", s)
		}
		c.waitStderr(t, `refused driver "intruder"`)
		if s := c.stderr.String(); !strings.Contains(s, "wrong token") {
			t.Errorf("coordinator's log does not say wrong token: %s", s)
		}
	})

	t.Run("protocol version 99 to the coordinator", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(preamble(99)); err != nil {
			t.Fatal(err)
		}
		version, reason := readRefuse(t, conn)
		if version != 1 {
			t.Errorf("coordinator's preamble has version %d; want 1", version)
		}
		if !strings.Contains(reason, "protocol 1") || !strings.Contains(reason, "99") || !strings.Contains(reason, "same surge release") {
			t.Errorf("refusal %q; want both protocol versions and the advice to run the same release", reason)
		}
		c.waitStderr(t, "protocol 99")
	})

	t.Run("bad token files", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty")
		if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
			t.Fatal(err)
		}
		missing := filepath.Join(t.TempDir(), "missing")
		for _, cmd := range [][]string{
			{"driver", "--coordinator", addr},
			{"coordinator", scenario, "--listen", "127.0.0.1:0", "--drivers", "1", "--out", t.TempDir()},
		} {
			for _, tf := range []struct{ file, want string }{
				{empty, empty + " is empty"},
				{missing, "no such file"},
				{"", "--token-file: required"},
			} {
				args := cmd
				if tf.file != "" {
					args = append(args[:len(args):len(args)], "--token-file", tf.file)
				}
				r := surge(t, t.TempDir(), args...)
				if r.code != exitBadInput || !strings.Contains(r.stderr, "--token-file") || !strings.Contains(r.stderr, tf.want) {
					t.Errorf("surge %v: exit %d, stderr %q; want %d and a message about --token-file with %q", args, r.code, r.stderr, exitBadInput, tf.want)
				}
			}
		}
	})

	// After the refusals, the one slot is still free for the right driver.
	d := startDriver(t, addr, token, "good", -1)
	if code := c.exit(t); code != 0 {
		t.Fatalf("coordinator exited %d; want 0\nstdout: %s\nstderr: %s", code, c.stdout.String(), c.stderr.String())
	}
	d.finished(t)
	if res := checkResults(t, out); res.Drivers.Completed != 1 || res.Drivers.List[0].Name != "good" {
		t.Errorf("drivers = %+v; want the good driver alone, completed", res.Drivers)
	}
}

// A coordinator of another protocol version refuses a driver: the driver
// exits 2 and says to run the same release everywhere.
func TestDistributedDriverOfAnotherRelease(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		got []byte // the driver's preamble
	)
	wg.Go(func() { // exits after one connection, or when ln closes
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		pre := make([]byte, len(preambleMagic)+2)
		if _, err := io.ReadFull(conn, pre); err != nil {
			return
		}
		got = pre
		_, _ = conn.Write(append(preamble(99), refuseFrame("this coordinator speaks protocol 99")...))
	})
	defer func() {
		ln.Close()
		wg.Wait()
	}()

	d := startDriver(t, ln.Addr().String(), writeToken(t, "any-token"), "old", -1)
	code := d.exit(t)
	ln.Close()
	wg.Wait()
	if string(got) != string(preamble(1)) {
		t.Errorf("driver's preamble %q; want %q", got, preamble(1))
	}
	if code != exitBadInput {
		t.Errorf("driver exited %d; want %d\nstderr: %s", code, exitBadInput, d.stderr.String())
	}
	if s := d.stderr.String(); !strings.Contains(s, "protocol 99") || !strings.Contains(s, "run the same surge release") {
		t.Errorf("driver's stderr %q; want the coordinator's version and the advice to run the same release", s)
	}
}
