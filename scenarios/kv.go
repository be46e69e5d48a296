package scenarios

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Secret is a credential named by a scenario: read from a file or from an
// environment variable when the target is built, never stored in the Plan
// or printed.
type Secret struct {
	File string // password_file: the secret is the file's first line
	Env  string // password_env: the name of the variable holding it
}

// IsZero reports whether no secret was given.
func (s Secret) IsZero() bool { return s == Secret{} }

// TLS names the files of a TLS client configuration.
type TLS struct {
	CA         string // PEM CA bundle to verify the server; "" = system roots
	Cert, Key  string // PEM client certificate and key, for mutual TLS
	ServerName string // name to verify; "" = the host's
	// InsecureSkipVerify accepts any server certificate (HTTP only, an
	// explicit opt-in for test environments with self-signed certificates).
	InsecureSkipVerify bool
}

// AerospikeTarget configures an Aerospike cluster reached with the official
// Go client ([drivers/aerospike]).
type AerospikeTarget struct {
	Hosts     []string // seed nodes, host:port
	Namespace string
	Set       string
	User      string // "" = no authentication
	Password  Secret
	TLS       *TLS
	// ClusterName, if set, must match the cluster's.
	ClusterName         string
	ConnectionQueueSize int           // connections per node; 0 = client default
	MinConnections      int           // opened per node at start
	ConnectTimeout      time.Duration // connect and discover the cluster; default 5s
	TotalTimeout        time.Duration // per op, retries included; 0 = client default
	SocketTimeout       time.Duration // per attempt; 0 = client default
	MaxRetries          int           // -1 = client default
	RackAware           bool
	RackID              int
	KeyType             string // "string" (default) or "integer"
	KeyPrefix           string // string keys are KeyPrefix + the key index
}

// AerospikeOp holds the per-op options of an Aerospike target.
type AerospikeOp struct {
	Bins     []string      // get, batch-get: bins read (nil = all); put: bins written (nil = "value")
	Bin      string        // add, operate: the counter bin; "" = "count"
	Delta    int64         // add, operate: the increment; 0 = 1
	TTL      time.Duration // writes and touch: the record's TTL; 0 = the namespace default
	NoExpire bool          // ttl: never
	SendKey  bool          // store the user key with the record
}

// RedisTarget configures a Redis server or cluster ([drivers/redis]).
type RedisTarget struct {
	Addrs       []string // host:port
	Cluster     bool     // Redis Cluster; implied by several addresses
	User        string
	Password    Secret
	DB          int
	TLS         *TLS
	Connections int           // pipelined connections per node; 0 = client default
	Pipeline    int           // commands in flight per connection; 1 = no pipelining; 0 = client default
	FlushDelay  time.Duration // pipelining: how long a connection's writer may wait to batch; 0 = none
	DialTimeout time.Duration // default 5s
	Timeout     time.Duration // per command; 0 = none beyond the run's
	KeyPrefix   string
}

// RedisOp holds the per-op options of a Redis target.
type RedisOp struct {
	TTL   time.Duration // set: PX; expire: PEXPIRE
	Delta int64         // incrby, hincrby; 0 = 1
	Field string        // hash ops: the field; "" = "f"
}

var aerospikeSpec = driverSpec{
	targetKeys: []string{"hosts", "namespace", "set", "user", "password_file", "password_env", "tls",
		"cluster_name", "connection_queue_size", "min_connections", "connect_timeout", "total_timeout",
		"socket_timeout", "max_retries", "rack_aware", "rack_id", "key_type", "key_prefix"},
	required: []string{"hosts", "namespace"},
	kinds:    []string{"get", "put", "delete", "touch", "exists", "add", "operate", "batch-get"},
	writes:   []string{"put"},
	batches:  []string{"batch-get"},
	opKeys:   []string{"bins", "bin", "delta", "ttl", "send_key", "batch"},
	target:   aerospikeTarget,
	op:       aerospikeOp,
}

var redisSpec = driverSpec{
	targetKeys: []string{"addrs", "cluster", "user", "password_file", "password_env", "db", "tls",
		"connections", "pipeline", "flush_delay", "dial_timeout", "timeout", "key_prefix"},
	required: []string{"addrs"},
	kinds:    []string{"get", "set", "del", "incrby", "mget", "hget", "hset", "hincrby", "expire"},
	writes:   []string{"set", "hset"},
	batches:  []string{"mget"},
	opKeys:   []string{"ttl", "delta", "field", "batch"},
	opNeeds:  map[string]string{"expire": "ttl"},
	target:   redisTarget,
	op:       redisOp,
}

