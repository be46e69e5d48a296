package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// YAML syntax errors are placed on the line at fault, although yaml.v3
// often names an earlier one.
func TestSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"double comma", "a: 1\nb: 2\nc: {x: 1,, y: 2}\n", 3, 1, "did not find expected node content"},
		{"unclosed flow mapping", "a: 1\nb: 2\nc: {x: 1, y: 2\nd: 3\n", 3, 1, "did not find expected ',' or '}'"},
		{"unclosed flow list", "a: 1\nb: 2\nc: [1, 2\n", 3, 1, "did not find expected ',' or ']'"},
		{"unterminated quote", "a: 1\nb: \"abc\nc: 2\n", 2, 1, "found unexpected end of stream"},
		{"tab indentation", "a: 1\nb: 2\n\tc: 3\n", 3, 2, "found a tab character that violates indentation"},
		{"key without value", "a: 1\nb: 2\nc: 3\nd\n", 4, 1, "could not find expected ':'"},
		{"bad dedent", "a: 1\nb: 2\nc:\n  d: 1\n e: 2\n", 5, 2, "did not find expected key"},
		{"list in mapping", "a: 1\n- b\n", 2, 1, "did not find expected key"},
		{"unknown anchor", "a: 1\nb: 2\nc: *nope\n", 3, 1, "unknown anchor 'nope' referenced"},
		{"reserved character", "a: 1\nb: 2\nc: 3\nd: 4\ne: @x\n", 5, 1, "found character that cannot start any token"},
		{"nested stage", "profile:\n  - {name: x, duration: 1s\n  - {name: y}\n", 2, 3, "did not find expected ',' or '}'"},
		{"deep in a long file", strings.Repeat("k: {a: 1}\n", 300) + "- x\n" + strings.Repeat("k: 1\n", 300), 301, 1, "did not find expected key"},
		{"first line", "{a: 1,, b: 2}", 1, 1, "did not find expected node content"},
		{"second document", "name: a\n---\nname: b\n", 3, 1, "a scenario is one YAML document; found another one here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v; want an *Error", tt.src, err)
			}
			want := fmt.Sprintf("s.yaml:%d:%d: invalid YAML: %s", tt.line, tt.col, tt.msg)
			if tt.name == "second document" {
				want = fmt.Sprintf("s.yaml:%d:%d: %s", tt.line, tt.col, tt.msg)
			}
			if got := err.Error(); got != want {
				t.Errorf("Parse(%q) = %s; want %s", tt.src, got, want)
			}
		})
	}
}

// A trailing document separator with nothing after it is not a second
// document.
func TestTrailingSeparator(t *testing.T) {
	_, err := Parse("s.yaml", []byte("name: x\n---\n"))
	var e *Error
	if !errors.As(err, &e) || e.Msg != `the scenario: missing required key "targets"` {
		t.Errorf("Parse = %v; want only the missing keys", err)
	}
}
