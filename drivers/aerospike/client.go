package aerospike

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/aerospike/aerospike-client-go/v7/types"

	"github.com/surgeload/surge/drivers"
)

// Client is an Aerospike target: a connected client of the official
// driver plus the ops of the mix compiled into policies, bins and
// operations. It is safe for concurrent use; Do allocates nothing of its
// own beyond what the client library allocates per call (see [OpConfig]
// SendKey for the one exception).
type Client struct {
	raw   *as.Client
	ops   []compiledOp
	keys  keyMaker
	vals  valueBuffer
	pool  sync.Pool // *scratch, one per op in flight
	nBins int       // the most bins a put writes
	// slots holds a token per op in flight, at most as many as the
	// connections the client may open (ConnectionQueueSize per node at
	// start). An op beyond that waits here, parked, for a connection to
	// come free, as it would in an application with that pool; in the
	// client it would instead spin, building an error per turn, and burn
	// the generator's CPU until its timeout.
	slots chan struct{}

	closed atomic.Bool
}

var _ drivers.Target = (*Client)(nil)

// compiledOp is an OpConfig ready for the client: its policy, bin names
// and operations, shared read-only by every call.
type compiledOp struct {
	kind    kind
	prefix  []byte // string keys: Config.KeyPrefix + OpConfig.KeyPrefix
	read    *as.BasePolicy
	write   *as.WritePolicy
	batch   *as.BatchPolicy
	bins    []string        // get, batch-get: bins read; put: bins written
	counter []*as.Bin       // add: the delta
	opList  []*as.Operation // operate: add, then read the counter
	sendKey bool
}

// ErrAuth reports that the cluster refused the user or password; New wraps
// it together with the client's error.
var ErrAuth = errors.New("authentication failed")

// The errors Do returns without allocating.
var (
	// ErrNotFound is what Do returns when the record does not exist: a get,
	// touch or delete of a missing key. Its class is
	// [drivers.ClassNotFound]. A batch-get never returns it: a missing key
	// inside a batch is a normal answer.
	ErrNotFound = &drivers.Error{Class: drivers.ClassNotFound, Err: errors.New("aerospike: key not found")}
	// errNoOp answers an op index this target was not configured for.
	errNoOp = &drivers.Error{Class: drivers.ClassOther, Err: errors.New("aerospike: op not configured for this target")}
	// errClosed answers every op after Close.
	errClosed = &drivers.Error{Class: drivers.ClassOther, Err: errors.New("aerospike: client closed")}
)

// New connects to the cluster of cfg and compiles ops, the op table of the
// job: ops[i] serves [drivers.Op.Index] i. It fails fast, naming the
// seeds, when none answers within cfg.ConnectTimeout (or ctx's deadline, if
// sooner), when the login is refused (wrapping [ErrAuth]), and when the
// namespace does not exist. Close the Client when done.
func New(ctx context.Context, cfg Config, ops []OpConfig) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("aerospike: %w", err)
	}
	hosts, err := cfg.hosts()
	if err != nil {
		return nil, fmt.Errorf("aerospike: %w", err)
	}
	c := &Client{keys: newKeyMaker(&cfg)}
	if c.ops, c.nBins, err = compileOps(&cfg, ops); err != nil {
		return nil, fmt.Errorf("aerospike: %w", err)
	}
	policy := cfg.clientPolicy()
	if policy.MinConnectionsPerNode > policy.ConnectionQueueSize {
		return nil, fmt.Errorf("aerospike: %w: %d min connections per node exceed the queue size %d",
			ErrBadConfig, policy.MinConnectionsPerNode, policy.ConnectionQueueSize)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("aerospike: connect to %s: %w", hostList(hosts), err)
	}
	// The client cannot be cancelled; a deadline at least bounds its wait.
	if dl, ok := ctx.Deadline(); ok {
		policy.Timeout = max(min(policy.Timeout, time.Until(dl)), time.Millisecond)
	}
	raw, aerr := as.NewClientWithPolicyAndHost(policy, hosts...)
	if aerr != nil {
		return nil, connectError(&cfg, hosts, policy.Timeout, aerr)
	}
	if err := checkNamespace(raw, cfg.Namespace, policy.Timeout); err != nil {
		raw.Close()
		return nil, fmt.Errorf("aerospike: %s: %w", hostList(hosts), err)
	}
	c.raw = raw
	c.slots = make(chan struct{}, policy.ConnectionQueueSize*max(len(raw.GetNodes()), 1))
	c.vals.grow(initialValueBuffer)
	c.pool.New = func() any { return c.newScratch() }
	return c, nil
}

