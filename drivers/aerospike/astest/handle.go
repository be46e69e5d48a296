package astest

import "slices"

// handle answers one AS_MSG request, appending the reply frame to dst.
func (s *Server) handle(dst []byte, m *msg) []byte {
	if m.info1&info1Batch != 0 {
		return s.batch(dst, m)
	}
	k, rc := s.key(m)
	if rc != rcOK {
		return reply(dst, rc, nil)
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case m.info2&info2Delete != 0:
		if st.get(k) == nil {
			return reply(dst, rcKeyNotFound, nil)
		}
		delete(st.records, k)
		return reply(dst, rcOK, nil)
	case m.info2&info2Write != 0:
		return s.write(dst, k, m)
	case m.info1&info1Read != 0:
		out := readMsg(st.get(k), m.info1, m.ops)
		return appendMsg(dst, &out)
	}
	return reply(dst, rcParameterError, nil)
}

// readMsg answers Get, GetHeader and Exists, alone or as a batch row:
// every bin, the named bins, or only the header.
func readMsg(r *record, info1 byte, ops []op) msg {
	if r == nil {
		return msg{resultCode: rcKeyNotFound}
	}
	out := msg{generation: r.generation, recordTTL: r.voidTime}
	switch {
	case info1&info1NoBinData != 0:
	case info1&info1GetAll != 0 || len(ops) == 0:
		out.ops = appendBins(out.ops, r)
	default:
		for _, o := range ops {
			if b := r.bin(o.name); b != nil {
				out.ops = append(out.ops, binOp(b))
			}
		}
	}
	return out
}

func binOp(b *bin) op {
	return op{code: opRead, particle: b.particle, name: []byte(b.name), value: b.value}
}

func appendBins(ops []op, r *record) []op {
	for i := range r.bins {
		ops = append(ops, binOp(&r.bins[i]))
	}
	return ops
}

// write answers Put, Touch and Operate: the existence and generation
// policies first, then the ops in order on a copy of the record, which
// replaces the stored one only if every op succeeded.
func (s *Server) write(dst []byte, k recordKey, m *msg) []byte {
	st := s.store
	old := st.get(k)
	if rc := writePolicy(old, m); rc != rcOK {
		return reply(dst, rc, old)
	}
	r := &record{}
	if old != nil && m.info3&(info3CreateOrReplac|info3ReplaceOnly) == 0 {
		for _, b := range old.bins { // deep: ops change values in place
			r.bins = append(r.bins, bin{name: b.name, particle: b.particle, value: slices.Clone(b.value)})
		}
		r.voidTime = old.voidTime
	}
	var out msg
	for _, o := range m.ops {
		if len(o.name) > 15 {
			return reply(dst, rcBinNameTooLong, old)
		}
		rc, read := apply(r, &o)
		if rc != rcOK {
			return reply(dst, rc, old)
		}
		switch {
		case read:
			out.ops = readOp(out.ops, r, &o)
		case m.info2&info2RespondAllOps != 0:
			out.ops = append(out.ops, op{code: opRead, name: o.name})
		}
	}
	if len(r.bins) == 0 {
		delete(st.records, k)
		if old == nil {
			return reply(dst, rcKeyNotFound, nil)
		}
		return reply(dst, rcOK, nil)
	}
	r.generation = 1
	if old != nil {
		r.generation = old.generation + 1
	}
	r.voidTime = s.voidTime(m.recordTTL, r.voidTime)
	st.records[k] = r
	out.generation, out.recordTTL = r.generation, r.voidTime
	return appendMsg(dst, &out)
}

// writePolicy checks the record-exists and generation policies.
func writePolicy(old *record, m *msg) byte {
	switch {
	case old == nil && m.info3&(info3UpdateOnly|info3ReplaceOnly) != 0:
		return rcKeyNotFound
	case old != nil && m.info2&info2CreateOnly != 0:
		return rcKeyExists
	case m.info2&info2Generation != 0 && (old == nil || old.generation != m.generation):
		return rcGenerationError
	case m.info2&info2GenerationGT != 0 && (old == nil || m.generation <= old.generation):
		return rcGenerationError
	}
	return rcOK
}

// apply performs one op on r and reports whether it reads.
func apply(r *record, o *op) (rc byte, read bool) {
	switch o.code {
	case opRead:
		return rcOK, true
	case opWrite:
		r.set(o.name, o.particle, o.value)
	case opAdd:
		return r.add(o.name, o.particle, o.value), false
	case opAppend, opPrepend:
		return r.concat(o.name, o.particle, o.value, o.code == opPrepend), false
	case opTouch:
	case opDelete:
		r.bins = nil
	default:
		return rcUnsupportedFeature, false
	}
	return rcOK, false
}

// readOp appends what a read op inside a write returns: the named bin, or
// every bin for a nameless read.
func readOp(ops []op, r *record, o *op) []op {
	if len(o.name) == 0 {
		return appendBins(ops, r)
	}
	if b := r.bin(o.name); b != nil {
		ops = append(ops, binOp(b))
	}
	return ops
}

// voidTime turns a write's TTL into the record's void time.
func (s *Server) voidTime(ttl, current uint32) uint32 {
	switch ttl {
	case 0, ttlNeverExpire:
		return 0
	case ttlDontUpdate:
		return current
	}
	return s.store.epochNow() + ttl
}