// defaultBatch is the keys per batch op when the op does not say.
const defaultBatch = 10

// maxBatch bounds a batch op's keys: Aerospike and Redis both take
// thousands, but a bigger batch is a scan, not sale traffic.
const maxBatch = 5000

func aerospikeTarget(d *decoder, what string, f map[string]*yaml.Node, t *Target) {
	a := &AerospikeTarget{ConnectTimeout: 5 * time.Second, MaxRetries: -1, KeyType: "string"}
	if n := f["hosts"]; n != nil {
		a.Hosts = d.hosts(n, what+": hosts", 3000)
	}
	if n := f["namespace"]; n != nil {
		a.Namespace, _ = d.name(n, what+": namespace")
	}
	if n := f["set"]; n != nil {
		a.Set, _ = d.name(n, what+": set")
	}
	a.User, a.Password = d.credentials(what, f, true)
	if n := f["tls"]; n != nil {
		a.TLS = d.tlsOptions(n, what+": tls", false)
	}
	if n := f["cluster_name"]; n != nil {
		a.ClusterName, _ = d.str(n, what+": cluster_name")
	}
	d.nonNegative(f["connection_queue_size"], what+": connection_queue_size", &a.ConnectionQueueSize)
	d.nonNegative(f["min_connections"], what+": min_connections", &a.MinConnections)
	d.timeout(f["connect_timeout"], what+": connect_timeout", &a.ConnectTimeout)
	d.timeout(f["total_timeout"], what+": total_timeout", &a.TotalTimeout)
	d.timeout(f["socket_timeout"], what+": socket_timeout", &a.SocketTimeout)
	d.nonNegative(f["max_retries"], what+": max_retries", &a.MaxRetries)
	if n := f["rack_aware"]; n != nil {
		a.RackAware, _ = d.boolean(n, what+": rack_aware")
	}
	if n := f["rack_id"]; n != nil {
		if d.nonNegative(n, what+": rack_id", &a.RackID) && !a.RackAware {
			d.errorf(n, "%s: rack_id needs rack_aware: true", what)
		}
	}
	if n := f["key_type"]; n != nil {
		a.KeyType, _ = d.oneOf(n, what+": key_type", []string{"string", "integer"})
	}
	if n := f["key_prefix"]; n != nil {
		if a.KeyPrefix, _ = d.str(n, what+": key_prefix"); a.KeyType == "integer" {
			d.errorf(n, "%s: key_prefix applies to key_type: string only", what)
		}
	}
	t.Aerospike = a
}

func aerospikeOp(d *decoder, what string, f map[string]*yaml.Node, op *Op) {
	a := &AerospikeOp{}
	if n := f["bins"]; n != nil {
		a.Bins = d.binNames(n, what+": bins")
		d.onlyFor(n, what, "bins", op.Kind, "get", "put", "batch-get")
	}
	if n := f["bin"]; n != nil {
		if s, ok := d.str(n, what+": bin"); ok {
			a.Bin = d.binName(n, what+": bin", s)
		}
		d.onlyFor(n, what, "bin", op.Kind, "add", "operate")
	}
	if n := f["delta"]; n != nil {
		a.Delta = d.delta(n, what+": delta")
		d.onlyFor(n, what, "delta", op.Kind, "add", "operate")
	}
	if n := f["ttl"]; n != nil {
		if s, ok := d.str(n, what+": ttl"); ok && s == "never" {
			a.NoExpire = true
		} else if ok {
			a.TTL, _ = d.duration(n, what+": ttl")
			if a.TTL%time.Second != 0 || a.TTL < 0 {
				d.errorf(n, "%s: ttl: expected whole seconds (Aerospike TTLs are in seconds) or never, got %v", what, a.TTL)
			}
		}
		d.onlyFor(n, what, "ttl", op.Kind, "put", "add", "operate", "touch")
	}
	if n := f["send_key"]; n != nil {
		a.SendKey, _ = d.boolean(n, what+": send_key")
	}
	op.Aerospike = a
}

