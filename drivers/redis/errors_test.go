package redis

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/redis/redistest"
)

func TestReplyClass(t *testing.T) {
	for _, tc := range []struct {
		reply string
		want  drivers.Class
	}{
		{"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.", drivers.ClassOverload},
		{"LOADING Redis is loading the dataset in memory", drivers.ClassOverload},
		{"OOM command not allowed when used memory > 'maxmemory'.", drivers.ClassOverload},
		{"MOVED 3999 127.0.0.1:6381", drivers.ClassCluster},
		{"ASK 3999 127.0.0.1:6381", drivers.ClassCluster},
		{"CLUSTERDOWN Hash slot not served", drivers.ClassCluster},
		{"TRYAGAIN Multiple keys request during rehashing of slot", drivers.ClassCluster},
		{"WRONGTYPE Operation against a key holding the wrong kind of value", drivers.ClassServerError},
		{"BUSYKEY Target key name already exists.", drivers.ClassServerError},
		{"value is not an integer or out of range", drivers.ClassServerError}, // "ERR " stripped by rueidis
		{"NOAUTH Authentication required.", drivers.ClassServerError},
	} {
		if got := replyClass(tc.reply); got != tc.want {
			t.Errorf("replyClass(%q) = %v; want %v", tc.reply, got, tc.want)
		}
	}
}

// TestClasses provokes each failure a real server can give on loopback and
// checks its class.
func TestClasses(t *testing.T) {
	s := redistest.Start(t)
	rc := raw(t, s, "")
	ops := []OpConfig{{Kind: "get"}, {Kind: "set"}, {Kind: "hget"}, {Kind: "incrby"}}
	const get, set, hget, incrby = 0, 1, 2, 3

	t.Run("server error", func(t *testing.T) {
		c := newClient(t, Config{Addrs: []string{s.Addr}}, ops)
		mustDo(t, c, drivers.Op{Index: set, Key: 1, ValueSize: 3})
		if got := do(t, c, drivers.Op{Index: hget, Key: 1}); got != drivers.ClassServerError {
			t.Errorf("hget of a string (WRONGTYPE): class %v; want server_error", got)
		}
		if got := do(t, c, drivers.Op{Index: incrby, Key: 1}); got != drivers.ClassServerError {
			t.Errorf("incrby of a non-integer: class %v; want server_error", got)
		}
	})
	t.Run("overload", func(t *testing.T) {
		c := newClient(t, Config{Addrs: []string{s.Addr}}, ops)
		rawString(t, rc, "CONFIG", "SET", "maxmemory", "1")
		defer rawString(t, rc, "CONFIG", "SET", "maxmemory", "0")
		if got := do(t, c, drivers.Op{Index: set, Key: 2, ValueSize: 3}); got != drivers.ClassOverload {
			t.Errorf("set over maxmemory (OOM): class %v; want overload", got)
		}
	})
	t.Run("cluster", func(t *testing.T) {
		// A cluster node that serves no slot answers CLUSTERDOWN.
		node := redistest.Start(t, "--cluster-enabled", "yes")
		c := newClient(t, Config{Addrs: []string{node.Addr}}, ops)
		if got := do(t, c, drivers.Op{Index: get, Key: 1}); got != drivers.ClassCluster {
			t.Errorf("get from a cluster node without slots: class %v; want cluster", got)
		}
	})
	for _, pipeline := range []int{0, 1} {
		t.Run("down/pipeline="+strconv.Itoa(pipeline), func(t *testing.T) {
			down := redistest.Start(t)
			c := newClient(t, Config{Addrs: []string{down.Addr}, Pipeline: pipeline, DialTimeout: time.Second}, ops)
			mustDo(t, c, drivers.Op{Index: set, Key: 1, ValueSize: 3})
			down.Stop()
			// The first op may find the old connection and see it broken;
			// the next must dial, and be refused.
			refused := false
			for i := 0; i < 3 && !refused; i++ {
				switch got := do(t, c, drivers.Op{Index: get, Key: 1}); got {
				case drivers.ClassRefused:
					refused = true
				case drivers.ClassNetwork:
				default:
					t.Fatalf("get %d from a stopped server: class %v; want network or refused", i, got)
				}
			}
			if !refused {
				t.Errorf("3 gets from a stopped server: none refused")
			}
		})
	}
	for _, pipeline := range []int{0, 1} {
		t.Run("timeout/pipeline="+strconv.Itoa(pipeline), func(t *testing.T) {
			// CLIENT PAUSE holds every command for a minute; the server is
			// killed at cleanup, long before.
			paused := redistest.Start(t)
			c := newClient(t, Config{Addrs: []string{paused.Addr}, Pipeline: pipeline, Timeout: 50 * time.Millisecond}, ops)
			rawString(t, raw(t, paused, ""), "CLIENT", "PAUSE", "60000", "ALL")
			// Stop the server before the clients close (cleanups run last
			// first): rueidis's Close waits up to a second for replies.
			t.Cleanup(paused.Stop)
			if got := do(t, c, drivers.Op{Index: get, Key: 1}); got != drivers.ClassTimeout {
				t.Errorf("get from a paused server with a 50ms timeout: class %v; want timeout", got)
			}
			if pipeline == 1 {
				return // a dedicated connection does not watch its ctx, only its deadline
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if got := drivers.ClassOf(c.Do(ctx, &drivers.Op{Index: get, Key: 1})); got != drivers.ClassCanceled {
				t.Errorf("get with a cancelled ctx: class %v; want canceled", got)
			}
		})
	}
}