// connectError explains why no node could be reached.
func connectError(cfg *Config, hosts []*as.Host, timeout time.Duration, err as.Error) error {
	where := hostList(hosts)
	switch {
	case err.Matches(types.NOT_AUTHENTICATED, types.INVALID_USER, types.INVALID_PASSWORD,
		types.INVALID_CREDENTIAL, types.EXPIRED_PASSWORD, types.EXPIRED_SESSION, types.FORBIDDEN_PASSWORD):
		return fmt.Errorf("aerospike: connect to %s as user %q: %w: %w", where, cfg.User, ErrAuth, err)
	case err.Matches(types.CLUSTER_NAME_MISMATCH_ERROR):
		return fmt.Errorf("aerospike: connect to %s: cluster name is not %q: %w", where, cfg.ClusterName, err)
	case err.Matches(types.TIMEOUT):
		return fmt.Errorf("aerospike: connect to %s: no cluster found within %v: %w", where, timeout, err)
	}
	return fmt.Errorf("aerospike: connect to %s: %w", where, err)
}

// checkNamespace asks a node for its namespaces: a misspelt namespace
// would otherwise fail every op, one at a time.
func checkNamespace(raw *as.Client, ns string, timeout time.Duration) error {
	nodes := raw.GetNodes()
	if len(nodes) == 0 {
		return errors.New("no node in the cluster")
	}
	info, err := nodes[0].RequestInfo(&as.InfoPolicy{Timeout: timeout}, "namespaces")
	if err != nil {
		return fmt.Errorf("list namespaces on node %s: %w", nodes[0].GetName(), err)
	}
	have := info["namespaces"]
	if !slices.Contains(strings.Split(have, ";"), ns) {
		return fmt.Errorf("%w: namespace %q not found; the cluster has %q", ErrBadConfig, ns, have)
	}
	return nil
}

// compileOps builds the policies, bins and operations of each op, and
// returns the most bins a put writes.
func compileOps(cfg *Config, ops []OpConfig) ([]compiledOp, int, error) {
	out := make([]compiledOp, len(ops))
	nBins := 1
	for i := range ops {
		o, err := compileOp(cfg, &ops[i])
		if err != nil {
			return nil, 0, fmt.Errorf("op %d (%s): %w", i, ops[i].Kind, err)
		}
		if o.kind == kindPut {
			nBins = max(nBins, len(o.bins))
		}
		out[i] = o
	}
	return out, nBins, nil
}

func compileOp(cfg *Config, oc *OpConfig) (compiledOp, error) {
	k, ok := parseKind(oc.Kind)
	if !ok {
		return compiledOp{}, fmt.Errorf("%w: unknown kind %q: want get, put, delete, touch, exists, add, operate or batch-get",
			ErrBadConfig, oc.Kind)
	}
	exp, err := oc.expiration()
	if err != nil {
		return compiledOp{}, err
	}
	o := compiledOp{kind: k, prefix: []byte(cfg.KeyPrefix + oc.KeyPrefix), sendKey: oc.SendKey, bins: slices.Clone(oc.Bins)}
	if err := checkBins(o.bins); err != nil {
		return compiledOp{}, err
	}
	o.read = as.NewPolicy()
	cfg.applyTo(o.read)
	o.write = as.NewWritePolicy(0, exp)
	cfg.applyTo(&o.write.BasePolicy)
	o.write.SendKey = oc.SendKey
	o.batch = as.NewBatchPolicy()
	cfg.applyTo(&o.batch.BasePolicy)

	counter, delta := oc.Bin, oc.Delta
	if counter == "" {
		counter = defaultCounter
	}
	if delta == 0 {
		delta = 1
	}
	switch k {
	case kindPut:
		if len(o.bins) == 0 {
			o.bins = []string{defaultBin}
		}
	case kindAdd, kindOperate:
		if err := checkBins([]string{counter}); err != nil {
			return compiledOp{}, err
		}
		bin := as.NewBin(counter, delta)
		o.counter = []*as.Bin{bin}
		o.opList = []*as.Operation{as.AddOp(bin), as.GetBinOp(counter)}
	}
	return o, nil
}

