package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/redis/redistest"
)

// TestConcurrent runs many workers through one Client, pipelined and not,
// and checks that every write landed on its own key with its own size: the
// pooled key buffers must never leak one op's key into another's command.
func TestConcurrent(t *testing.T) {
	s := redistest.Start(t)
	rc := raw(t, s, "")
	ops := []OpConfig{{Kind: "set"}, {Kind: "get"}, {Kind: "incrby"}, {Kind: "mget"}}
	const set, get, incrby, mget = 0, 1, 2, 3
	const workers, perWorker = 32, 100
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"pipelined", Config{Connections: 2}},
		{"one connection, 4 in flight", Config{Connections: 1, Pipeline: 4}},
		{"not pipelined", Config{Connections: 8, Pipeline: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Addrs, cfg.KeyPrefix = []string{s.Addr}, tc.name+":"
			c := newClient(t, cfg, ops)
			key := func(w, i int) uint64 { return uint64(1 + w*perWorker + i) }
			errs := make(chan error, workers) // one per worker at most: each stops at its first
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					var op drivers.Op
					batch := make([]uint64, 2)
					for i := range perWorker {
						k := key(w, i)
						batch[0], batch[1] = k, key(w, 0)
						for _, o := range []drivers.Op{
							{Index: set, Key: k, ValueSize: w + 1},
							{Index: get, Key: k},
							{Index: incrby, Key: 0},
							{Index: mget, Key: k, Keys: batch},
						} {
							op = o
							if err := c.Do(context.Background(), &op); err != nil {
								errs <- fmt.Errorf("worker %d: Do(%+v) = %w", w, o, err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := rawString(t, rc, "GET", cfg.KeyPrefix+"0"); got != strconv.Itoa(workers*perWorker) {
				t.Errorf("counter after %d incrby = %s", workers*perWorker, got)
			}
			for w := range workers {
				names := make([]string, perWorker)
				for i := range names {
					names[i] = cfg.KeyPrefix + strconv.FormatUint(key(w, i), 10)
				}
				vals, err := rc.Do(context.Background(), rc.B().Mget().Key(names...).Build()).AsStrSlice()
				if err != nil {
					t.Fatalf("MGET worker %d's keys: %v", w, err)
				}
				for i, v := range vals {
					if len(v) != w+1 {
						t.Errorf("%s = %d bytes; want %d", names[i], len(v), w+1)
					}
				}
			}
		})
	}
}

// TestPipelining shows pipelining on and off from the server's side: INFO's
// total_reads_processed counts the server's reads from clients, and a client
// that waits for each reply before sending the next command cannot put two
// commands into one read.
func TestPipelining(t *testing.T) {
	s := redistest.Start(t)
	rc := raw(t, s, "")
	for _, tc := range []struct {
		name      string
		cfg       Config
		pipelined bool
		maxConns  int64 // the Client's connections, at most
	}{
		{"on", Config{Connections: 1}, true, 1},
		{"off", Config{Connections: 4, Pipeline: 1}, false, 4 + 1}, // + the one rueidis opens at start
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Addrs = []string{s.Addr}
			c := newClient(t, cfg, []OpConfig{{Kind: "incrby"}})
			before := info(t, rc, "stats")
			const workers, perWorker = 64, 50
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					op := drivers.Op{Key: 1}
					for range perWorker {
						if err := c.Do(context.Background(), &op); err != nil {
							t.Errorf("Do = %v", err)
							return
						}
					}
				})
			}
			wg.Wait()
			after := info(t, rc, "stats")
			cmds := after["total_commands_processed"] - before["total_commands_processed"]
			reads := after["total_reads_processed"] - before["total_reads_processed"]
			t.Logf("%d commands in %d reads", cmds, reads)
			if cmds < workers*perWorker {
				t.Errorf("%d commands processed; want at least %d", cmds, workers*perWorker)
			}
			if tc.pipelined && cmds <= reads {
				t.Errorf("pipelined: %d commands in %d reads; want more commands than reads", cmds, reads)
			}
			if !tc.pipelined && cmds > reads {
				t.Errorf("not pipelined: %d commands in %d reads; want at most one command per read", cmds, reads)
			}
			clients := info(t, rc, "clients")["connected_clients"] - 1 // less rc
			if clients > tc.maxConns {
				t.Errorf("%d connections; want at most %d", clients, tc.maxConns)
			}
		})
	}
}

// TestCluster runs the cluster path against a one-node Redis Cluster that
// owns every slot: keys of an MGET fall in many slots.
func TestCluster(t *testing.T) {
	node := redistest.Start(t, "--cluster-enabled", "yes")
	rc := raw(t, node, "")
	rawString(t, rc, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	waitClusterOK(t, rc)

	c := newClient(t, Config{Addrs: []string{node.Addr}, Cluster: true, KeyPrefix: "c:"},
		[]OpConfig{{Kind: "set"}, {Kind: "get"}, {Kind: "mget"}})
	if !c.cluster {
		t.Fatal("Cluster: true did not make a cluster client")
	}
	keys := make([]uint64, 20)
	for i := range keys {
		keys[i] = uint64(i)
		mustDo(t, c, drivers.Op{Index: 0, Key: keys[i], ValueSize: 3})
	}
	mustDo(t, c, drivers.Op{Index: 1, Key: 3})
	if got := do(t, c, drivers.Op{Index: 1, Key: 99}); got != drivers.ClassNotFound {
		t.Errorf("get of a missing key: class %v; want not_found", got)
	}
	before := info(t, rc, "stats")
	mustDo(t, c, drivers.Op{Index: 2, Key: keys[0], Keys: append(keys, 99)})
	after := info(t, rc, "stats")
	if hits, misses := after["keyspace_hits"]-before["keyspace_hits"],
		after["keyspace_misses"]-before["keyspace_misses"]; hits != 20 || misses != 1 {
		t.Errorf("mget of 21 keys across slots: %d hits, %d misses; want 20 and 1", hits, misses)
	}
}

// waitClusterOK polls CLUSTER INFO until cluster_state is ok: a new master
// waits a couple of seconds before it declares itself writable.
func waitClusterOK(t *testing.T, rc rueidis.Client) {
	t.Helper()
	const polls, gap = 100, 50 * time.Millisecond
	for range polls {
		if info := rawString(t, rc, "CLUSTER", "INFO"); strings.Contains(info, "cluster_state:ok\r\n") {
			return
		}
		time.Sleep(gap) // polling a server-side state; nothing to wait on
	}
	t.Fatalf("cluster_state not ok after %d polls", polls)
}