func redisTarget(d *decoder, what string, f map[string]*yaml.Node, t *Target) {
	r := &RedisTarget{DialTimeout: 5 * time.Second}
	if n := f["addrs"]; n != nil {
		r.Addrs = d.hosts(n, what+": addrs", 6379)
		r.Cluster = len(r.Addrs) > 1
	}
	if n := f["cluster"]; n != nil {
		c, ok := d.boolean(n, what+": cluster")
		if ok && !c && len(r.Addrs) > 1 {
			d.errorf(n, "%s: cluster: false with %d addrs; a single server takes one address", what, len(r.Addrs))
		}
		r.Cluster = r.Cluster || c
	}
	r.User, r.Password = d.credentials(what, f, false)
	if n := f["db"]; n != nil {
		d.nonNegative(n, what+": db", &r.DB)
		if r.DB != 0 && r.Cluster {
			d.errorf(n, "%s: db: Redis Cluster has only database 0", what)
		}
	}
	if n := f["tls"]; n != nil {
		r.TLS = d.tlsOptions(n, what+": tls", false)
	}
	d.nonNegative(f["connections"], what+": connections", &r.Connections)
	if n := f["pipeline"]; n != nil {
		if d.nonNegative(n, what+": pipeline", &r.Pipeline) && r.Pipeline == 0 {
			d.errorf(n, "%s: pipeline: expected at least 1 (1 turns pipelining off)", what)
		}
	}
	if n := f["flush_delay"]; n != nil {
		d.timeout(n, what+": flush_delay", &r.FlushDelay)
		if r.Pipeline == 1 {
			d.errorf(n, "%s: flush_delay: applies only with pipelining, and pipeline is 1", what)
		}
	}
	d.timeout(f["dial_timeout"], what+": dial_timeout", &r.DialTimeout)
	d.timeout(f["timeout"], what+": timeout", &r.Timeout)
	if n := f["key_prefix"]; n != nil {
		r.KeyPrefix, _ = d.str(n, what+": key_prefix")
	}
	t.Redis = r
}

func redisOp(d *decoder, what string, f map[string]*yaml.Node, op *Op) {
	r := &RedisOp{}
	if n := f["ttl"]; n != nil {
		if v, ok := d.duration(n, what+": ttl"); ok {
			if v <= 0 || v%time.Millisecond != 0 {
				d.errorf(n, "%s: ttl: expected whole milliseconds above 0, got %v", what, v)
			}
			r.TTL = v
		}
		d.onlyFor(n, what, "ttl", op.Kind, "set", "expire")
	}
	if n := f["delta"]; n != nil {
		r.Delta = d.delta(n, what+": delta")
		d.onlyFor(n, what, "delta", op.Kind, "incrby", "hincrby")
	}
	if n := f["field"]; n != nil {
		r.Field, _ = d.str(n, what+": field")
		d.onlyFor(n, what, "field", op.Kind, "hget", "hset", "hincrby")
	}
	op.Redis = r
}

// batch reads the batch option of a batch op kind.
func (d *decoder) batch(n *yaml.Node, what string, op *Op, spec driverSpec) {
	if !slices.Contains(spec.batches, op.Kind) {
		if op.Kind != "" {
			d.errorf(n, "%s: batch applies to %s, not %s", what, strings.Join(spec.batches, ", "), op.Kind)
		}
		return
	}
	if v, ok := d.integer(n, what+": batch"); ok {
		if v < 1 || v > maxBatch {
			d.errorf(n, "%s: batch: expected 1 to %d keys per op, got %d", what, maxBatch, v)
			return
		}
		op.Batch = v
	}
}

// hosts reads a list of host[:port], or one string of them separated by
// commas (so one ${VAR} can hold a whole cluster's seeds).
func (d *decoder) hosts(n *yaml.Node, what string, port int) []string {
	var items []*yaml.Node
	if n = resolve(n); n.Kind == yaml.SequenceNode {
		items = n.Content
	} else {
		items = []*yaml.Node{n}
	}
	var out []string
	for _, item := range items {
		s, ok := d.str(item, what)
		if !ok {
			continue
		}
		for _, h := range strings.Split(s, ",") {
			h = strings.TrimSpace(h)
			addr, err := hostPort(h, port)
			if err != nil {
				d.errorf(item, "%s: %v", what, err)
				continue
			}
			out = append(out, addr)
		}
	}
	if len(out) == 0 && len(d.errs) == 0 {
		d.errorf(n, "%s: expected at least one host:port", what)
	}
	return out
}

// hostPort checks one host[:port] and adds the default port.
func hostPort(h string, port int) (string, error) {
	if h == "" {
		return "", fmt.Errorf("expected host:port, got an empty host")
	}
	host, p, err := net.SplitHostPort(h)
	if err != nil {
		if strings.Count(h, ":") > 1 && !strings.HasPrefix(h, "[") {
			return "", fmt.Errorf("expected host:port, got %q (write an IPv6 address as [::1]:3000)", h)
		}
		return net.JoinHostPort(strings.Trim(h, "[]"), strconv.Itoa(port)), nil
	}
	if host == "" {
		return "", fmt.Errorf("expected host:port, got %q with no host", h)
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("expected a port from 1 to 65535 in %q", h)
	}
	return h, nil
}