// checkBins refuses bin names the server would refuse, and duplicates.
func checkBins(bins []string) error {
	for i, b := range bins {
		if b == "" || len(b) > maxBinName {
			return fmt.Errorf("%w: bin name %q: want 1 to %d bytes", ErrBadConfig, b, maxBinName)
		}
		if slices.Contains(bins[:i], b) {
			return fmt.Errorf("%w: bin %q listed twice", ErrBadConfig, b)
		}
	}
	return nil
}

// Do runs op with the client call its kind compiles to. A nil error is a
// success (an exists that finds nothing included); a missing record is
// [ErrNotFound]; any other failure is a [*drivers.Error] whose class comes
// from the Aerospike result code and whose Err is the client's error.
//
// At most ConnectionQueueSize ops per node are in flight in the client;
// more wait in Do for one to finish, and that wait is part of their
// latency. The client cannot be interrupted: ctx bounds only that wait,
// and the call itself is bounded by Config.TotalTimeout.
func (c *Client) Do(ctx context.Context, op *drivers.Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.closed.Load() {
		return errClosed
	}
	if op.Index < 0 || op.Index >= len(c.ops) || c.ops[op.Index].kind == kindNone {
		return errNoOp
	}
	select { // a free slot first: a select on ctx.Done() locks the run-wide channel
	case c.slots <- struct{}{}:
	default:
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s := c.pool.Get().(*scratch)
	err := c.do(s, &c.ops[op.Index], op)
	c.pool.Put(s)
	<-c.slots
	return err
}

// do runs one op with s as its scratch space.
func (c *Client) do(s *scratch, o *compiledOp, op *drivers.Op) error {
	var err as.Error
	switch o.kind {
	case kindBatchGet:
		_, err = c.batchGet(s, o, op)
	case kindPut:
		key := c.keys.key(s, o.prefix, op.Key, o.sendKey)
		err = c.raw.PutBins(o.write, key, c.putBins(s, o, op.ValueSize)...)
	case kindGet:
		_, err = c.raw.Get(o.read, c.keys.key(s, o.prefix, op.Key, false), o.bins...)
	case kindExists:
		_, err = c.raw.Exists(o.read, c.keys.key(s, o.prefix, op.Key, false))
	case kindDelete:
		var existed bool
		existed, err = c.raw.Delete(o.write, c.keys.key(s, o.prefix, op.Key, false))
		if err == nil && !existed {
			return ErrNotFound
		}
	case kindTouch:
		err = c.raw.Touch(o.write, c.keys.key(s, o.prefix, op.Key, o.sendKey))
	case kindAdd:
		err = c.raw.AddBins(o.write, c.keys.key(s, o.prefix, op.Key, o.sendKey), o.counter...)
	case kindOperate:
		_, err = c.operate(s, o, op)
	}
	return wrap(err)
}

// operate adds to the counter and reads it back in one round trip; the
// record holds the counter's new value.
func (c *Client) operate(s *scratch, o *compiledOp, op *drivers.Op) (*as.Record, as.Error) {
	return c.raw.Operate(o.write, c.keys.key(s, o.prefix, op.Key, o.sendKey), o.opList...)
}

// batchGet reads op.Keys (or op.Key alone) in one batch and returns the
// records in key order, nil where a key does not exist.
func (c *Client) batchGet(s *scratch, o *compiledOp, op *drivers.Op) ([]*as.Record, as.Error) {
	idx := op.Keys
	if len(idx) == 0 {
		s.one[0] = op.Key
		idx = s.one[:]
	}
	keys := s.batchKeys(&c.keys, len(idx))
	for i, k := range idx {
		c.keys.digest(s, o.prefix, k)
		keys[i].SetDigest(s.digest[:])
	}
	return c.raw.BatchGet(o.batch, keys, o.bins...)
}

// putBins points the scratch bins at the value buffer: o's bins share
// size bytes, the first ones one byte more when size does not divide.
func (c *Client) putBins(s *scratch, o *compiledOp, size int) []*as.Bin {
	size = max(size, 0)
	buf := c.vals.bytes(size)
	n := len(o.bins)
	per, extra, off := size/n, size%n, 0
	for i, name := range o.bins {
		sz := per
		if i < extra {
			sz++
		}
		s.blobs[i].Data = buf[off : off+sz]
		s.bins[i].Name = name
		off += sz
	}
	return s.binPtrs[:n]
}

// Close disconnects from the cluster. It is safe to call more than once.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.raw.Close()
	return nil
}
