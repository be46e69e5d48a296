package aerospike

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
)

// Config is an Aerospike target: where the cluster is, how to connect, the
// per-op timeouts and how key indexes become Aerospike user keys. The zero
// value of every optional field means the client's default, except
// MaxRetries, where 0 means no retries and -1 the client's default.
type Config struct {
	// Hosts are the seed nodes as "host:port" (port 3000 if omitted), or
	// "host:tlsname:port" to name the certificate of a TLS node, as the
	// client's own tools take them; an IPv6 host is written in brackets.
	Hosts []string
	// Namespace and Set locate the records; Set may be empty.
	Namespace, Set string
	// User and Password log in to a cluster with security enabled; an empty
	// User means no authentication. The password is never printed: String,
	// GoString and every error of this package leave it out.
	User, Password string
	// TLS, if set, encrypts every connection; nil means plain TCP.
	TLS *tls.Config
	// ClusterName, if set, must match the cluster's name; the client
	// refuses nodes of another cluster.
	ClusterName string
	// ConnectionQueueSize caps the connections per node
	// (ClientPolicy.ConnectionQueueSize); 0 means the client's 100.
	ConnectionQueueSize int
	// MinConnectionsPerNode connections are opened to each node at start.
	MinConnectionsPerNode int
	// ConnectTimeout bounds connecting to the seeds and discovering the
	// cluster, and each login; 0 means 5s.
	ConnectTimeout time.Duration
	// TotalTimeout bounds one op, retries included, and SocketTimeout one
	// attempt; 0 means the client's defaults (1s and 30s).
	TotalTimeout, SocketTimeout time.Duration
	// MaxRetries is how often a failed op is retried: -1 keeps the client's
	// default (2 for reads, 0 for writes), 0 never retries.
	MaxRetries int
	// RackAware reads from replicas in rack RackID when it has one.
	RackAware bool
	RackID    int
	// KeyType is how a key index becomes a user key: "string" (the
	// default) is KeyPrefix followed by the index in decimal, "integer" the
	// index as an int64.
	KeyType string
	// KeyPrefix starts every string key, as in "sku:" for "sku:42".
	KeyPrefix string
}

// plain is Config without its methods, for formatting it.
type plain Config

// redacted is what String and GoString show in place of a password.
const redacted = "REDACTED"

// String formats the configuration with the password redacted.
func (c Config) String() string {
	if c.Password != "" {
		c.Password = redacted
	}
	return fmt.Sprintf("%+v", plain(c))
}

// GoString is String for %#v: the password is redacted there too.
func (c Config) GoString() string {
	if c.Password != "" {
		c.Password = redacted
	}
	return "aerospike.Config" + strings.TrimPrefix(fmt.Sprintf("%#v", plain(c)), "aerospike.plain")
}

// OpConfig is one op of the mix as this target runs it: the op with
// [drivers.Op.Index] i runs ops[i] of [New].
type OpConfig struct {
	// Kind is the client call: get, put, delete, touch, exists, add,
	// operate or batch-get. "" marks an op of another target, which this
	// one is never asked to run.
	Kind string
	// Bins are, for get and batch-get, the bins read (nil: all of them)
	// and, for put, the bins written (nil: one bin "value"). A put splits
	// its value of [drivers.Op.ValueSize] bytes across them, so the record
	// holds exactly that many bytes of bin data.
	Bins []string
	// Bin is the counter bin of add and operate; "" means "count".
	Bin string
	// Delta is what add and operate add to the counter; 0 means 1. A sale
	// decrements stock with -1.
	Delta int64
	// TTL is the record's time to live after a put, add, operate or touch,
	// rounded up to whole seconds; 0 means the namespace default.
	TTL time.Duration
	// NoExpire makes those writes store a record that never expires.
	NoExpire bool
	// SendKey stores the user key with the record (WritePolicy.SendKey).
	// It costs two allocations per op: the key's string and its boxing.
	SendKey bool
	// KeyPrefix follows Config.KeyPrefix in this op's string keys, so that
	// ops on different keyspaces never share a record: the key of index i
	// is Config.KeyPrefix + KeyPrefix + i in decimal. Integer keys have no
	// prefix.
	KeyPrefix string
}

// kind is a compiled OpConfig.Kind.
type kind uint8

const (
	kindNone kind = iota // another target's op
	kindGet
	kindPut
	kindDelete
	kindTouch
	kindExists
	kindAdd
	kindOperate
	kindBatchGet
)

// kindNames are the kinds' names in OpConfig.Kind.
var kindNames = [...]string{
	kindNone: "", kindGet: "get", kindPut: "put", kindDelete: "delete", kindTouch: "touch",
	kindExists: "exists", kindAdd: "add", kindOperate: "operate", kindBatchGet: "batch-get",
}

func (k kind) String() string { return kindNames[k] }

// parseKind returns the kind named s.
func parseKind(s string) (kind, bool) {
	for k, name := range kindNames {
		if name == s {
			return kind(k), true
		}
	}
	return 0, false
}

// Defaults and limits.
const (
	defaultPort           = 3000
	defaultConnectTimeout = 5 * time.Second
	defaultBin            = "value"
	defaultCounter        = "count"
	maxBinName            = 15 // bytes; the server refuses longer names
)

// ErrBadConfig reports a Config or OpConfig that cannot work; New wraps it
// with the field at fault.
var ErrBadConfig = errors.New("bad aerospike config")