// credentials reads user, password_file and password_env. With
// userRequired a password needs a user key (Aerospike); without, a
// password alone is the default user's (Redis requirepass).
func (d *decoder) credentials(what string, f map[string]*yaml.Node, userRequired bool) (string, Secret) {
	var user string
	var s Secret
	if n := f["user"]; n != nil {
		user, _ = d.str(n, what+": user")
	}
	if n := f["password_file"]; n != nil {
		s.File, _ = d.str(n, what+": password_file")
	}
	if n := f["password_env"]; n != nil {
		if v, ok := d.str(n, what+": password_env"); ok && !envNameOK(v) {
			d.errorf(n, "%s: password_env: expected the name of an environment variable, got %q", what, v)
		} else {
			s.Env = v
		}
		if f["password_file"] != nil {
			d.errorf(n, "%s: give password_file or password_env, not both", what)
		}
	}
	if userRequired && !s.IsZero() && f["user"] == nil {
		n := f["password_file"]
		if n == nil {
			n = f["password_env"]
		}
		d.errorf(n, "%s: a password needs a user", what)
	}
	return user, s
}

// tlsOptions reads a TLS client configuration; insecure allows
// insecure_skip_verify, an explicit opt-in of the HTTP driver.
func (d *decoder) tlsOptions(n *yaml.Node, what string, insecure bool) *TLS {
	keys := []string{"ca", "cert", "key", "server_name"}
	if insecure {
		keys = append(keys, "insecure_skip_verify")
	}
	f, ok := d.fields(n, what, keys, nil)
	if !ok {
		return nil
	}
	t := &TLS{}
	for key, dst := range map[string]*string{"ca": &t.CA, "cert": &t.Cert, "key": &t.Key, "server_name": &t.ServerName} {
		if n := f[key]; n != nil {
			*dst, _ = d.str(n, what+": "+key)
		}
	}
	if (t.Cert == "") != (t.Key == "") {
		d.errorf(n, "%s: a client certificate needs both cert and key", what)
	}
	if n := f["insecure_skip_verify"]; n != nil {
		t.InsecureSkipVerify, _ = d.boolean(n, what+": insecure_skip_verify")
		if t.InsecureSkipVerify && t.CA != "" {
			d.errorf(n, "%s: insecure_skip_verify skips the check that ca is for; give one or the other", what)
		}
	}
	return t
}

// nonNegative reads an optional whole number >= 0 into dst.
func (d *decoder) nonNegative(n *yaml.Node, what string, dst *int) bool {
	if n == nil {
		return false
	}
	v, ok := d.integer(n, what)
	if ok && v < 0 {
		d.errorf(n, "%s: expected 0 or more, got %d", what, v)
		return false
	}
	if ok {
		*dst = v
	}
	return ok
}

// timeout reads an optional duration above 0 into dst.
func (d *decoder) timeout(n *yaml.Node, what string, dst *time.Duration) {
	if n == nil {
		return
	}
	if v, ok := d.duration(n, what); ok {
		if v <= 0 {
			d.errorf(n, "%s: expected a duration above 0s, got %v", what, v)
			return
		}
		*dst = v
	}
}

// delta reads a counter increment: a whole number, negative to decrement,
// not 0.
func (d *decoder) delta(n *yaml.Node, what string) int64 {
	s, ok := d.str(n, what)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v == 0 {
		d.errorf(n, "%s: expected a whole number other than 0 (negative decrements), got %q", what, s)
		return 0
	}
	return v
}

// maxBinName is Aerospike's limit on a bin name's length, in bytes.
const maxBinName = 15

func (d *decoder) binName(n *yaml.Node, what, s string) string {
	if s == "" || len(s) > maxBinName {
		d.errorf(n, "%s: expected a bin name of 1 to %d bytes, got %q", what, maxBinName, s)
	}
	return s
}

func (d *decoder) binNames(n *yaml.Node, what string) []string {
	if n = resolve(n); n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.errorf(n, "%s: expected a list of bin names like [price, stock]", what)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if s, ok := d.str(item, what); ok {
			out = append(out, d.binName(item, what, s))
		}
	}
	return out
}

// onlyFor reports an op option given to a kind it does not apply to.
func (d *decoder) onlyFor(n *yaml.Node, what, key, kind string, kinds ...string) {
	if kind != "" && !slices.Contains(kinds, kind) {
		d.errorf(n, "%s: %s applies to %s, not %s", what, key, strings.Join(kinds, ", "), kind)
	}
}
