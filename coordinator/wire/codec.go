package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrMalformed marks a frame or message that does not decode.
var ErrMalformed = errors.New("malformed message")

// enc appends the primitive encodings to a byte slice.
type enc struct{ b []byte }

func (e *enc) uint(v uint64)       { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) int(v int64)         { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) dur(d time.Duration) { e.int(int64(d)) }
func (e *enc) float(f float64)     { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f)) }
func (e *enc) bytes(p []byte)      { e.uint(uint64(len(p))); e.b = append(e.b, p...) }
func (e *enc) str(s string)        { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) bool(v bool)         { e.b = append(e.b, b2u(v)) }
func (e *enc) strs(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}
func b2u(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// dec reads the primitives back. The first error sticks: every later read
// returns a zero value, so a message decoder checks err once at the end.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrMalformed, what)
	}
}

func (d *dec) uint() uint64 { return varint(d, binary.Uvarint) }
func (d *dec) int() int64   { return varint(d, binary.Varint) }

// varint reads one varint with read (binary.Uvarint or binary.Varint).
func varint[T uint64 | int64](d *dec, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a non-negative int64 (a counter).
func (d *dec) count() int64 {
	v := d.uint()
	if v > math.MaxInt64 {
		d.fail("count out of range")
		return 0
	}
	return int64(v)
}

// index reads an int in [lo, hi).
func (d *dec) index(lo, hi int64, what string) int64 {
	v := d.int()
	if d.err == nil && (v < lo || v >= hi) {
		d.fail(fmt.Sprintf("%s %d out of range [%d, %d)", what, v, lo, hi))
		return lo
	}
	return v
}

// length reads a length and checks that at least min(n, len)*each bytes
// remain, so a hostile length cannot make the decoder allocate.
func (d *dec) length(each int) int {
	n := d.uint()
	if d.err == nil && n > uint64(len(d.b)/max(each, 1)) {
		d.fail("length beyond the message")
		return 0
	}
	return int(n)
}

func (d *dec) dur() time.Duration { return time.Duration(d.int()) }

func (d *dec) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail("short float")
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}

func (d *dec) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) < 1 || d.b[0] > 1 {
		d.fail("bad bool")
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *dec) raw() []byte {
	n := d.length(1)
	if d.err != nil {
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *dec) bytes() []byte { return append([]byte(nil), d.raw()...) }
func (d *dec) str() string   { return string(d.raw()) }

func (d *dec) strs() []string {
	n := d.length(1)
	var ss []string
	for i := 0; i < n && d.err == nil; i++ {
		ss = append(ss, d.str())
	}
	return ss
}

// end fails unless every byte was read.
func (d *dec) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail(fmt.Sprintf("%d bytes left over", len(d.b)))
	}
	return d.err
}

// Decoder reads wire's primitive encodings, for formats built on them (the
// coordinator's checkpoint): varints and length-prefixed strings, as
// binary.AppendUvarint, binary.AppendVarint and [AppendString] write them.
// The first error sticks: every later read returns a zero value.
type Decoder struct{ d dec }

// NewDecoder returns a Decoder reading b.
func NewDecoder(b []byte) *Decoder { return &Decoder{dec{b: b}} }

// Uint reads a uvarint.
func (d *Decoder) Uint() uint64 { return d.d.uint() }

// Int reads a varint.
func (d *Decoder) Int() int64 { return d.d.int() }

// Str reads a length-prefixed string.
func (d *Decoder) Str() string { return d.d.str() }

// Rest returns the bytes not read yet and consumes them: the body of a
// message nested at the end.
func (d *Decoder) Rest() []byte {
	b := d.d.b
	d.d.b = nil
	return b
}

// Err returns the first error, or one for bytes left unread.
func (d *Decoder) Err() error { return d.d.end() }

// AppendString appends s as a length-prefixed string.
func AppendString(b []byte, s string) []byte {
	e := enc{b}
	e.str(s)
	return e.b
}
