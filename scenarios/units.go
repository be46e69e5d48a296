package scenarios

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The human units of scenario files. Each parser takes the scalar's text and
// returns a value or an error that says what was expected.

var errNegative = errors.New("must not be negative")

// parseDuration reads Go durations ("30s", "250us", "250µs", "1m30s");
// a bare 0 is allowed, other bare numbers lack a unit.
func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("expected a duration like 30s, 250ms or 1m30s, got %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %s %w", s, errNegative)
	}
	return d, nil
}

var numberRE = regexp.MustCompile(`^(-?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKMG]?)$`)

// parseCount reads counts and rates: "50k", "1.2M", "3G", plain numbers,
// and "50k/s" for rates.
func parseCount(s string) (float64, error) {
	m := numberRE.FindStringSubmatch(strings.TrimSuffix(strings.TrimSpace(s), "/s"))
	if m == nil {
		return 0, fmt.Errorf("expected a number like 500, 50k or 1.2M, got %q", s)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("expected a number like 500, 50k or 1.2M, got %q", s)
	}
	v *= map[string]float64{"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}[m[2]]
	if v < 0 {
		return 0, fmt.Errorf("%s %w", s, errNegative)
	}
	return v, nil
}

// parseInt reads a whole count ("64", "10k"); fractions are refused.
func parseInt(s string) (int, error) {
	v, err := parseCount(s)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) || v > math.MaxInt32 {
		return 0, fmt.Errorf("expected a whole number, got %q", s)
	}
	return int(v), nil
}

// parseFraction reads "0.1%" or a plain fraction "0.001"; the result must
// lie in [0, 1].
func parseFraction(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(t, "%") {
		t, scale = strings.TrimSpace(strings.TrimSuffix(t, "%")), 0.01
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) {
		return 0, fmt.Errorf("expected a percentage like 0.1%% or a fraction like 0.001, got %q", s)
	}
	v *= scale
	if v < 0 || v > 1 {
		return 0, fmt.Errorf("expected a fraction between 0 and 1 (0%% to 100%%), got %q", s)
	}
	return v, nil
}

var sizeRE = regexp.MustCompile(`^(-?[0-9]*\.?[0-9]+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$`)

var sizeUnits = map[string]float64{"": 1, "B": 1, "KB": 1e3, "KiB": 1 << 10, "MB": 1e6, "MiB": 1 << 20, "GB": 1e9, "GiB": 1 << 30}

// parseSize reads byte sizes: "512", "512B", "4KB" (4000), "4KiB" (4096),
// "1MiB".
func parseSize(s string) (int, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("expected a size like 512B, 4KiB or 1MiB, got %q", s)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("expected a size like 512B, 4KiB or 1MiB, got %q", s)
	}
	v *= sizeUnits[m[2]]
	switch {
	case v < 0:
		return 0, fmt.Errorf("size %s %w", s, errNegative)
	case v != math.Trunc(v) || v > 1<<30:
		return 0, fmt.Errorf("expected a whole number of bytes up to 1GiB, got %q", s)
	}
	return int(v), nil
}
