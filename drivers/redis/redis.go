package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/surgeload/surge/drivers"
)

// Config is a Redis target: where it is, how to authenticate, and how many
// connections and commands in flight the client may use.
type Config struct {
	// Addrs holds host:port addresses; more than one, or Cluster, means
	// Redis Cluster, and then they are the seeds the client learns the
	// slot map from.
	Addrs []string
	// Cluster says the target is a Redis Cluster even with one address.
	Cluster bool
	// Username and Password authenticate with HELLO AUTH; an empty
	// Username with a Password is the "default" user.
	Username, Password string
	// DB is the database SELECTed on each connection (single server only).
	DB int
	// TLS is the client's TLS configuration; nil means plain TCP.
	TLS *tls.Config
	// Connections is, when pipelining, the number of pipelined connections
	// per node (rueidis PipelineMultiplex), rounded up to a power of two,
	// at most 256; with Pipeline 1 it is the size of the pool of dedicated
	// connections. 0 is the library default: min(log2 GOMAXPROCS, 2)
	// doubled (so 2 on two cores, 4 from four) for a single server and 1
	// per cluster node when pipelining, and a pool of up to 1024 with
	// Pipeline 1.
	Connections int
	// Pipeline is how many commands may be in flight on one connection
	// (rueidis RingScaleEachConn: the ring is rounded up to a power of
	// two, at most 65536). 0 is the library default, 1024. 1 turns
	// pipelining off: each command takes a connection of its own from the
	// pool and waits for its reply before the connection is reused.
	Pipeline int
	// FlushDelay, when pipelining, lets each connection's writer wait up
	// to this long after a write while more than one command is in flight,
	// so that one write(2) carries more commands (rueidis MaxFlushDelay).
	// It trades up to FlushDelay of latency per command for far fewer
	// syscalls; 0, the default, writes as soon as a command is queued.
	FlushDelay time.Duration
	// DialTimeout bounds each connection attempt; 0 means 5s.
	DialTimeout time.Duration
	// Timeout bounds each command; 0 means no bound beyond the ctx passed
	// to [Client.Do]. A bound costs a timer and a context per op.
	Timeout time.Duration
	// KeyPrefix is prepended to the decimal key index to make the key.
	KeyPrefix string
}

// OpConfig is one op of the mix as this target runs it: ops[i] serves the
// [drivers.Op] whose Index is i. An entry with an empty Kind belongs to
// another target and is never called.
type OpConfig struct {
	// Kind is one of get, set, del, incrby, mget, hget, hset, hincrby and
	// expire.
	Kind string
	// TTL is the time to live that set writes with SET ... PX and that
	// expire sets with PEXPIRE, rounded up to whole milliseconds; 0 means
	// none: set writes without PX and expire removes the TTL (PERSIST).
	TTL time.Duration
	// Delta is the increment of incrby and hincrby; 0 means 1.
	Delta int64
	// Field is the hash field of hget, hset and hincrby; "" means "f".
	Field string
	// KeyPrefix follows Config.KeyPrefix in this op's keys, so that ops
	// on different keyspaces never share a key: the key of index i is
	// Config.KeyPrefix + KeyPrefix + i in decimal.
	KeyPrefix string
}

// ErrBadConfig reports a [Config] or [OpConfig] that cannot be run.
var ErrBadConfig = errors.New("bad redis config")

// ErrAuth reports that the server rejected the credentials (a WRONGPASS or
// NOAUTH reply) while connecting.
var ErrAuth = errors.New("auth rejected")

// Client is a connected Redis target. It is safe for concurrent use: the
// engine calls Do from all its workers at once.
type Client struct {
	rc      rueidis.Client
	ops     []op
	timeout time.Duration
	cluster bool

	keyBufs sync.Pool              // *keyBuf
	value   atomic.Pointer[string] // 'x' bytes that set and hset slice
}

var _ drivers.Target = (*Client)(nil)

