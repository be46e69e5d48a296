package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no input makes the loader panic; every error it returns is
// positioned in the named file; every scenario it accepts is runnable.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	bundledSeeds, _ := filepath.Glob(filepath.Join("bundled", "*.yaml"))
	for _, s := range append(seeds, bundledSeeds...) {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Parse error %v is not a non-empty ErrorList", err)
			}
			for _, e := range list {
				if e.File != "fuzz.yaml" || e.Line < 1 || e.Col < 1 {
					t.Fatalf("error %q is not positioned in fuzz.yaml", e)
				}
			}
			return
		}
		if len(p.Targets) == 0 || len(p.Ops) == 0 || len(p.Stages) == 0 {
			t.Fatalf("accepted a plan with %d targets, %d ops, %d stages", len(p.Targets), len(p.Ops), len(p.Stages))
		}
		total := 0.0
		for _, op := range p.Ops {
			if op.Target < 0 || op.Target >= len(p.Targets) || op.Keyspace < 0 || op.Keyspace >= len(p.Keyspaces) {
				t.Fatalf("op %q refers to target %d, keyspace %d out of range", op.Name, op.Target, op.Keyspace)
			}
			if p.Keyspaces[op.Keyspace].Keys == nil {
				t.Fatalf("op %q draws from keyspace %q with no distribution", op.Name, p.Keyspaces[op.Keyspace].Name)
			}
			total += op.Weight
		}
		if !(total > 0) {
			t.Fatalf("accepted weights summing to %v", total)
		}
	})
}
