package scenarios

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"30s", 30 * time.Second, false},
		{"250us", 250 * time.Microsecond, false},
		{"250µs", 250 * time.Microsecond, false},
		{"1m30s", 90 * time.Second, false},
		{"2h", 2 * time.Hour, false},
		{"0", 0, false},
		{"5", 0, true},   // no unit
		{"-1s", 0, true}, // negative
		{"fast", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"500", 500, false},
		{"50k", 50000, false},
		{"50K", 50000, false},
		{"1.2M", 1.2e6, false},
		{"3G", 3e9, false},
		{"50k/s", 50000, false},
		{"0.5", 0.5, false},
		{"1e3", 1000, false},
		{"-5", 0, true},
		{"5m", 0, true}, // milli is not a count
		{"lots", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := parseCount(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseCount(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"64", 64, false},
		{"10k", 10000, false},
		{"1.5", 0, true},
		{"1.5k", 1500, false},
		{"3G", 0, true}, // beyond int32
	}
	for _, tt := range tests {
		got, err := parseInt(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseInt(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseFraction(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"0.1%", 0.001, false},
		{"5%", 0.05, false},
		{"100%", 1, false},
		{"0.001", 0.001, false},
		{"0", 0, false},
		{"150%", 0, true},
		{"-1%", 0, true},
		{"2", 0, true},
		{"NaN", 0, true},
		{"lots", 0, true},
	}
	for _, tt := range tests {
		got, err := parseFraction(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseFraction(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"512", 512, false},
		{"512B", 512, false},
		{"4KB", 4000, false},
		{"4KiB", 4096, false},
		{"1MiB", 1 << 20, false},
		{"1.5KiB", 1536, false},
		{"1.1B", 0, true},
		{"-1B", 0, true},
		{"2GiB", 0, true},
		{"4 kilobytes", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseSize(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