// Defaults and bounds of [Config].
const (
	defaultDialTimeout = 5 * time.Second
	maxMultiplex       = rueidis.MaxPipelineMultiplex // 2^8 connections
	maxRingScale       = 16                           // 65536 commands in flight per connection
	// poolConnBuffer is the read and write buffer of each pooled
	// connection when pipelining is off: rueidis's 512 KiB default is
	// sized for batches, and a pool of 1024 would hold 1 GiB of them.
	poolConnBuffer = 32 << 10
	initialValue   = 4 << 10 // bytes of the first shared value; it grows on demand
)

// New connects to the target described by cfg and checks it with PING. An
// unreachable address fails here, naming the address, and rejected
// credentials fail with an error that wraps [ErrAuth]. New does not keep
// ctx: it bounds only the PING, and each dial is bounded by
// cfg.DialTimeout.
func New(ctx context.Context, cfg Config, ops []OpConfig) (*Client, error) {
	compiled, err := compileOps(cfg.KeyPrefix, ops)
	if err != nil {
		return nil, err
	}
	opt, err := clientOption(cfg)
	if err != nil {
		return nil, err
	}
	where := strings.Join(cfg.Addrs, ",")
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redis: connect %s: %w", where, err)
	}
	rc, err := rueidis.NewClient(opt)
	if err != nil {
		if rc != nil { // a forced single client comes back even when its dial fails
			rc.Close()
		}
		return nil, connectError(where, err)
	}
	pctx, cancel := context.WithTimeout(ctx, opt.Dialer.Timeout)
	err = rc.Do(pctx, rc.B().Ping().Build()).Error()
	cancel()
	if err != nil {
		rc.Close()
		return nil, connectError(where, err)
	}
	c := &Client{rc: rc, ops: compiled, timeout: cfg.Timeout,
		cluster: !opt.ForceSingleClient}
	v := strings.Repeat("x", initialValue)
	c.value.Store(&v)
	c.keyBufs.New = func() any { return new(keyBuf) }
	return c, nil
}

// connectError wraps an error met while connecting to where, marking a
// rejected password with [ErrAuth].
func connectError(where string, err error) error {
	if re, ok := rueidis.IsRedisErr(err); ok {
		if msg := re.Error(); strings.HasPrefix(msg, "WRONGPASS") || strings.HasPrefix(msg, "NOAUTH") {
			return fmt.Errorf("redis: connect %s: %w: %w", where, ErrAuth, err)
		}
	}
	return fmt.Errorf("redis: connect %s: %w", where, err)
}

// Close closes every connection. Ops still in flight fail.
func (c *Client) Close() error {
	c.rc.Close()
	return nil
}

// clientOption translates cfg into rueidis options.
func clientOption(cfg Config) (rueidis.ClientOption, error) {
	if err := cfg.validate(); err != nil {
		return rueidis.ClientOption{}, err
	}
	dial := cfg.DialTimeout
	if dial == 0 {
		dial = defaultDialTimeout
	}
	cluster := cfg.Cluster || len(cfg.Addrs) > 1
	o := rueidis.ClientOption{
		InitAddress:       cfg.Addrs,
		Username:          cfg.Username,
		Password:          cfg.Password,
		SelectDB:          cfg.DB,
		TLSConfig:         cfg.TLS,
		Dialer:            net.Dialer{Timeout: dial},
		ClientName:        "surge",
		ClientSetInfo:     rueidis.DisableClientSetInfo,
		DisableCache:      true,
		DisableRetry:      true,
		ForceSingleClient: !cluster,
	}
	if cfg.Pipeline == 1 {
		o.DisableAutoPipelining = true
		o.BlockingPoolSize = cfg.Connections // 0 keeps rueidis's 1024
		// rueidis still opens one pipelined connection per node at start;
		// keep it to one.
		o.PipelineMultiplex = -1
		o.ReadBufferEachConn, o.WriteBufferEachConn = poolConnBuffer, poolConnBuffer
		return o, nil
	}
	o.PipelineMultiplex = multiplex(cfg.Connections)
	o.MaxFlushDelay = cfg.FlushDelay
	if cfg.Pipeline > 1 {
		o.RingScaleEachConn = ceilLog2(cfg.Pipeline)
	}
	return o, nil
}

