package astest

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Frames the v7 client sends, as captured in the protocol brief: a Put of
// {"a": 7} and a Get of the same key in test/demo.
var (
	putFrame = "0203000000000052" + "160001000000" + "00000000" + "00000000" + "000003e6" + "0003" + "0001" +
		"000000050074657374" + "0000000501" + "64656d6f" +
		"0000001504b747f5854d0b33259928d0cfab7fad81d6abfbf6" +
		"0000000d020100016100000000000000" + "07"
	getFrame = "0203000000000041" + "160300000000" + "00000000" + "00000000" + "000003e7" + "0003" + "0000" +
		"000000050074657374" + "0000000501" + "64656d6f" +
		"0000001504b747f5854d0b33259928d0cfab7fad81d6abfbf6"
	// A BatchGet of "k1" and 42 in test/demo: a full row, then a REPEAT row.
	batchFrame = "0203000000000069" + "160900000000" + "00000000" + "00000000" + "000003e8" + "0001" + "0000" +
		"0000004f2a" + "00000002" + "01" +
		"00000000" + "b747f5854d0b33259928d0cfab7fad81d6abfbf6" + "00" + "03" + "0002" + "0000" +
		"000000050074657374" + "0000000501" + "64656d6f" +
		"00000001" + "cf5a1365effa4dc53333f2166d103358f8711096" + "01"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCapturedFrames(t *testing.T) {
	s := &Server{opts: Options{Namespaces: []string{"test"}}, store: &store{records: map[recordKey]*record{}, now: time.Now}}
	var m msg
	for _, tt := range []struct {
		name, frame, wantReply string
	}{
		{"put", putFrame, "0203000000000016" + "16000000000000000001000000000000000000000000"},
		{"get", getFrame, "0203000000000027" + "16000000000000000001000000000000000000000001" +
			"0000000d010100016100000000000000" + "07"},
		{"batch", batchFrame, "0203000000000053" +
			"16000000000000000001000000000000000000000001" + "0000000d010100016100000000000000" + "07" +
			"16000000000200000000000000000000000100000000" +
			"16000001000000000000000000000000000000000000"},
	} {
		typ, body, err := readFrame(bytes.NewReader(mustHex(t, tt.frame)), nil)
		if err != nil || typ != typeMessage {
			t.Fatalf("%s: readFrame = %d, %v", tt.name, typ, err)
		}
		if err := decodeMsg(body, &m); err != nil {
			t.Fatalf("%s: decode: %v", tt.name, err)
		}
		if got := hex.EncodeToString(s.handle(nil, &m)); got != tt.wantReply {
			t.Errorf("%s: reply %s; want %s", tt.name, got, tt.wantReply)
		}
	}
}

func TestInfoAnswersInOrder(t *testing.T) {
	s := &Server{opts: Options{Namespaces: []string{"test", "bar"}}, node: "N1", port: 3000}
	got := string(s.info([]byte("partition-generation\nreplicas\nnode\nfeatures\npeers-clear-std\nnope\n"), "127.0.0.1"))
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	want := []string{"partition-generation\t1", "replicas\ttest:0,1,", "node\tN1", "features\tpscans;",
		"peers-clear-std\t1,3000,[]", "nope\tERROR:4:unrecognized command"}
	if len(lines) != len(want) {
		t.Fatalf("info answered %d lines; want %d:\n%s", len(lines), len(want), got)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q; want prefix %q", i, lines[i], want[i])
		}
	}
	if all := strings.Repeat("////", 170) + "//8="; !strings.Contains(lines[1], "test:0,1,"+all+";bar:0,1,"+all) {
		t.Errorf("replicas does not give this node all partitions of both namespaces: %s", lines[1])
	}
}

// FuzzDecode: no input makes the decoder or the request handler panic;
// what the decoder accepts re-encodes to a message that decodes the same.
func FuzzDecode(f *testing.F) {
	for _, frame := range []string{putFrame, getFrame, batchFrame} {
		f.Add(mustHex(f, frame)[protoHeaderLen:])
	}
	f.Add(make([]byte, msgHeaderLen))
	s := &Server{opts: Options{Namespaces: []string{"test"}}, store: &store{records: map[recordKey]*record{}, now: time.Now}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var m msg
		if err := decodeMsg(body, &m); err != nil {
			return
		}
		frame := appendMsg(nil, &m)
		var again msg
		if err := decodeMsg(frame[protoHeaderLen:], &again); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if diff := cmp.Diff(m, again, cmp.AllowUnexported(msg{}, field{}, op{})); diff != "" {
			t.Fatalf("round trip changed the message (-first +second):\n%s", diff)
		}
		s.handle(nil, &m)
	})
}

// FuzzAdmin: no input makes the security-message decoder or the login
// handler panic; what the decoder accepts re-encodes to a message that
// decodes the same, and every answer is itself a well-formed message.
func FuzzAdmin(f *testing.F) {
	sh, err := newShared(&Options{Users: map[string]string{"surge": "s3cret"}, Now: time.Now})
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{creds: sh.creds, store: sh.store}
	user := field{typ: adminUser, data: []byte("surge")}
	for _, a := range []adminMsg{
		{command: adminLogin, fields: []field{user, {typ: adminCredential, data: sh.creds["surge"]}}},
		{command: adminAuthenticate, fields: []field{user, {typ: adminSessionToken, data: s.token("surge")}}},
		{command: adminLogin},
	} {
		f.Add(appendAdmin(nil, &a)[protoHeaderLen:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a adminMsg
		if err := decodeAdmin(body, &a); err != nil {
			return
		}
		frame := appendAdmin(nil, &a)
		var again adminMsg
		if err := decodeAdmin(frame[protoHeaderLen:], &again); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if diff := cmp.Diff(a, again, cmp.AllowUnexported(adminMsg{}, field{})); diff != "" {
			t.Fatalf("round trip changed the message (-first +second):\n%s", diff)
		}
		sess := &session{}
		out := s.admin(nil, &a, sess)
		typ, reply, err := readFrame(bytes.NewReader(out), nil)
		if err != nil || typ != typeAdmin || decodeAdmin(reply, &again) != nil {
			t.Fatalf("answer %x is not a security message: %v", out, err)
		}
		if sess.user != "" && again.resultCode != rcOK {
			t.Fatalf("rc %d but the connection is logged in", again.resultCode)
		}
	})
}
