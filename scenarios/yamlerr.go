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

// syntaxError turns a YAML parser error into a positioned Error.
//
// Subtleness ahead: yaml.v3 names a line but not always the line at fault.
// Scanner errors name it (1-based), parser errors name the 0-based line of
// the enclosing block or flow collection, so a problem on line 80 may be
// reported as "line 79" or as the line a mapping starts on. It is never
// after the problem, though. So the error is found again by parsing
// prefixes of the file: the shortest prefix that fails with the same
// problem ends on the line at fault. Longer prefixes fail too (a problem
// does not go away when more text follows), so a binary search between
// yaml.v3's line and the end finds it in a few parses. The column is that
// line's first non-blank character: yaml.v3 does not say more.
func syntaxError(name string, data []byte, err error) *Error {
	var more errMoreDocuments
	if errors.As(err, &more) {
		return &Error{File: name, Line: max(more.at.Line, 1), Col: max(more.at.Column, 1),
			Msg: "a scenario is one YAML document; found another one here"}
	}
	msg, line := splitYAMLError(err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(k int) bool {
		_, err := parseYAML(bytes.Join(lines[:k], nil))
		if err == nil {
			return false
		}
		m, _ := splitYAMLError(err)
		return m == msg
	}
	// The smallest k in [lo, hi] with fails(k); fails(len(lines)) holds.
	lo, hi := min(max(line, 1), len(lines)), len(lines)
	for lo < hi {
		if mid := lo + (hi-lo)/2; fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return &Error{File: name, Line: lo, Col: firstNonBlank(lines[lo-1]), Msg: "invalid YAML: " + msg}
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
