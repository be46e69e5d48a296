package astest

import (
	"encoding/binary"
	"math"
	"slices"
	"sync"
	"time"
)

// bin is one named value, kept as the particle type and raw bytes the
// client sent, so any type round-trips exactly.
type bin struct {
	name     string
	particle byte
	value    []byte
}

type record struct {
	bins       []bin
	generation uint32
	voidTime   uint32 // seconds since the Citrusleaf epoch; 0 = never expires
}

// recordKey identifies a record: its namespace and digest (the set is part
// of the digest).
type recordKey struct {
	ns     string
	digest [20]byte
}

// store is the in-memory data of one server. It is safe for concurrent use.
type store struct {
	mu      sync.Mutex
	records map[recordKey]*record
	now     func() time.Time
}

// citrusleafEpoch is 2010-01-01 UTC, the origin of Aerospike void times.
const citrusleafEpoch = 1262304000

func (st *store) epochNow() uint32 {
	return uint32(st.now().Unix() - citrusleafEpoch)
}

// get returns the live record for k, dropping it if it has expired. The
// caller holds mu.
func (st *store) get(k recordKey) *record {
	r := st.records[k]
	if r != nil && r.voidTime != 0 && r.voidTime <= st.epochNow() {
		delete(st.records, k)
		return nil
	}
	return r
}

func (r *record) bin(name []byte) *bin {
	for i := range r.bins {
		if r.bins[i].name == string(name) {
			return &r.bins[i]
		}
	}
	return nil
}

// set writes a bin; a NULL value deletes it.
func (r *record) set(name []byte, particle byte, value []byte) {
	if b := r.bin(name); b != nil {
		if particle == particleNull {
			r.bins = slices.DeleteFunc(r.bins, func(x bin) bool { return x.name == string(name) })
			return
		}
		b.particle, b.value = particle, slices.Clone(value)
		return
	}
	if particle != particleNull {
		r.bins = append(r.bins, bin{name: string(name), particle: particle, value: slices.Clone(value)})
	}
}

// add applies an ADD op: integers and floats only; a missing bin starts at
// the operand. It returns a result code.
func (r *record) add(name []byte, particle byte, value []byte) byte {
	if (particle != particleInteger && particle != particleFloat) || len(value) != 8 {
		return rcParameterError
	}
	b := r.bin(name)
	if b == nil {
		r.set(name, particle, value)
		return rcOK
	}
	if b.particle != particle || len(b.value) != 8 {
		return rcBinTypeError
	}
	x, y := binary.BigEndian.Uint64(b.value), binary.BigEndian.Uint64(value)
	var sum uint64
	if particle == particleInteger {
		sum = uint64(int64(x) + int64(y))
	} else {
		sum = math.Float64bits(math.Float64frombits(x) + math.Float64frombits(y))
	}
	b.value = binary.BigEndian.AppendUint64(b.value[:0], sum)
	return rcOK
}

// concat applies APPEND (front false) or PREPEND (front true) to a string
// or blob bin.
func (r *record) concat(name []byte, particle byte, value []byte, front bool) byte {
	if particle != particleString && particle != particleBlob {
		return rcParameterError
	}
	b := r.bin(name)
	if b == nil {
		r.set(name, particle, value)
		return rcOK
	}
	if b.particle != particle {
		return rcBinTypeError
	}
	if front {
		b.value = append(slices.Clone(value), b.value...)
	} else {
		b.value = append(b.value, value...)
	}
	return rcOK
}
