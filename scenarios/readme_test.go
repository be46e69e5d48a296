package scenarios

import (
	"os"
	"strings"
	"testing"
)

// The scenario tour in the README is a real, valid scenario, so the README
// stays true to the loader.
func TestReadmeTourIsValid(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const open = "```yaml\n"
	_, rest, ok := strings.Cut(string(readme), open)
	if !ok {
		t.Fatal("README.md has no scenario tour")
	}
	tour, _, ok := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("the README's scenario tour is not closed")
	}
	p, err := Parse("README.md tour", []byte(tour))
	if err != nil {
		t.Fatalf("the README's scenario tour does not load:\n%v", err)
	}
	if len(p.Keyspaces) != 5 || len(p.Stages) != 5 {
		t.Errorf("tour has %d keyspaces and %d stages; want all 5 distributions and 5 stages", len(p.Keyspaces), len(p.Stages))
	}
	// Every other scenario in the README is valid too.
	blocks := strings.Split(rest, open)
	n := 0
	for _, b := range blocks[1:] {
		yml, _, _ := strings.Cut(b, "```\n")
		if !strings.Contains(yml, "targets:") {
			continue
		}
		n++
		if _, err := Parse("README.md", []byte(yml)); err != nil {
			t.Errorf("a README scenario does not load:\n%v", err)
		}
	}
	if n == 0 {
		t.Error("the README's KV target tour is missing")
	}
}
