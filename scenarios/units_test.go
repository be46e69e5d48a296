package scenarios

import (
	"math"
	"testing"
	"time"
)

// unitCase is one row of a unit parser's table: the input is the row's
// name.
type unitCase[T comparable] struct {
	in      string
	want    T
	wantErr bool
}

// testUnit runs a unit parser over its table, one subtest per input.
func testUnit[T comparable](t *testing.T, name string, parse func(string) (T, error), tests []unitCase[T]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parse(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("%s(%q) error = %v; want error %v", name, tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("%s(%q) = %v; want %v", name, tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	testUnit(t, "parseDuration", parseDuration, []unitCase[time.Duration]{
		{"30s", 30 * time.Second, false},
		{"250ms", 250 * time.Millisecond, false},
		{"250us", 250 * time.Microsecond, false},
		{"250µs", 250 * time.Microsecond, false}, // micro sign
		{"250μs", 250 * time.Microsecond, false}, // Greek mu
		{"1m30s", 90 * time.Second, false},
		{"2h", 2 * time.Hour, false},
		{"1.5s", 1500 * time.Millisecond, false},
		{"0", 0, false},
		{"0s", 0, false},
		{"5", 0, true},   // no unit
		{"-1s", 0, true}, // negative
		{"fast", 0, true},
		{"3d", 0, true},          // no days: say 72h
		{"9999999999h", 0, true}, // overflows
		{"", 0, true},
	})
}

func TestParseCount(t *testing.T) {
	testUnit(t, "parseCount", parseCount, []unitCase[float64]{
		{"500", 500, false},
		{"50k", 50000, false},
		{"50K", 50000, false},
		{"1.2M", 1.2e6, false},
		{"3G", 3e9, false},
		{"0.5", 0.5, false},
		{"1e3", 1000, false},
		{"2 k", 2000, false},
		{"50k/s", 0, true}, // a count is no rate
		{"-5", 0, true},
		{"5m", 0, true}, // milli is not a count
		{"1e308k", 0, true},
		{"NaN", 0, true},
		{"lots", 0, true},
		{"", 0, true},
	})
}

func TestParseRate(t *testing.T) {
	testUnit(t, "parseRate", parseRate, []unitCase[float64]{
		{"2k", 2000, false},
		{"50k/s", 50000, false},
		{"1.2M/s", 1.2e6, false},
		{"0", 0, false},
		{"1000G", 1e12, false},
		{"1001G", 0, true},
		{"-1/s", 0, true},
		{"50k/m", 0, true},
		{"fast", 0, true},
	})
}

func TestParseInt(t *testing.T) {
	testUnit(t, "parseInt", parseInt, []unitCase[int]{
		{"64", 64, false},
		{"10k", 10000, false},
		{"0", 0, false},
		{"1.5k", 1500, false},
		{"1.5", 0, true},
		{"3G", 0, true}, // beyond int32
		{"-1", 0, true},
	})
}

func TestParseKeyCount(t *testing.T) {
	testUnit(t, "parseKeyCount", parseKeyCount, []unitCase[uint64]{
		{"1", 1, false},
		{"200k", 200000, false},
		{"1M", 1000000, false},
		{"9007199254740992", 1 << 53, false},
		{"0", 0, true},
		{"0.5k", 500, false},
		{"1.5", 0, true},
		{"1e18", 0, true}, // beyond 2^53
	})
}

func TestParseNumber(t *testing.T) {
	testUnit(t, "parseNumber", parseNumber, []unitCase[float64]{
		{"0.99", 0.99, false},
		{"4", 4, false},
		{"1e-3", 0.001, false},
		{"1k", 0, true},
		{"Inf", 0, true},
		{"NaN", 0, true},
	})
}

func TestParseFraction(t *testing.T) {
	testUnit(t, "parseFraction", parseFraction, []unitCase[float64]{
		{"0.1%", 0.001, false},
		{"5%", 0.05, false},
		{"5 %", 0.05, false},
		{"100%", 1, false},
		{"0.001", 0.001, false},
		{"0", 0, false},
		{"150%", 0, true},
		{"-1%", 0, true},
		{"2", 0, true},
		{"NaN", 0, true},
		{"lots", 0, true},
	})
}

func TestParseSize(t *testing.T) {
	testUnit(t, "parseSize", parseSize, []unitCase[int]{
		{"0", 0, false},
		{"512", 512, false},
		{"512B", 512, false},
		{"4KB", 4000, false},
		{"4KiB", 4096, false},
		{"1MiB", 1 << 20, false},
		{"1MB", 1000000, false},
		{"1GiB", 1 << 30, false},
		{"1.5KiB", 1536, false},
		{"1.1B", 0, true}, // no fractions of a byte
		{"-1B", 0, true},
		{"2GiB", 0, true},
		{"1TiB", 0, true}, // a unit it knows, beyond a value's 1GiB
		{"4kb", 0, true},  // units are case-sensitive: b would be bits
		{"4 kilobytes", 0, true},
	})
}

func TestParseBytes(t *testing.T) {
	testUnit(t, "parseBytes", parseBytes, []unitCase[float64]{
		{"0", 0, false},
		{"1.5KiB", 1536, false},
		{"64GiB", 64 << 30, false},
		{"64GB", 64e9, false},
		{"1.76TiB", 1.76 * (1 << 40), false}, // not a whole number of bytes
		{"2TB", 2e12, false},
		{"1PiB", 1 << 50, false},
		{"1024PiB", 1 << 60, false},
		{"1025PiB", 0, true},
		{"0.5B", 0.5, false},
		{"-1GiB", 0, true},
		{"64G", 0, true}, // a count, not a size
		{"1e3B", 0, true},
		{"lots", 0, true},
		{"", 0, true},
	})
}

func TestParsePercent(t *testing.T) {
	testUnit(t, "parsePercent", parsePercent, []unitCase[float64]{
		{"20%", 0.2, false},
		{"0.2", 0.2, false},
		{"2 %", 0.02, false},
		{"500%", 5, false}, // no upper bound: the caller has one
		{"0", 0, false},
		{"-1%", 0, true},
		{"Inf", 0, true},
		{"NaN%", 0, true},
		{"twenty", 0, true},
		{"%", 0, true},
	})
}

func TestParseCores(t *testing.T) {
	testUnit(t, "parseCores", parseCores, []unitCase[float64]{
		{"2", 2, false},
		{"0.5", 0.5, false},
		{"500m", 0.5, false},
		{"1500m", 1.5, false},
		{"0m", 0, false},
		{"1e6", 1e6, false},
		{"2e6", 0, true},
		{"-1", 0, true},
		{"2k", 0, true},
		{"m", 0, true},
		{"NaN", 0, true},
	})
}

// The caps keep a rate over the longest profile finite.
func TestRateCapKeepsWorkFinite(t *testing.T) {
	if w := maxRate * float64(math.MaxInt64) / 1e9; math.IsInf(w, 0) {
		t.Errorf("maxRate over the longest duration = %v ops; want finite", w)
	}
}
