package redis

import (
	"context"
	"strconv"
	"strings"
	"unsafe"

	"github.com/redis/rueidis"

	"github.com/surgeload/surge/drivers"
)

// Do runs op as one Redis command and waits for its reply. A GET or HGET of
// a missing key fails with class [drivers.ClassNotFound]; an MGET with
// missing keys succeeds. Do is safe for concurrent use. It formats keys into
// pooled buffers and slices a shared value, so what it allocates is what
// rueidis allocates (see BenchmarkGet and BenchmarkSet).
func (c *Client) Do(ctx context.Context, op *drivers.Op) error {
	if uint(op.Index) >= uint(len(c.ops)) || c.ops[op.Index].kind == kindNone {
		return errNoOp
	}
	if c.timeout <= 0 {
		return c.do(ctx, &c.ops[op.Index], op)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	err := c.do(ctx, &c.ops[op.Index], op)
	cancel()
	return err
}

func (c *Client) do(ctx context.Context, o *op, op *drivers.Op) error {
	kb := c.keyBufs.Get().(*keyBuf)
	if o.kind == kindMGet {
		return c.mget(ctx, kb, o, op)
	}
	key := kb.key(o.prefix, op.Key)
	b := c.rc.B()
	var cmd rueidis.Completed
	switch o.kind {
	case kindGet:
		cmd = b.Get().Key(key).Build()
	case kindSet:
		if o.ttl == "" {
			cmd = b.Set().Key(key).Value(c.valueOf(op.ValueSize)).Build()
		} else {
			cmd = b.Arbitrary("SET").Keys(key).Args(c.valueOf(op.ValueSize), "PX", o.ttl).Build()
		}
	case kindDel:
		cmd = b.Del().Key(key).Build()
	case kindIncrBy:
		cmd = b.Arbitrary("INCRBY").Keys(key).Args(o.delta).Build()
	case kindHGet:
		cmd = b.Hget().Key(key).Field(o.field).Build()
	case kindHSet:
		cmd = b.Hset().Key(key).FieldValue().FieldValue(o.field, c.valueOf(op.ValueSize)).Build()
	case kindHIncrBy:
		cmd = b.Arbitrary("HINCRBY").Keys(key).Args(o.field, o.delta).Build()
	case kindExpire:
		if o.ttl == "" {
			cmd = b.Persist().Key(key).Build()
		} else {
			cmd = b.Arbitrary("PEXPIRE").Keys(key).Args(o.ttl).Build()
		}
	}
	res := c.rc.Do(ctx, cmd)
	return c.result(kb, res.Error(), res.NonRedisError())
}

// mget reads op.Keys (or op.Key alone) with one MGET on a single server. On
// a cluster, whose MGET must stay within one hash slot, rueidis.MGet splits
// the keys by slot into one MGET per slot, sent as one pipeline; that path
// allocates a map of the replies.
func (c *Client) mget(ctx context.Context, kb *keyBuf, o *op, op *drivers.Op) error {
	ks := op.Keys
	if ks == nil {
		ks = []uint64{op.Key} // does not escape: the key strings are formatted from it
	}
	keys := kb.keys(o.prefix, ks)
	if c.cluster {
		_, err := rueidis.MGet(c.rc, ctx, keys)
		nonRedis := err
		if _, ok := rueidis.IsRedisErr(err); ok {
			nonRedis = nil
		}
		return c.result(kb, err, nonRedis)
	}
	res := c.rc.Do(ctx, c.rc.B().Mget().Key(keys...).Build())
	return c.result(kb, res.Error(), res.NonRedisError())
}

// result returns kb to the pool when it is safe to and maps err (the
// command's error) to an op error. nonRedis is the part of err that is not
// a server reply.
func (c *Client) result(kb *keyBuf, err, nonRedis error) error {
	// Subtleness ahead: the command's key strings point into kb (see
	// keyBuf). A reply from the server proves the command was written, so
	// kb may be reused; after a failure with no reply (a cancelled ctx, a
	// broken connection) the command may still sit in rueidis's queue, so
	// kb is left to the garbage collector instead.
	if nonRedis == nil {
		c.keyBufs.Put(kb)
	}
	if err == nil {
		return nil
	}
	return classify(err)
}

// valueOf returns a value of n bytes, sliced from a shared string that
// grows (rarely, and by doubling) when n exceeds it.
func (c *Client) valueOf(n int) string {
	if v := *c.value.Load(); n <= len(v) {
		return v[:n]
	}
	for {
		old := c.value.Load()
		if n <= len(*old) {
			return (*old)[:n]
		}
		v := strings.Repeat("x", max(n, 2*len(*old)))
		if c.value.CompareAndSwap(old, &v) {
			return v[:n]
		}
	}
}

// keyBuf holds the bytes of one command's keys.
//
// Subtleness ahead: rueidis commands take keys as strings, and formatting a
// key index into a new string would cost an allocation per op. Instead the
// key is formatted into b and handed to rueidis as a string that aliases b
// (unsafe.String). This is safe because b is not written again until the
// keyBuf is reused, and Client.result puts it back in the pool only once
// the server has replied, that is, once rueidis has copied the command
// into its connection's write buffer and will not read the strings again.
type keyBuf struct {
	b    []byte
	ends []int
	strs []string
}

// key formats prefix+k into kb and returns it as a string aliasing kb.
func (kb *keyBuf) key(prefix string, k uint64) string {
	kb.b = strconv.AppendUint(append(kb.b[:0], prefix...), k, 10)
	return unsafe.String(unsafe.SliceData(kb.b), len(kb.b))
}

// keys formats each of ks like key. The strings are made only after every
// key is formatted, because appending may move b.
func (kb *keyBuf) keys(prefix string, ks []uint64) []string {
	kb.b, kb.ends, kb.strs = kb.b[:0], kb.ends[:0], kb.strs[:0]
	for _, k := range ks {
		kb.b = strconv.AppendUint(append(kb.b, prefix...), k, 10)
		kb.ends = append(kb.ends, len(kb.b))
	}
	start := 0
	for _, end := range kb.ends {
		kb.strs = append(kb.strs, unsafe.String(&kb.b[start], end-start))
		start = end
	}
	return kb.strs
}
