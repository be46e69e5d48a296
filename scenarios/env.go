package scenarios

import (
	"fmt"
	"strings"
)

// Option changes how a scenario is loaded.
type Option func(*decoder)

// WithEnv gives the loader the variables that ${NAME} and ${NAME:-default}
// in scalar values expand to. lookup is typically os.LookupEnv, or a map
// of --env flags in front of it. Without WithEnv every ${NAME} is unset.
func WithEnv(lookup func(name string) (string, bool)) Option {
	return func(d *decoder) { d.env = lookup }
}

// expand replaces ${NAME} and ${NAME:-default} in s. A variable that is
// unset (or set to "") takes its default; one with no default is an error,
// as is a "${" with no closing brace or a name that is not [A-Za-z0-9_]+.
// "$$" stands for a literal "$".
func (d *decoder) expand(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "$$"):
			b.WriteByte('$')
			s = s[2:]
			continue
		case !strings.HasPrefix(s, "${"):
			b.WriteByte('$')
			s = s[1:]
			continue
		}
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", fmt.Errorf("%q has a \"${\" with no closing \"}\"", s)
		}
		name, def, hasDef := strings.Cut(s[2:end], ":-")
		if !envNameOK(name) {
			return "", fmt.Errorf("${%s}: expected an environment variable name of letters, digits and '_'", s[2:end])
		}
		v, ok := "", false
		if d.env != nil {
			v, ok = d.env(name)
		}
		switch {
		case ok && v != "":
			b.WriteString(v)
		case hasDef:
			b.WriteString(def)
		default:
			return "", fmt.Errorf("environment variable %s is not set, and ${%s} has no default (write ${%s:-value}, or pass --env %s=value)", name, name, name, name)
		}
		s = s[end+1:]
	}
}

func envNameOK(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
