package scenarios

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Every broken scenario in testdata/broken gives exactly the messages in
// its .err golden file, each naming file:line:col.
func TestBrokenScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	if err != nil || len(files) < 15 {
		t.Fatalf("want at least 15 broken scenarios, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			_, err := Load(file)
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Load(%s) = %v; want an ErrorList", file, err)
			}
			for _, e := range list {
				if e.File != file || e.Line < 1 || e.Col < 1 {
					t.Errorf("error %q lacks its position in %s", e, file)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("Load(%s) errors:\n%s\nwant:\n%s", file, got, want)
			}
		})
	}
}

func TestErrorsAs(t *testing.T) {
	_, err := Parse("x.yaml", []byte("name: [1"))
	var e *Error
	if !errors.As(err, &e) || e.File != "x.yaml" {
		t.Errorf("errors.As(%v, *Error) found %v; want the first error", err, e)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"service_time", "servers", "queue_limit", "profile", "kv"}
	tests := []struct{ got, want string }{
		{"service_tme", `; did you mean "service_time"?`},
		{"servres", `; did you mean "servers"?`},
		{"Profile", `; did you mean "profile"?`},
		{"kb", `; did you mean "kv"?`},
		{"colour", ""},
		{"x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.got, func(t *testing.T) {
			if got := suggest(tt.got, known); got != tt.want {
				t.Errorf("suggest(%q) = %q; want %q", tt.got, got, tt.want)
			}
		})
	}
}