// validate checks what the client would only reject later, or never.
func (c *Config) validate() error {
	switch {
	case len(c.Hosts) == 0:
		return fmt.Errorf("%w: no hosts", ErrBadConfig)
	case c.Namespace == "":
		return fmt.Errorf("%w: no namespace", ErrBadConfig)
	case c.KeyType != "" && c.KeyType != "string" && c.KeyType != "integer":
		return fmt.Errorf("%w: key type %q: want string or integer", ErrBadConfig, c.KeyType)
	case c.ConnectTimeout < 0 || c.TotalTimeout < 0 || c.SocketTimeout < 0:
		return fmt.Errorf("%w: a timeout is negative", ErrBadConfig)
	case c.MaxRetries < -1:
		return fmt.Errorf("%w: max retries %d: want -1 (client default) or more", ErrBadConfig, c.MaxRetries)
	case c.ConnectionQueueSize < 0 || c.MinConnectionsPerNode < 0:
		return fmt.Errorf("%w: a connection count is negative", ErrBadConfig)
	}
	return nil
}

// hosts parses c.Hosts.
func (c *Config) hosts() ([]*as.Host, error) {
	hosts := make([]*as.Host, len(c.Hosts))
	for i, s := range c.Hosts {
		h, err := parseHost(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
		hosts[i] = h
	}
	return hosts, nil
}

// parseHost reads "host", "host:port" or "host:tlsname:port", the host
// being a name, an IPv4 address or a bracketed IPv6 address.
func parseHost(s string) (*as.Host, error) {
	var name, rest string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, fmt.Errorf("host %q: no closing bracket", s)
		}
		name, rest = s[1:end], s[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return nil, fmt.Errorf("host %q: want [ipv6]:port after the bracket", s)
		}
		rest = strings.TrimPrefix(rest, ":")
		if rest == "" && strings.HasSuffix(s, ":") {
			return nil, fmt.Errorf("host %q: empty port", s)
		}
	} else {
		var found bool
		if name, rest, found = strings.Cut(s, ":"); found && rest == "" {
			return nil, fmt.Errorf("host %q: empty port", s)
		}
	}
	if name == "" {
		return nil, fmt.Errorf("host %q: empty host name (write an IPv6 address as [::1]:3000)", s)
	}
	h := &as.Host{Name: name, Port: defaultPort}
	if rest == "" {
		return h, nil
	}
	port := rest
	if tlsName, p, found := strings.Cut(rest, ":"); found {
		if tlsName == "" {
			return nil, fmt.Errorf("host %q: empty TLS name", s)
		}
		h.TLSName, port = tlsName, p
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > math.MaxUint16 || strings.TrimLeft(port, "0123456789") != "" {
		return nil, fmt.Errorf("host %q: port %q: want 1 to 65535", s, port)
	}
	h.Port = n
	return h, nil
}

// hostList names the seeds in errors: "127.0.0.1:3000,127.0.0.1:3001".
func hostList(hosts []*as.Host) string {
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = net.JoinHostPort(h.Name, strconv.Itoa(h.Port))
	}
	return strings.Join(names, ",")
}

// clientPolicy is the ClientPolicy of c.
func (c *Config) clientPolicy() *as.ClientPolicy {
	p := as.NewClientPolicy()
	p.Timeout = c.ConnectTimeout
	if p.Timeout == 0 {
		p.Timeout = defaultConnectTimeout
	}
	p.LoginTimeout = p.Timeout
	p.FailIfNotConnected = true
	p.User, p.Password = c.User, c.Password
	p.TlsConfig = c.TLS
	p.ClusterName = c.ClusterName
	if c.ConnectionQueueSize > 0 {
		p.ConnectionQueueSize = c.ConnectionQueueSize
	}
	p.MinConnectionsPerNode = c.MinConnectionsPerNode
	if c.RackAware {
		p.RackAware, p.RackIds = true, []int{c.RackID}
	}
	return p
}

// applyTo sets the per-op timeouts, retries and replica choice of c on p.
func (c *Config) applyTo(p *as.BasePolicy) {
	if c.TotalTimeout > 0 {
		p.TotalTimeout = c.TotalTimeout
	}
	if c.SocketTimeout > 0 {
		p.SocketTimeout = c.SocketTimeout
	}
	if c.MaxRetries >= 0 {
		p.MaxRetries = c.MaxRetries
	}
	if c.RackAware {
		p.ReplicaPolicy = as.PREFER_RACK
	}
}

// expiration turns an op's TTL into WritePolicy.Expiration seconds.
func (o *OpConfig) expiration() (uint32, error) {
	switch {
	case o.NoExpire && o.TTL != 0:
		return 0, fmt.Errorf("%w: both a ttl and no-expire", ErrBadConfig)
	case o.NoExpire:
		return as.TTLDontExpire, nil
	case o.TTL < 0:
		return 0, fmt.Errorf("%w: ttl %v is negative (use NoExpire for never)", ErrBadConfig, o.TTL)
	}
	// Round up: a TTL under a second must not become 0, the namespace default.
	s := (o.TTL + time.Second - 1) / time.Second
	if s >= as.TTLDontUpdate {
		return 0, fmt.Errorf("%w: ttl %v is too long", ErrBadConfig, o.TTL)
	}
	return uint32(s), nil
}
