package aerospike

import (
	"bytes"
	"math"
	"testing"

	as "github.com/aerospike/aerospike-client-go/v7"
)

// FuzzDigest checks that the adapter's digest of a key index is the one
// the client computes from the user key, for any set, prefix and index.
func FuzzDigest(f *testing.F) {
	f.Add("demo", "sku:", uint64(42), false)
	f.Add("", "", uint64(0), false)
	f.Add("demo", "", uint64(math.MaxUint64), true)
	f.Add("a-set-name-long-enough-to-cross-one-64-byte-ripemd-block-boundary", "p/", uint64(1)<<63, false)
	f.Fuzz(func(t *testing.T, set, prefix string, i uint64, ints bool) {
		cfg := Config{Namespace: "test", Set: set, KeyPrefix: prefix, KeyType: "string"}
		if ints {
			cfg.KeyType = "integer"
		}
		m := newKeyMaker(&cfg)
		s := &scratch{}
		m.digest(s, []byte(prefix), i)
		want := rawKey(t, cfg, i)
		if !bytes.Equal(s.digest[:], want.Digest()) {
			t.Fatalf("digest(set %q, prefix %q, %d, ints %v) = %x; the client's is %x", set, prefix, i, ints, s.digest, want.Digest())
		}
		// The reused Key with the user key gives the same digest.
		s.sendKey, _ = as.NewKey(cfg.Namespace, cfg.Set, 0)
		if k := m.key(s, []byte(prefix), i, true); !bytes.Equal(k.Digest(), want.Digest()) || k.Value().GetObject() != want.Value().GetObject() {
			t.Fatalf("key with user key = %v; want %v", k, want)
		}
	})
}

func TestValueBuffer(t *testing.T) {
	var v valueBuffer
	small := bytes.Clone(v.bytes(100))
	if len(small) != 100 {
		t.Fatalf("bytes(100) has %d bytes", len(small))
	}
	big := v.bytes(1 << 20)
	if len(big) != 1<<20 || !bytes.Equal(big[:100], small) {
		t.Errorf("growing the buffer changed its first bytes")
	}
	if zeros := bytes.Count(big, []byte{0}); zeros > len(big)/100 {
		t.Errorf("%d of %d value bytes are zero; want pseudo-random bytes", zeros, len(big))
	}
	if len(v.bytes(0)) != 0 {
		t.Error("bytes(0) is not empty")
	}
}
