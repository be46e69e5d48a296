package redis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/redis/redistest"
)

// newClient connects a Client to s and closes it at cleanup.
func newClient(t *testing.T, cfg Config, ops []OpConfig) *Client {
	t.Helper()
	c, err := New(context.Background(), cfg, ops)
	if err != nil {
		t.Fatalf("New(%v) = %v", cfg.Addrs, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return c
}

// do runs one op and returns its class.
func do(t *testing.T, c *Client, op drivers.Op) drivers.Class {
	t.Helper()
	return drivers.ClassOf(c.Do(context.Background(), &op))
}

// mustDo runs one op that must succeed.
func mustDo(t *testing.T, c *Client, op drivers.Op) {
	t.Helper()
	if err := c.Do(context.Background(), &op); err != nil {
		t.Fatalf("Do(%+v) = %v; want nil", op, err)
	}
}

func rawString(t *testing.T, rc rueidis.Client, args ...string) string {
	t.Helper()
	s, err := rc.Do(context.Background(), rc.B().Arbitrary(args...).Build()).ToString()
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return s
}

func rawInt(t *testing.T, rc rueidis.Client, args ...string) int64 {
	t.Helper()
	n, err := rc.Do(context.Background(), rc.B().Arbitrary(args...).Build()).AsInt64()
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return n
}

// The op table of TestOps, by index.
const (
	opGet = iota
	opSet
	opDel
	opIncrBy5
	opMGet
	opHGet
	opHSet
	opHIncrBy3
	opSetTTL
	opExpire
	opIncrBy
	opPersist
	opOther
	opHGetDefault
)

var testOps = []OpConfig{
	opGet:         {Kind: "get"},
	opSet:         {Kind: "set"},
	opDel:         {Kind: "del"},
	opIncrBy5:     {Kind: "incrby", Delta: 5},
	opMGet:        {Kind: "mget"},
	opHGet:        {Kind: "hget", Field: "g"},
	opHSet:        {Kind: "hset", Field: "g"},
	opHIncrBy3:    {Kind: "hincrby", Field: "g", Delta: 3},
	opSetTTL:      {Kind: "set", TTL: time.Hour},
	opExpire:      {Kind: "expire", TTL: 30 * time.Minute},
	opIncrBy:      {Kind: "incrby"},
	opPersist:     {Kind: "expire"},
	opOther:       {}, // another target's op
	opHGetDefault: {Kind: "hget"},
}

func TestOps(t *testing.T) {
	s := redistest.Start(t)
	c := newClient(t, Config{Addrs: []string{s.Addr}, KeyPrefix: "t:"}, testOps)
	rc := raw(t, s, "")

	t.Run("set then get", func(t *testing.T) {
		for _, size := range []int{0, 3, 100, 3 * initialValue} { // the last one grows the shared value
			mustDo(t, c, drivers.Op{Index: opSet, Key: 1, ValueSize: size})
			got := rawString(t, rc, "GET", "t:1")
			if len(got) != size || strings.Trim(got, "x") != "" {
				t.Errorf("after set of %d bytes, GET t:1 = %d bytes %.10q…; want %d bytes of x", size, len(got), got, size)
			}
			mustDo(t, c, drivers.Op{Index: opGet, Key: 1})
		}
	})
	t.Run("get missing", func(t *testing.T) {
		if got := do(t, c, drivers.Op{Index: opGet, Key: 999}); got != drivers.ClassNotFound {
			t.Errorf("get of a missing key: class %v; want not_found", got)
		}
	})
	t.Run("incrby counts", func(t *testing.T) {
		for range 3 {
			mustDo(t, c, drivers.Op{Index: opIncrBy5, Key: 2})
		}
		mustDo(t, c, drivers.Op{Index: opIncrBy, Key: 2})
		if got := rawString(t, rc, "GET", "t:2"); got != "16" {
			t.Errorf("after 3 incrby 5 and 1 incrby, GET t:2 = %q; want 16", got)
		}
	})
	t.Run("hash", func(t *testing.T) {
		mustDo(t, c, drivers.Op{Index: opHSet, Key: 3, ValueSize: 7})
		if got := rawString(t, rc, "HGET", "t:3", "g"); got != "xxxxxxx" {
			t.Errorf("after hset of 7 bytes, HGET t:3 g = %q; want xxxxxxx", got)
		}
		mustDo(t, c, drivers.Op{Index: opHGet, Key: 3})
		if got := do(t, c, drivers.Op{Index: opHGetDefault, Key: 3}); got != drivers.ClassNotFound {
			t.Errorf("hget of missing field f: class %v; want not_found", got)
		}
		if got := do(t, c, drivers.Op{Index: opHGet, Key: 5}); got != drivers.ClassNotFound {
			t.Errorf("hget of a missing key: class %v; want not_found", got)
		}
		mustDo(t, c, drivers.Op{Index: opHIncrBy3, Key: 4})
		mustDo(t, c, drivers.Op{Index: opHIncrBy3, Key: 4})
		if got := rawString(t, rc, "HGET", "t:4", "g"); got != "6" {
			t.Errorf("after 2 hincrby 3, HGET t:4 g = %q; want 6", got)
		}
	})
	t.Run("del", func(t *testing.T) {
		mustDo(t, c, drivers.Op{Index: opSet, Key: 6, ValueSize: 3})
		mustDo(t, c, drivers.Op{Index: opDel, Key: 6})
		if got := do(t, c, drivers.Op{Index: opGet, Key: 6}); got != drivers.ClassNotFound {
			t.Errorf("get after del: class %v; want not_found", got)
		}
		mustDo(t, c, drivers.Op{Index: opDel, Key: 6}) // deleting a missing key succeeds
	})
	t.Run("mget", func(t *testing.T) {
		mustDo(t, c, drivers.Op{Index: opSet, Key: 7, ValueSize: 3})
		mustDo(t, c, drivers.Op{Index: opSet, Key: 8, ValueSize: 3})
		before := info(t, rc, "stats")
		mustDo(t, c, drivers.Op{Index: opMGet, Key: 7, Keys: []uint64{7, 8, 9}}) // 9 is missing
		after := info(t, rc, "stats")
		if hits, misses := after["keyspace_hits"]-before["keyspace_hits"],
			after["keyspace_misses"]-before["keyspace_misses"]; hits != 2 || misses != 1 {
			t.Errorf("mget of t:7 t:8 t:9: %d hits, %d misses; want 2 and 1", hits, misses)
		}
		mustDo(t, c, drivers.Op{Index: opMGet, Key: 7}) // Keys nil: just Key
	})
	t.Run("ttl", func(t *testing.T) {
		mustDo(t, c, drivers.Op{Index: opSetTTL, Key: 10, ValueSize: 3})
		checkPTTL(t, rc, "t:10", time.Hour)
		mustDo(t, c, drivers.Op{Index: opSet, Key: 11, ValueSize: 3})
		if got := rawInt(t, rc, "PTTL", "t:11"); got != -1 {
			t.Errorf("PTTL after set without ttl = %d; want -1", got)
		}
		mustDo(t, c, drivers.Op{Index: opExpire, Key: 11})
		checkPTTL(t, rc, "t:11", 30*time.Minute)
		mustDo(t, c, drivers.Op{Index: opPersist, Key: 11})
		if got := rawInt(t, rc, "PTTL", "t:11"); got != -1 {
			t.Errorf("PTTL after expire without ttl = %d; want -1 (persisted)", got)
		}
	})
	t.Run("not this target's op", func(t *testing.T) {
		for _, index := range []int{opOther, len(testOps), -1} {
			if got := do(t, c, drivers.Op{Index: index, Key: 1}); got != drivers.ClassOther {
				t.Errorf("op index %d: class %v; want other", index, got)
			}
		}
	})
}

// TestOpKeyPrefix checks that each op's keys start with Config.KeyPrefix
// then its own KeyPrefix, so ops on different keyspaces never meet on a key
// of the wrong type.
func TestOpKeyPrefix(t *testing.T) {
	s := redistest.Start(t)
	c := newClient(t, Config{Addrs: []string{s.Addr}, KeyPrefix: "t:"}, []OpConfig{
		{Kind: "set", KeyPrefix: "sku:"},
		{Kind: "hincrby", KeyPrefix: "hot:"},
		{Kind: "mget", KeyPrefix: "sku:"},
	})
	rc := raw(t, s, "")
	mustDo(t, c, drivers.Op{Index: 0, Key: 7, ValueSize: 2})
	mustDo(t, c, drivers.Op{Index: 1, Key: 7})
	mustDo(t, c, drivers.Op{Index: 2, Keys: []uint64{7}})
	if got := rawString(t, rc, "GET", "t:sku:7"); got != "xx" {
		t.Errorf("GET t:sku:7 = %q; want xx", got)
	}
	if got := rawInt(t, rc, "HGET", "t:hot:7", "f"); got != 1 {
		t.Errorf("HGET t:hot:7 f = %d; want 1", got)
	}
	if got := rawInt(t, rc, "DBSIZE"); got != 2 {
		t.Errorf("DBSIZE = %d; want 2 (t:sku:7 and t:hot:7)", got)
	}
}

// checkPTTL checks that key's remaining TTL is at most ttl and has not run
// down by more than a minute, which no test run takes.
func checkPTTL(t *testing.T, rc rueidis.Client, key string, ttl time.Duration) {
	t.Helper()
	got := time.Duration(rawInt(t, rc, "PTTL", key)) * time.Millisecond
	if got > ttl || got < ttl-time.Minute {
		t.Errorf("PTTL %s = %v; want in (%v, %v]", key, got, ttl-time.Minute, ttl)
	}
}

func TestNewErrors(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		s := redistest.Start(t)
		s.Stop() // its port is now closed
		_, err := New(context.Background(), Config{Addrs: []string{s.Addr}, DialTimeout: time.Second}, nil)
		if err == nil || !strings.Contains(err.Error(), "redis: connect "+s.Addr) {
			t.Fatalf("New to a closed port = %v; want an error naming %s", err, s.Addr)
		}
		if got := drivers.ClassOf(err); got != drivers.ClassRefused {
			t.Errorf("New to a closed port: class %v; want refused (%v)", got, err)
		}
	})
	s := redistest.Start(t, "--requirepass", "sesame")
	for _, tc := range []struct {
		name, password, reply string
	}{
		{"wrong password", "open", "WRONGPASS"},
		{"no password", "", "NOAUTH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), Config{Addrs: []string{s.Addr}, Password: tc.password}, nil)
			if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), tc.reply) ||
				!strings.Contains(err.Error(), s.Addr) {
				t.Errorf("New with password %q = %v; want ErrAuth naming %s and wrapping %s", tc.password, err, s.Addr, tc.reply)
			}
		})
	}
	t.Run("right password", func(t *testing.T) {
		c := newClient(t, Config{Addrs: []string{s.Addr}, Password: "sesame"}, testOps)
		mustDo(t, c, drivers.Op{Index: opSet, Key: 1, ValueSize: 3})
	})
	t.Run("bad config", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			cfg  Config
			ops  []OpConfig
		}{
			{"no address", Config{}, nil},
			{"negative connections", Config{Addrs: []string{s.Addr}, Connections: -1}, nil},
			{"too many pipelined connections", Config{Addrs: []string{s.Addr}, Connections: 257}, nil},
			{"pipeline too deep", Config{Addrs: []string{s.Addr}, Pipeline: 1<<16 + 1}, nil},
			{"negative timeout", Config{Addrs: []string{s.Addr}, Timeout: -1}, nil},
			{"unknown kind", Config{Addrs: []string{s.Addr}}, []OpConfig{{Kind: "getset"}}},
			{"negative ttl", Config{Addrs: []string{s.Addr}}, []OpConfig{{Kind: "set", TTL: -time.Second}}},
		} {
			if _, err := New(context.Background(), tc.cfg, tc.ops); !errors.Is(err, ErrBadConfig) {
				t.Errorf("%s: New = %v; want ErrBadConfig", tc.name, err)
			}
		}
	})
}