func (cfg *Config) validate() error {
	switch {
	case len(cfg.Addrs) == 0:
		return fmt.Errorf("redis: %w: no address", ErrBadConfig)
	case cfg.Connections < 0:
		return fmt.Errorf("redis: %w: connections must not be negative, got %d", ErrBadConfig, cfg.Connections)
	case cfg.Pipeline != 1 && cfg.Connections > 1<<maxMultiplex:
		return fmt.Errorf("redis: %w: at most %d pipelined connections per node, got %d",
			ErrBadConfig, 1<<maxMultiplex, cfg.Connections)
	case cfg.Pipeline < 0 || cfg.Pipeline > 1<<maxRingScale:
		return fmt.Errorf("redis: %w: pipeline must be 0 to %d, got %d", ErrBadConfig, 1<<maxRingScale, cfg.Pipeline)
	case cfg.DialTimeout < 0 || cfg.Timeout < 0 || cfg.FlushDelay < 0:
		return fmt.Errorf("redis: %w: timeouts must not be negative", ErrBadConfig)
	case cfg.DB < 0:
		return fmt.Errorf("redis: %w: db must not be negative, got %d", ErrBadConfig, cfg.DB)
	}
	return nil
}

// multiplex returns rueidis's PipelineMultiplex for n connections per node.
func multiplex(n int) int {
	switch n {
	case 0:
		return 0 // the library default
	case 1:
		return -1 // 0 would mean the default for a single server
	}
	return ceilLog2(n)
}

// ceilLog2 returns the smallest k with 2^k >= n, for n >= 1.
func ceilLog2(n int) int { return bits.Len(uint(n - 1)) }

// kind is an op kind, compiled from [OpConfig.Kind].
type kind uint8

const (
	kindNone kind = iota // the op belongs to another target
	kindGet
	kindSet
	kindDel
	kindIncrBy
	kindMGet
	kindHGet
	kindHSet
	kindHIncrBy
	kindExpire
)

var kindNames = map[string]kind{"get": kindGet, "set": kindSet, "del": kindDel, "incrby": kindIncrBy,
	"mget": kindMGet, "hget": kindHGet, "hset": kindHSet, "hincrby": kindHIncrBy, "expire": kindExpire}

// op is an [OpConfig] with its arguments formatted once, at start, so that
// Do builds commands from constant strings.
type op struct {
	kind   kind
	prefix string // Config.KeyPrefix + OpConfig.KeyPrefix
	ttl    string // milliseconds; "" for none
	delta  string
	field  string
}

func compileOps(prefix string, ops []OpConfig) ([]op, error) {
	out := make([]op, len(ops))
	for i, oc := range ops {
		if oc.Kind == "" {
			continue
		}
		k, ok := kindNames[oc.Kind]
		if !ok {
			return nil, fmt.Errorf("redis: %w: op %d: unknown kind %q: want get, set, del, incrby, mget, hget, hset, hincrby or expire",
				ErrBadConfig, i, oc.Kind)
		}
		if oc.TTL < 0 {
			return nil, fmt.Errorf("redis: %w: op %d: ttl must not be negative, got %v", ErrBadConfig, i, oc.TTL)
		}
		o := op{kind: k, prefix: prefix + oc.KeyPrefix, delta: "1", field: "f"}
		if oc.TTL > 0 {
			o.ttl = strconv.FormatInt(int64((oc.TTL+time.Millisecond-1)/time.Millisecond), 10)
		}
		if oc.Delta != 0 {
			o.delta = strconv.FormatInt(oc.Delta, 10)
		}
		if oc.Field != "" {
			o.field = oc.Field
		}
		out[i] = o
	}
	return out, nil
}
