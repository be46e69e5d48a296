package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/surgeload/surge/coordinator/wire"
)

var update = flag.Bool("update", false, "rewrite the fuzz seeds in testdata/fuzz")

// numTypes is the number of message types; FuzzDecode maps its first byte
// onto them.
const numTypes = int(wire.TypeFinished)

// decodeSeed is FuzzDecode's input for m: its type, then its body.
func decodeSeed(m wire.Message) []byte {
	return m.Marshal([]byte{byte(m.Type()) - 1})
}

// seeds returns the seed corpora: file name to input, per fuzz target.
func seeds() map[string]map[string][]byte {
	s := map[string]map[string][]byte{"FuzzDecode": {}, "FuzzReadFrame": {}}
	for _, m := range sampleMessages() {
		s["FuzzDecode"][m.Type().String()] = decodeSeed(m)
		s["FuzzReadFrame"][m.Type().String()] = wire.AppendFrame(nil, m)
	}
	return s
}

func corpusFile(data []byte) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data)
}

// TestFuzzSeeds checks that the seed corpora under testdata/fuzz are the
// current encodings of sampleMessages; -update rewrites them.
func TestFuzzSeeds(t *testing.T) {
	for target, files := range seeds() {
		dir := filepath.Join("testdata", "fuzz", target)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for name, data := range files {
			path := filepath.Join(dir, name)
			want := corpusFile(data)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%v (run go test -run TestFuzzSeeds -update)", err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale (run go test -run TestFuzzSeeds -update)", path)
			}
		}
	}
}

// FuzzDecode checks every message decoder: its first byte picks the type,
// the rest is the body. Unmarshal must not panic and must reject with
// ErrMalformed; what it accepts must re-encode to a message that decodes
// equal and re-encodes to the same bytes; and decoding into a used
// message must give what decoding into a new one gives.
func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(decodeSeed(m))
	}
	used := sampleMessages()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		i := int(data[0]) % numTypes
		typ, body := wire.Type(i+1), data[1:]
		m := wire.New(typ)
		err := m.Unmarshal(body)
		if reused := used[i]; errors.Is(reused.Unmarshal(body), wire.ErrMalformed) != (err != nil) {
			t.Fatalf("%v: Unmarshal into a used message disagrees with a new one (%v)", typ, err)
		} else if err == nil && !cmp.Equal(m, reused, cmpOpts) {
			t.Fatalf("%v: Unmarshal into a used message: %s", typ, cmp.Diff(m, reused, cmpOpts))
		}
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("%v: Unmarshal = %v; want an error matching ErrMalformed", typ, err)
			}
			return
		}
		enc := m.Marshal(nil)
		again := wire.New(typ)
		if err := again.Unmarshal(enc); err != nil {
			t.Fatalf("%v: Unmarshal(Marshal(Unmarshal(% x))) = %v", typ, body, err)
		}
		if !cmp.Equal(m, again, cmpOpts) {
			t.Fatalf("%v: round trip mismatch (-first +second):\n%s", typ, cmp.Diff(m, again, cmpOpts))
		}
		if enc2 := again.Marshal(nil); !bytes.Equal(enc, enc2) {
			t.Fatalf("%v: re-encoding differs:\n% x\n% x", typ, enc, enc2)
		}
	})
}

// FuzzReadFrame checks the framing: ReadFrame must not panic, must fail
// only at the end of the input or with ErrMalformed, and must return the
// header's type and length of body. A body of a known type must decode
// without panicking, and what decodes must frame and read back.
func FuzzReadFrame(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(wire.AppendFrame(nil, m))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, body, err := wire.ReadFrame(bytes.NewReader(data), nil)
		whole := len(data) >= 5 && 5+int64(binary.BigEndian.Uint32(data)) <= int64(len(data))
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			if whole {
				t.Fatalf("ReadFrame = %v on a whole frame", err)
			}
			return
		case errors.Is(err, wire.ErrMalformed):
			return
		case err != nil:
			t.Fatalf("ReadFrame = %v; want an end of input or ErrMalformed", err)
		}
		if !whole || typ != wire.Type(data[4]) || !bytes.Equal(body, data[5:5+binary.BigEndian.Uint32(data)]) {
			t.Fatalf("ReadFrame = %v, % x; want the frame at the start of % x", typ, body, data)
		}
		m := wire.New(typ)
		if m == nil || m.Unmarshal(body) != nil {
			return
		}
		typ2, body2, err := wire.ReadFrame(bytes.NewReader(wire.AppendFrame(nil, m)), nil)
		if err != nil || typ2 != typ || !bytes.Equal(body2, m.Marshal(nil)) {
			t.Fatalf("ReadFrame(AppendFrame(%v)) = %v, % x, %v", typ, typ2, body2, err)
		}
	})
}
