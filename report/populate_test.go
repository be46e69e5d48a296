package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPopulateLine(t *testing.T) {
	for _, tc := range []struct {
		r    PopulateResult
		want string
	}{
		{PopulateResult{Keyspace: "catalogue", Keys: 1000000, Done: 412000, Rate: 20000, Errors: map[string]int64{"timeout": 3}},
			"populate catalogue   41%  412000/1000000 keys  20000/s  3 failed  eta 29s"},
		{PopulateResult{Keyspace: "carts", Keys: 10, Done: 10, Rate: 5.25},
			"populate carts  100%  10/10 keys  5.3/s  0 failed"},
		{PopulateResult{Keyspace: "carts", Keys: 10}, "populate carts    0%  0/10 keys  0/s  0 failed"},
	} {
		if got := PopulateLine(&tc.r); got != tc.want {
			t.Errorf("PopulateLine(%+v)\n got %q\nwant %q", tc.r, got, tc.want)
		}
	}
}

func TestPopulateCheckpoint(t *testing.T) {
	c := &PopulateCheckpoint{Scenario: "sale", Keyspaces: testMeta.Populate}
	var buf bytes.Buffer
	if err := WritePopulateCheckpoint(&buf, c); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPopulateCheckpoint(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c, back); d != "" {
		t.Errorf("checkpoint changed on the way back (-wrote +read):\n%s", d)
	}
	for _, in := range []string{`{"schema":"surge.results/v1"}`, `{"schema":`, ``} {
		if _, err := ReadPopulateCheckpoint(strings.NewReader(in)); err == nil {
			t.Errorf("ReadPopulateCheckpoint(%q) accepted it", in)
		}
	}
}
