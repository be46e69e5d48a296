package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Anchors, aliases and merge keys work as YAML says: keys set beside a
// merge key win, the first merged mapping wins over later ones, and
// extension keys (x-...) hold anchors without being read.
func TestMergeKeys(t *testing.T) {
	p, err := Parse("merge.yaml", []byte(`
name: merge
x-sim: &sim {driver: sim, servers: 8, service_time: 1ms}
x-op: &op {weight: 1, target: kv, keyspace: items, op: get}
x-slow: &slow {options: {service_time: 5ms}, weight: 3}
targets:
  kv: *sim
  kv-big: {<<: *sim, servers: 64}
keyspaces:
  items: {count: 1k}
mix:
  read: *op
  write: {<<: *op, op: put, value_size: 1KiB}
  scan: {<<: [*slow, *op], op: batch-get}
profile:
  - &stage {name: a, duration: 1s, rate: 10}
  - {<<: *stage, name: b}
`))
	if err != nil {
		t.Fatal(err)
	}
	type opSummary struct {
		Name, Kind string
		Weight     float64
		Service    time.Duration
	}
	var got []opSummary
	for _, op := range p.Ops {
		s := opSummary{Name: op.Name, Kind: op.Kind, Weight: op.Weight}
		if op.Sim != nil {
			s.Service = op.Sim.ServiceTime
		}
		got = append(got, s)
	}
	want := []opSummary{{"read", "get", 1, 0}, {"write", "put", 1, 0}, {"scan", "batch-get", 3, 5 * time.Millisecond}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ops (-want +got):\n%s", diff)
	}
	if a, b := p.Targets[0].Sim.Servers, p.Targets[1].Sim.Servers; a != 8 || b != 64 {
		t.Errorf("servers = %d, %d; want 8, 64", a, b)
	}
	if len(p.Stages) != 2 || p.Stages[1].Name != "b" || p.Stages[1].Duration != time.Second {
		t.Errorf("stages = %+v; want a and b, 1s each", p.Stages)
	}
}

// Aliases let a small file name a large mapping many times over; the walk
// stops with an error instead of taking exponential time.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: bomb\nx-0: &a0 {driver: sim, servers: 1, service_time: 1ms}\n")
	for i := 1; i <= 9; i++ { // a9 merges a0 10^9 times over
		fmt.Fprintf(&b, "x-%d: &a%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	b.WriteString("targets: {kv: *a9}\n")
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if !strings.Contains(fmt.Sprint(err), "the scenario is too large") {
		t.Errorf("Parse(alias bomb) = %v; want too large", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Parse(alias bomb) took %v", d)
	}
}

// Several problems come back together, sorted by position, each one an
// *Error.
func TestErrorListSorted(t *testing.T) {
	_, err := Parse("many.yaml", []byte(`
profile: [{name: a, duration: 0s, rate: 1}]
name: BAD
targets: {kv: {driver: sim, servers: 0, service_time: 1ms}}
`))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse = %v; want an ErrorList", err)
	}
	for i := 1; i < len(list); i++ {
		if a, b := list[i-1], list[i]; a.Line > b.Line || a.Line == b.Line && a.Col > b.Col {
			t.Errorf("errors out of order: %v before %v", a, b)
		}
	}
	var first *Error
	if !errors.As(err, &first) || first != list[0] {
		t.Errorf("errors.As(*Error) = %v; want the first, %v", first, list[0])
	}
	if len(list) != 4 {
		t.Errorf("got %d errors:\n%v\nwant 4: missing mix, duration, name, servers", len(list), err)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{File: "a.yaml", Line: 3, Col: 7, Msg: "bad"}
	if got, want := e.Error(), "a.yaml:3:7: bad"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	l := ErrorList{e, {File: "a.yaml", Line: 4, Col: 1, Msg: "worse"}}
	if got, want := l.Error(), "a.yaml:3:7: bad\na.yaml:4:1: worse"; got != want {
		t.Errorf("ErrorList.Error() = %q; want %q", got, want)
	}
}
