package coordinator

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/surgeload/surge/coordinator/wire"
)

// CheckpointFile is the distributed run's write-ahead log in the results
// directory: the run's identity, its drivers and every merged interval,
// written before a driver's interval is acknowledged. A coordinator
// restarted on the same directory replays it and carries on.
const CheckpointFile = "run.checkpoint"

// The checkpoint's record kinds.
const (
	recHeader byte = iota + 1 // run ID, spec hash, spec, drivers planned
	recStart                  // start wall time, the started drivers
	recWindow                 // one merged interval and who is in it
	recLost                   // a driver declared lost
	recDone                   // a driver finished
	recEnd                    // the results are written
)

// ckDriver is a started driver as the checkpoint records it.
type ckDriver struct {
	id, index, shard int
	name             string
}

// ckState is what a checkpoint holds besides its windows.
type ckState struct {
	runID, hash string
	spec        wire.RunSpec
	planned     int
	started     bool
	startedAt   time.Time
	drivers     []ckDriver
	lost        []lostDriver
	done        map[int]int64
	ended       bool
}

// lostDriver is a driver declared lost.
type lostDriver struct {
	id             int
	at, reportedTo time.Duration
	reason         string
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// checkpoint appends records to the log. Records are framed as a 4-byte
// length, a CRC-32C and the kind and body, so a record torn by a crash is
// found on replay and cut off.
type checkpoint struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
	err error // the first write error; the checkpoint is then dead
}

// createCheckpoint starts a new log at path.
func createCheckpoint(path string) (*checkpoint, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return &checkpoint{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// appendCheckpoint reopens the log at path to append after its first
// size bytes, the valid part a replay found.
func appendCheckpoint(path string, size int64) (*checkpoint, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return &checkpoint{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// record appends one record; body appends the record's body to b.
func (c *checkpoint) record(kind byte, body func(b []byte) []byte) {
	if c.err != nil {
		return
	}
	b := append(c.buf[:0], 0, 0, 0, 0, 0, 0, 0, 0, kind)
	b = body(b)
	binary.BigEndian.PutUint32(b[0:], uint32(len(b)-8))
	binary.BigEndian.PutUint32(b[4:], crc32.Checksum(b[8:], crcTable))
	c.buf = b
	if _, err := c.w.Write(b); err != nil {
		c.err = fmt.Errorf("checkpoint: %w", err)
	}
}

// sync makes every record so far durable: only then may the intervals in
// them be acknowledged.
func (c *checkpoint) sync() error {
	if c.err == nil {
		if err := c.w.Flush(); err != nil {
			c.err = fmt.Errorf("checkpoint: %w", err)
		} else if err := c.f.Sync(); err != nil {
			c.err = fmt.Errorf("checkpoint: %w", err)
		}
	}
	return c.err
}

func (c *checkpoint) close() error {
	return errors.Join(c.sync(), c.f.Close())
}

func (c *checkpoint) header(st *ckState) {
	c.record(recHeader, func(b []byte) []byte {
		b = wire.AppendString(b, st.runID)
		b = wire.AppendString(b, st.hash)
		b = binary.AppendUvarint(b, uint64(st.planned))
		return wire.MarshalSpec(b, &st.spec)
	})
}

func (c *checkpoint) start(at time.Time, ds []ckDriver) {
	c.record(recStart, func(b []byte) []byte {
		b = binary.AppendVarint(b, at.UnixNano())
		b = binary.AppendUvarint(b, uint64(len(ds)))
		for _, d := range ds {
			b = binary.AppendUvarint(b, uint64(d.id))
			b = binary.AppendVarint(b, int64(d.index))
			b = binary.AppendUvarint(b, uint64(d.shard))
			b = wire.AppendString(b, d.name)
		}
		return b
	})
}

func (c *checkpoint) window(from []int, r *wire.Report) {
	c.record(recWindow, func(b []byte) []byte {
		b = binary.AppendUvarint(b, uint64(len(from)))
		for _, d := range from {
			b = binary.AppendUvarint(b, uint64(d))
		}
		return r.Marshal(b)
	})
}

func (c *checkpoint) lost(l lostDriver) {
	c.record(recLost, func(b []byte) []byte {
		b = binary.AppendUvarint(b, uint64(l.id))
		b = binary.AppendVarint(b, int64(l.at))
		b = binary.AppendVarint(b, int64(l.reportedTo))
		return wire.AppendString(b, l.reason)
	})
}

func (c *checkpoint) done(id int, last int64) {
	c.record(recDone, func(b []byte) []byte {
		b = binary.AppendUvarint(b, uint64(id))
		return binary.AppendVarint(b, last)
	})
}

func (c *checkpoint) end() { c.record(recEnd, func(b []byte) []byte { return b }) }

// readRunCheckpoint replays the log at path: it returns its state, calls
// window for each merged interval in order, and returns the length of the
// log's valid part (a torn last record is not part of it). No log is a nil
// state and no error.
func readRunCheckpoint(path string, window func(from []int, r *wire.Report) error) (*ckState, int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 256<<10)
	st := &ckState{done: map[int]int64{}}
	var valid int64
	var body []byte
	var rep wire.Report
	var from []int
	for {
		var h [8]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			break // the end, or a torn header
		}
		n := binary.BigEndian.Uint32(h[0:])
		if n == 0 || n > wire.MaxFrame {
			break
		}
		body = slices.Grow(body[:0], int(n))[:n]
		if _, err := io.ReadFull(r, body); err != nil || crc32.Checksum(body, crcTable) != binary.BigEndian.Uint32(h[4:]) {
			break
		}
		if valid == 0 && body[0] != recHeader {
			return nil, 0, fmt.Errorf("%s: not a surge checkpoint", path)
		}
		d := wire.NewDecoder(body[1:])
		var nested error // from a message at the record's end
		switch body[0] {
		case recHeader:
			st.runID, st.hash, st.planned = d.Str(), d.Str(), int(d.Uint())
			nested = wire.UnmarshalSpec(d.Rest(), &st.spec)
		case recStart:
			st.started, st.startedAt = true, time.Unix(0, d.Int())
			st.drivers = st.drivers[:0]
			for i, n := 0, d.Uint(); i < int(min(n, uint64(len(body)))); i++ {
				st.drivers = append(st.drivers, ckDriver{id: int(d.Uint()), index: int(d.Int()), shard: int(d.Uint()), name: d.Str()})
			}
		case recWindow:
			from = from[:0]
			for i, n := 0, d.Uint(); i < int(min(n, uint64(len(body)))); i++ {
				from = append(from, int(d.Uint()))
			}
			if nested = rep.Unmarshal(d.Rest()); nested == nil && d.Err() == nil {
				nested = window(from, &rep)
			}
		case recLost:
			st.lost = append(st.lost, lostDriver{id: int(d.Uint()), at: time.Duration(d.Int()), reportedTo: time.Duration(d.Int()), reason: d.Str()})
		case recDone:
			id := int(d.Uint())
			st.done[id] = d.Int()
		case recEnd:
			st.ended = true
		default:
			nested = fmt.Errorf("unknown record kind %d", body[0])
		}
		if err := errors.Join(d.Err(), nested); err != nil {
			return nil, 0, fmt.Errorf("%s: record at byte %d: %w (move the file away to start afresh)", path, valid, err)
		}
		valid += 8 + int64(n)
	}
	if valid == 0 {
		return nil, 0, nil
	}
	return st, valid, nil
}
