package astest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The proto header that starts every message: version 2, a type, and a
// 48-bit big-endian body length.
const (
	protoVersion   = 2
	protoHeaderLen = 8
	typeInfo       = 1
	typeMessage    = 3

	// maxBody bounds a request body; the client never sends more than its
	// 120 MiB buffer.
	maxBody = 128 << 20
	// msgHeaderLen is the AS_MSG header after the proto header.
	msgHeaderLen = 22
)

// Decoding errors.
var (
	errVersion   = errors.New("unsupported proto version")
	errTooLarge  = errors.New("message too large")
	errTruncated = errors.New("truncated message")
)

// readFrame reads one message: its type and body. buf is reused when large
// enough.
func readFrame(r io.Reader, buf []byte) (typ byte, body []byte, err error) {
	var h [protoHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	if h[0] != protoVersion {
		return 0, nil, fmt.Errorf("%w: %d", errVersion, h[0])
	}
	n := uint64(h[2])<<40 | uint64(h[3])<<32 | uint64(binary.BigEndian.Uint32(h[4:]))
	if n > maxBody {
		return 0, nil, fmt.Errorf("%w: %d bytes", errTooLarge, n)
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	body = buf[:n]
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return h[1], body, nil
}

// appendFrameHeader appends a proto header for a body of n bytes.
func appendFrameHeader(dst []byte, typ byte, n int) []byte {
	return append(dst, protoVersion, typ, byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// field is one AS_MSG field: a type and its data.
type field struct {
	typ  byte
	data []byte
}

// op is one AS_MSG operation on a bin.
type op struct {
	code     byte // opRead, opWrite, ...
	particle byte // the value's particle type
	name     []byte
	value    []byte
}

// msg is a decoded AS_MSG. Its slices alias the body it was decoded from.
type msg struct {
	info1, info2, info3, info4 byte
	resultCode                 byte
	generation                 uint32
	recordTTL                  uint32
	txnTTL                     uint32
	fields                     []field
	ops                        []op
}

// decodeMsg decodes an AS_MSG body, appending into m's slices. Every length
// is checked against the bytes that remain, so no input makes it panic.
func decodeMsg(b []byte, m *msg) error {
	if len(b) < msgHeaderLen || int(b[0]) < msgHeaderLen || int(b[0]) > len(b) {
		return errTruncated
	}
	*m = msg{
		info1: b[1], info2: b[2], info3: b[3], info4: b[4], resultCode: b[5],
		generation: binary.BigEndian.Uint32(b[6:]),
		recordTTL:  binary.BigEndian.Uint32(b[10:]),
		txnTTL:     binary.BigEndian.Uint32(b[14:]),
		fields:     m.fields[:0],
		ops:        m.ops[:0],
	}
	nFields, nOps := int(binary.BigEndian.Uint16(b[18:])), int(binary.BigEndian.Uint16(b[20:]))
	rest := b[b[0]:]
	for range nFields {
		n, data, tail, err := chunk(rest, 1)
		if err != nil {
			return fmt.Errorf("field: %w", err)
		}
		m.fields = append(m.fields, field{typ: n[0], data: data})
		rest = tail
	}
	for range nOps {
		h, data, tail, err := chunk(rest, 4)
		if err != nil {
			return fmt.Errorf("op: %w", err)
		}
		nameLen := int(h[3])
		if nameLen > len(data) {
			return fmt.Errorf("op name: %w", errTruncated)
		}
		m.ops = append(m.ops, op{code: h[0], particle: h[1], name: data[:nameLen], value: data[nameLen:]})
		rest = tail
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the last op", len(rest))
	}
	return nil
}

// chunk splits a size-prefixed item off b: a u32 size counting hdr bytes
// of header and then the data.
func chunk(b []byte, hdr int) (head, data, rest []byte, err error) {
	if len(b) < 4+hdr {
		return nil, nil, nil, errTruncated
	}
	size := binary.BigEndian.Uint32(b)
	if size < uint32(hdr) || uint64(size) > uint64(len(b)-4) {
		return nil, nil, nil, errTruncated
	}
	end := 4 + int(size)
	return b[4 : 4+hdr], b[4+hdr : end], b[end:], nil
}

// appendMsg appends m as a whole frame (proto header and AS_MSG).
func appendMsg(dst []byte, m *msg) []byte {
	start := len(dst)
	dst = appendFrameHeader(dst, typeMessage, 0)
	dst = appendMsgBody(dst, m)
	return setFrameLen(dst, start)
}

// setFrameLen fills in the length of the frame that starts at dst[start:].
func setFrameLen(dst []byte, start int) []byte {
	n := len(dst) - start - protoHeaderLen
	appendFrameHeader(dst[start:start], dst[start+1], n)
	return dst
}

// appendMsgBody appends m's AS_MSG without a proto header; a batch reply
// holds several in one frame.
func appendMsgBody(dst []byte, m *msg) []byte {
	dst = append(dst, msgHeaderLen, m.info1, m.info2, m.info3, m.info4, m.resultCode)
	dst = binary.BigEndian.AppendUint32(dst, m.generation)
	dst = binary.BigEndian.AppendUint32(dst, m.recordTTL)
	dst = binary.BigEndian.AppendUint32(dst, m.txnTTL)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(m.fields)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(m.ops)))
	for _, f := range m.fields {
		dst = binary.BigEndian.AppendUint32(dst, uint32(1+len(f.data)))
		dst = append(append(dst, f.typ), f.data...)
	}
	for _, o := range m.ops {
		dst = binary.BigEndian.AppendUint32(dst, uint32(4+len(o.name)+len(o.value)))
		dst = append(dst, o.code, o.particle, 0, byte(len(o.name)))
		dst = append(append(dst, o.name...), o.value...)
	}
	return dst
}
