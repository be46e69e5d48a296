package aerospike

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"

	as "github.com/aerospike/aerospike-client-go/v7"
	"github.com/aerospike/aerospike-client-go/v7/pkg/ripemd160"
	particle "github.com/aerospike/aerospike-client-go/v7/types/particle_type"
)

// keyMaker turns key indexes into Aerospike keys. A key is its digest,
// RIPEMD-160(set || particle type || user key bytes), which keyMaker
// computes into a reused Key: as.NewKey would allocate the Key, the
// string and the boxed user key on every op.
type keyMaker struct {
	ns, set string
	setb    []byte // set, as bytes to hash
	ints    bool   // integer user keys
}

func newKeyMaker(cfg *Config) keyMaker {
	return keyMaker{ns: cfg.Namespace, set: cfg.Set, setb: []byte(cfg.Set), ints: cfg.KeyType == "integer"}
}

// appendKey appends the particle type and bytes of key index i's user key
// to b: prefix + i in decimal, or i as an int64 (wrapping above MaxInt64)
// in 8 big-endian bytes, where integer keys have no prefix.
func (m *keyMaker) appendKey(b, prefix []byte, i uint64) []byte {
	if m.ints {
		return binary.BigEndian.AppendUint64(append(b, particle.INTEGER), i)
	}
	return strconv.AppendUint(append(append(b, particle.STRING), prefix...), i, 10)
}

// digest computes the digest of key index i, with prefix, into s.digest.
func (m *keyMaker) digest(s *scratch, prefix []byte, i uint64) {
	s.name = m.appendKey(s.name[:0], prefix, i)
	s.hash.Reset()
	s.hash.Write(m.setb)
	s.hash.Write(s.name)
	s.hash.Sum(s.digest[:]) // this ripemd160 copies into a non-nil argument
}

// key returns the Key of index i, with prefix, in s, valid until s is reused. With send
// it carries the user key too, for WritePolicy.SendKey, at the cost of
// allocating the key's string and boxing it.
func (m *keyMaker) key(s *scratch, prefix []byte, i uint64, send bool) *as.Key {
	if !send {
		m.digest(s, prefix, i)
		s.key.SetDigest(s.digest[:]) // cannot fail: 20 bytes
		return s.key
	}
	s.name = m.appendKey(s.name[:0], prefix, i)
	var v as.Value = as.StringValue(s.name[1:])
	if m.ints {
		v = as.LongValue(int64(i))
	}
	// SetValue hashes the user key itself; it fails only for a type that
	// cannot be a key, and these two can.
	_ = s.sendKey.SetValue(v)
	return s.sendKey
}

// newKey returns a Key of m's namespace and set to be given a digest.
func (m *keyMaker) newKey() *as.Key {
	k, err := as.NewKeyWithDigest(m.ns, m.set, nil, make([]byte, 20))
	if err != nil {
		panic(err) // unreachable: the digest has 20 bytes
	}
	return k
}

// scratch is the per-call state of Do, pooled so that a call allocates
// none of it.
type scratch struct {
	key     *as.Key   // digest only: no user key is sent
	sendKey *as.Key   // with the user key
	batch   []*as.Key // a batch's keys, grown to the largest batch seen
	one     [1]uint64 // the key of a batch op without Keys
	name    []byte    // particle type + user key bytes being hashed
	hash    ripemd160.Digest
	digest  [20]byte

	// The bins of a put. Each bin's Value is a *as.RawBlobValue, whose
	// pointer fits the Value interface without the allocation that boxing
	// an as.BytesValue (a slice) costs; it is written as a BLOB exactly
	// like a BytesValue. binPtrs point at bins, bins at blobs.
	bins    []as.Bin
	blobs   []as.RawBlobValue
	binPtrs []*as.Bin
}

func (c *Client) newScratch() *scratch {
	s := &scratch{key: c.keys.newKey(), name: make([]byte, 0, 64),
		bins: make([]as.Bin, c.nBins), blobs: make([]as.RawBlobValue, c.nBins), binPtrs: make([]*as.Bin, c.nBins)}
	s.sendKey, _ = as.NewKey(c.keys.ns, c.keys.set, 0) // any valid key: SetValue replaces it
	for i := range s.bins {
		s.blobs[i].ParticleType = particle.BLOB
		s.bins[i].Value = &s.blobs[i]
		s.binPtrs[i] = &s.bins[i]
	}
	return s
}

// batchKeys returns n keys, growing s's set when a batch is bigger than
// any before.
func (s *scratch) batchKeys(m *keyMaker, n int) []*as.Key {
	for len(s.batch) < n {
		s.batch = append(s.batch, m.newKey())
	}
	return s.batch[:n]
}

// initialValueBuffer is the value buffer allocated by New; a bigger value
// grows it once.
const initialValueBuffer = 64 << 10

// valueBuffer holds the bytes every put writes: a value of n bytes is its
// first n bytes. It only grows, and a grown buffer starts with the same
// bytes, so values already handed out stay valid and unchanged. The bytes
// are pseudo-random, so compression on the way does not flatter a run.
// It is safe for concurrent use.
type valueBuffer struct {
	mu  sync.Mutex // serialises growing
	buf atomic.Pointer[[]byte]
}

// bytes returns the first n bytes.
func (v *valueBuffer) bytes(n int) []byte {
	if b := v.buf.Load(); b != nil && len(*b) >= n {
		return (*b)[:n]
	}
	return v.grow(n)
}

// grow makes the buffer at least n bytes long and returns its first n.
func (v *valueBuffer) grow(n int) []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	var have []byte
	if b := v.buf.Load(); b != nil {
		have = *b
	}
	if len(have) >= n {
		return have[:n]
	}
	b := make([]byte, max(n, 2*len(have)))
	copy(b, have)
	r := rand.New(rand.NewPCG(uint64(len(have)), 0x5eed))
	for i := len(have); i < len(b); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		copy(b[i:], w[:])
	}
	v.buf.Store(&b)
	return b[:n]
}
