package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

//go:embed bundled/*.yaml
var bundled embed.FS

// Info describes a bundled scenario.
type Info struct {
	Name        string
	Description string
}

// Bundled lists the scenarios embedded in surge, sorted by name.
func Bundled() []Info {
	files, _ := fs.Glob(bundled, "bundled/*.yaml") // the pattern is valid
	var out []Info
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".yaml")
		info := Info{Name: name}
		if p, err := LoadBundled(name); err == nil {
			info.Description = p.Description
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// LoadBundled loads the bundled scenario called name.
func LoadBundled(name string, opts ...Option) (*Plan, error) {
	data, err := bundled.ReadFile("bundled/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no bundled scenario %q: %w", name, fs.ErrNotExist)
	}
	p, err := Parse("bundled:"+name+".yaml", data, opts...)
	if p != nil {
		p.Source = "bundled:" + name
	}
	return p, err
}

// Resolve loads what a user named on the command line: a scenario file if
// one exists at arg, otherwise the bundled scenario of that name. A name
// that is neither is an error wrapping [fs.ErrNotExist] that lists the
// bundled scenarios.
func Resolve(arg string, opts ...Option) (*Plan, error) {
	if _, err := os.Stat(arg); err == nil {
		return Load(arg, opts...)
	}
	p, err := LoadBundled(arg, opts...)
	if errors.Is(err, fs.ErrNotExist) {
		var names []string
		for _, b := range Bundled() {
			names = append(names, b.Name)
		}
		return nil, fmt.Errorf("scenario %q is neither a file nor a bundled scenario (bundled: %s): %w",
			arg, strings.Join(names, ", "), fs.ErrNotExist)
	}
	return p, err
}

// ReadSource returns the source of what a user named on the command line,
// as [Resolve] finds it: the file name that errors quote and its bytes.
// [Parse] of the two gives the plan Resolve gives.
func ReadSource(arg string) (file string, data []byte, err error) {
	if _, err := os.Stat(arg); err == nil {
		data, err := os.ReadFile(arg)
		if err != nil {
			return "", nil, fmt.Errorf("read scenario: %w", err)
		}
		return arg, data, nil
	}
	data, err = bundled.ReadFile("bundled/" + arg + ".yaml")
	if err != nil {
		_, err = Resolve(arg) // the error that lists the bundled scenarios
		return "", nil, err
	}
	return "bundled:" + arg + ".yaml", data, nil
}
