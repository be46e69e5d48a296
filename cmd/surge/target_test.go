package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
)

// serveTarget runs `surge args...`, a target command, in-process and
// returns the addresses it prints as listening (all nodes of a cluster),
// and a stop function that cancels it and returns its exit code and
// stderr.
func serveTarget(t *testing.T, args ...string) (addrs []string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: pw, stderr: &stderr, now: time.Now}, args)
		pw.Close()
	}()
	lines := make(chan string)
	go func() { // ends when pw is closed, after run returns
		defer close(lines)
		for sc := bufio.NewScanner(pr); sc.Scan(); {
			lines <- sc.Text()
		}
	}()
	stop = sync.OnceValues(func() (int, string) {
		cancel()
		for range lines { // drain, so run never blocks on stdout
		}
		return <-done, stderr.String()
	})
	t.Cleanup(func() { stop() })
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				code, errs := stop()
				t.Fatalf("surge target exited %d before listening: %s", code, errs)
			}
			_, addr, found := strings.Cut(line, " listening on ")
			if !found {
				stop()
				t.Fatalf("unexpected line %q", line)
			}
			addrs = append(addrs, addr)
			// A cluster prints "node i of n"; the last node, or a lone
			// server, ends the list.
			if !strings.Contains(line, " of ") || strings.Contains(line, " of "+strconv.Itoa(len(addrs))+" listening") {
				return addrs, stop
			}
		case <-time.After(time.Minute): // a bound, not a synchronisation
			stop()
			t.Fatal("surge target printed no listening line in a minute")
		}
	}
}

// connectTarget connects the real client to the first node.
func connectTarget(t *testing.T, addr string, policy *as.ClientPolicy) *as.Client {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	policy.Timeout = 10 * time.Second
	c, err := as.NewClientWithPolicyAndHost(policy, as.NewHost(host, p))
	if err != nil {
		t.Fatalf("connect to %s: %v", addr, err)
	}
	return c
}

func TestTargetAerospike(t *testing.T) {
	password := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(password, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		args      []string
		nodes     int
		namespace string
		user      string
	}{
		{"one node", []string{"--listen", "127.0.0.1:0"}, 1, "test", ""},
		{"two nodes with a login and a capacity model", []string{"--listen", "127.0.0.1:0", "--nodes", "2",
			"--namespace", "sale", "--servers", "4", "--service-time", "100us", "--user", "surge", "--password-file", password},
			2, "sale", "surge"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addrs, stop := serveTarget(t, append([]string{"target", "aerospike"}, tt.args...)...)
			if len(addrs) != tt.nodes {
				t.Errorf("%d nodes listening; want %d", len(addrs), tt.nodes)
			}
			policy := as.NewClientPolicy()
			if tt.user != "" {
				policy.User, policy.Password = tt.user, "s3cret"
			}
			c := connectTarget(t, addrs[0], policy)
			if got := len(c.GetNodes()); got != tt.nodes {
				t.Errorf("the client sees %d nodes; want %d", got, tt.nodes)
			}
			k, err := as.NewKey(tt.namespace, "demo", "sku-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Put(nil, k, as.BinMap{"stock": 7}); err != nil {
				t.Fatal(err)
			}
			if rec, err := c.Get(nil, k); err != nil || rec.Bins["stock"] != 7 {
				t.Errorf("Get = %v, %v; want stock 7", rec, err)
			}
			c.Close()
			if code, stderr := stop(); code != exitOK || stderr != "" {
				t.Errorf("surge target exited %d, stderr %q; want 0 and nothing", code, stderr)
			}
		})
	}
}

func TestTargetAerospikeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--listen", "0.0.0.0:0"},
		{"--listen", "example.com:3000"},
		{"--listen", "nonsense"},
		{"--listen", "127.0.0.1:0", "--queue-limit", "5"},
		{"--listen", "127.0.0.1:0", "--servers", "1", "--service-dist", "uniform"},
		{"--listen", "127.0.0.1:0", "--servers", "1", "--stall-every", "1s", "--stall-for", "2s"},
		{"--listen", "127.0.0.1:0", "--user", "surge"},
		{"--listen", "127.0.0.1:0", "--user", "surge", "--password-file", filepath.Join(t.TempDir(), "missing")},
		{"--listen", "127.0.0.1:0", "--nodes", "0"},
		{"--listen", "127.0.0.1:0", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr, now: time.Now}
		if code := run(t.Context(), e, append([]string{"target", "aerospike"}, args...)); code != exitBadInput {
			t.Errorf("surge target aerospike %s exited %d; want %d (stderr %q)", strings.Join(args, " "), code, exitBadInput, stderr.String())
		}
	}
}
