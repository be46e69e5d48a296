package astest

import (
	"encoding/binary"
	"fmt"
)

// Batch fields and row flags (client command.go, server batch.c).
const (
	fieldBatchIndex        = 41 // batch-any: not supported
	fieldBatchIndexWithSet = 42
	rowRepeat              = 0x01
	info3Last              = 0x01
)

// batchRow is one key of a batch read, with a REPEAT row expanded from the
// row before it.
type batchRow struct {
	index  uint32
	digest [20]byte
	ns     string
	info1  byte
	ops    []op
}

// decodeBatch decodes the BATCH_INDEX_WITH_SET field of a batch read. Like
// decodeMsg, it checks every length against what remains.
func decodeBatch(data []byte, rows []batchRow) ([]batchRow, error) {
	if len(data) < 5 {
		return nil, errTruncated
	}
	n, rest := binary.BigEndian.Uint32(data), data[5:] // count, then the batch flags byte
	for i := uint32(0); i < n; i++ {
		if len(rest) < 25 {
			return nil, errTruncated
		}
		row := batchRow{index: binary.BigEndian.Uint32(rest)}
		copy(row.digest[:], rest[4:24])
		flags := rest[24]
		rest = rest[25:]
		switch {
		case flags == rowRepeat && len(rows) > 0:
			prev := rows[len(rows)-1]
			row.ns, row.info1, row.ops = prev.ns, prev.info1, prev.ops
		case flags == 0:
			var err error
			if rest, err = decodeRowHeader(rest, &row); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("batch row %d: flags %#x not supported", i, flags)
		}
		rows = append(rows, row)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d bytes after the last batch row", len(rest))
	}
	return rows, nil
}

// decodeRowHeader reads a full row: info1, its fields (namespace, set) and
// its read ops.
func decodeRowHeader(b []byte, row *batchRow) ([]byte, error) {
	if len(b) < 5 {
		return nil, errTruncated
	}
	row.info1 = b[0]
	nFields, nOps := int(binary.BigEndian.Uint16(b[1:])), int(binary.BigEndian.Uint16(b[3:]))
	b = b[5:]
	for range nFields {
		h, data, rest, err := chunk(b, 1)
		if err != nil {
			return nil, err
		}
		if h[0] == fieldNamespace {
			row.ns = string(data)
		}
		b = rest
	}
	for range nOps {
		h, data, rest, err := chunk(b, 4)
		if err != nil {
			return nil, err
		}
		if int(h[3]) > len(data) {
			return nil, errTruncated
		}
		row.ops = append(row.ops, op{code: h[0], particle: h[1], name: data[:h[3]], value: data[h[3]:]})
		b = rest
	}
	return b, nil
}

// batch answers a batch read with one frame: a message per row, its batch
// index in the transaction-ttl slot, then the LAST message.
func (s *Server) batch(dst []byte, m *msg) []byte {
	var data []byte
	for _, f := range m.fields {
		switch f.typ {
		case fieldBatchIndexWithSet:
			data = f.data
		case fieldBatchIndex:
			return errorReply(dst, rcUnsupportedFeature, m)
		}
	}
	rows, err := decodeBatch(data, nil)
	if err != nil {
		return errorReply(dst, rcParameterError, m)
	}
	start := len(dst)
	dst = appendFrameHeader(dst, typeMessage, 0)
	st := s.store
	st.mu.Lock()
	for _, row := range rows {
		k := recordKey{ns: row.ns, digest: row.digest}
		out := msg{resultCode: s.check(k)}
		if out.resultCode == rcOK {
			out = readMsg(st.get(k), row.info1, row.ops)
		}
		out.txnTTL = row.index
		dst = appendMsgBody(dst, &out)
	}
	st.mu.Unlock()
	dst = appendMsgBody(dst, &msg{info3: info3Last})
	return setFrameLen(dst, start)
}
