package scenarios

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// splitYAMLError returns a yaml.v3 error's problem and the line it names,
// 0 when it names none.
func splitYAMLError(err error) (msg string, line int) {
	msg = err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	return strings.ReplaceAll(msg, "\n", " "), line
}

// maxSearchBytes bounds the text re-parsed to place a syntax error.
const maxSearchBytes = 8 << 20

// syntaxError turns a YAML parser error into a positioned Error.
//
// Subtleness ahead: yaml.v3 names a line but not always the line at fault.
// Scanner errors name it (1-based), parser errors name the 0-based line of
// the enclosing block or flow collection, so a problem on line 8 may be
// reported as "line 7" or as the line a mapping starts on. It is never
// after the problem, though. So the error is found again by parsing ever
// longer prefixes of the file, starting at that line: the first prefix
// that fails with the same problem ends on the line at fault. The column
// is that line's first non-blank character: yaml.v3 does not say more.
func syntaxError(name string, data []byte, err error) *Error {
	var more errMoreDocuments
	if errors.As(err, &more) {
		return &Error{File: name, Line: max(more.at.Line, 1), Col: max(more.at.Column, 1),
			Msg: "a scenario is one YAML document; found another one here"}
	}
	msg, line := splitYAMLError(err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	prefix := bytes.Join(lines[:min(max(line-1, 0), len(lines))], nil)
	parsed := 0
	for k := max(line, 1); k <= len(lines); k++ {
		prefix = append(prefix, lines[k-1]...)
		if parsed += len(prefix); parsed > maxSearchBytes {
			break
		}
		if _, err := parseYAML(prefix); err != nil {
			if m, _ := splitYAMLError(err); m == msg {
				return &Error{File: name, Line: k, Col: firstNonBlank(lines[k-1]), Msg: "invalid YAML: " + msg}
			}
		}
	}
	return &Error{File: name, Line: max(line, 1), Col: 1, Msg: "invalid YAML: " + msg}
}

// firstNonBlank returns the 1-based column, in characters, of the first
// character of line that is not a space or a tab.
func firstNonBlank(line []byte) int {
	i := bytes.IndexFunc(line, func(r rune) bool { return r != ' ' && r != '\t' })
	if i < 0 {
		return 1
	}
	return utf8.RuneCount(line[:i]) + 1
}
