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

// The human units of scenario files. Each parser takes a scalar's text and
// returns a value or an error that says what was expected; the decoder
// puts the position in front.

var errNegative = errors.New("must not be negative")

// Upper bounds that keep every derived quantity finite and exact: a rate
// times the longest time.Duration stays far below float64's range, and a
// whole count stays exact in a float64.
const (
	maxRate  = 1e12    // ops/s
	maxCount = 1 << 53 // keys
	maxSize  = 1 << 30 // bytes
)

// parseDuration reads Go durations ("30s", "250ms", "250us", "250µs",
// "1m30s", "2h"); a bare 0 is allowed, other bare numbers lack a unit.
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

var numberRE = regexp.MustCompile(`^([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKMG]?)$`)

var countSuffixes = map[string]float64{"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}

// parseCount reads counts and weights: plain numbers ("500", "0.5",
// "1e3") and the decimal suffixes k, M and G ("50k", "1.2M", "3G").
func parseCount(s string) (float64, error) {
	bad := fmt.Errorf("expected a number like 500, 50k or 1.2M, got %q", s)
	m := numberRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, bad
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, bad
	}
	v *= countSuffixes[m[2]]
	switch {
	case v < 0:
		return 0, fmt.Errorf("%s %w", s, errNegative)
	case math.IsInf(v, 0):
		return 0, bad
	}
	return v, nil
}

// parseRate reads a rate in ops/s: a count ("2k"), optionally with "/s"
// ("50k/s"), up to maxRate.
func parseRate(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if c, ok := strings.CutSuffix(t, "/s"); ok {
		t = c
	}
	v, err := parseCount(t)
	if err != nil {
		if errors.Is(err, errNegative) {
			return 0, fmt.Errorf("%s %w", s, errNegative)
		}
		return 0, fmt.Errorf("expected a rate like 500, 50k or 50k/s, got %q", s)
	}
	if v > maxRate {
		return 0, fmt.Errorf("expected a rate of at most 1000G ops/s, got %q", s)
	}
	return v, nil
}

// parseInt reads a whole count ("64", "10k") up to math.MaxInt32;
// fractions ("1.5") are refused.
func parseInt(s string) (int, error) {
	v, err := parseCount(s)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) {
		return 0, fmt.Errorf("expected a whole number, got %q", s)
	}
	if v > math.MaxInt32 {
		return 0, fmt.Errorf("expected a whole number up to %d, got %q", math.MaxInt32, s)
	}
	return int(v), nil
}

// parseKeyCount reads the size of a keyspace: a whole count from 1 to
// 2^53 ("1M").
func parseKeyCount(s string) (uint64, error) {
	v, err := parseCount(s)
	if err != nil {
		return 0, err
	}
	if v < 1 || v > maxCount || v != math.Trunc(v) {
		return 0, fmt.Errorf("expected a whole number of keys from 1 to 2^53, got %q", s)
	}
	return uint64(v), nil
}

// parseNumber reads a plain finite number without suffixes, such as a
// ratio or an exponent ("0.99", "4").
func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("expected a number like 0.99, got %q", s)
	}
	return v, nil
}

// parseFraction reads a percentage ("0.1%") or a plain fraction
// ("0.001"); the result must lie in [0, 1].
func parseFraction(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if p, ok := strings.CutSuffix(t, "%"); ok {
		t, scale = strings.TrimSpace(p), 0.01
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

var sizeRE = regexp.MustCompile(`^([-+]?[0-9]*\.?[0-9]+)\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB|PB|PiB)?$`)

var sizeUnits = map[string]float64{"": 1, "B": 1, "KB": 1e3, "KiB": 1 << 10, "MB": 1e6, "MiB": 1 << 20,
	"GB": 1e9, "GiB": 1 << 30, "TB": 1e12, "TiB": 1 << 40, "PB": 1e15, "PiB": 1 << 50}

// sizeValue reads a number of bytes with an optional unit; ok is false
// when s is not one.
func sizeValue(s string) (v float64, ok bool) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return v * sizeUnits[m[2]], true
}

// parseSize reads byte sizes: "512", "512B", "4KB" (4000), "4KiB" (4096),
// "1MiB", up to 1GiB, in whole bytes.
func parseSize(s string) (int, error) {
	v, ok := sizeValue(s)
	if !ok {
		return 0, fmt.Errorf("expected a size like 512B, 4KiB or 1MiB, got %q", s)
	}
	switch {
	case v < 0:
		return 0, fmt.Errorf("size %s %w", s, errNegative)
	case v != math.Trunc(v) || v > maxSize:
		return 0, fmt.Errorf("expected a whole number of bytes up to 1GiB, got %q", s)
	}
	return int(v), nil
}

// maxBytes bounds the capacity sizes of a forecast (node memory and disk,
// record sizes): 1 EiB, far above any node, far below float64's range.
const maxBytes = 1 << 60

// parseBytes reads a capacity size in bytes, the units of [parseSize] and
// also TB, TiB, PB and PiB ("64GiB", "1.76TiB"); fractions of a byte are
// kept, as "1.76TiB" is not a whole number of them.
func parseBytes(s string) (float64, error) {
	v, ok := sizeValue(s)
	switch {
	case !ok || math.IsNaN(v):
		return 0, fmt.Errorf("expected a size like 1.5KiB, 64GiB or 1.76TiB, got %q", s)
	case v < 0:
		return 0, fmt.Errorf("size %s %w", s, errNegative)
	case v > maxBytes:
		return 0, fmt.Errorf("expected a size up to 1024PiB, got %q", s)
	}
	return v, nil
}

// parsePercent reads a non-negative ratio as a percentage ("20%") or a
// plain number ("0.2"), without an upper bound: the caller checks the
// range that makes sense for it.
func parsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if p, ok := strings.CutSuffix(t, "%"); ok {
		t, scale = strings.TrimSpace(p), 0.01
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("expected a percentage like 20%% or a ratio like 0.2, got %q", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("%s %w", s, errNegative)
	}
	return v * scale, nil
}

// maxCores bounds a CPU quantity: far above any pod's request.
const maxCores = 1e6

// parseCores reads a CPU quantity in cores as Kubernetes writes it: "2",
// "0.5" or millicores "500m".
func parseCores(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if m, ok := strings.CutSuffix(t, "m"); ok {
		t, scale = m, 1e-3
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("expected CPU cores like 2, 0.5 or 500m, got %q", s)
	}
	v *= scale
	switch {
	case v < 0:
		return 0, fmt.Errorf("%s %w", s, errNegative)
	case v > maxCores:
		return 0, fmt.Errorf("expected at most %g cores, got %q", float64(maxCores), s)
	}
	return v, nil
}
