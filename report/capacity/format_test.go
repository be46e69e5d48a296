package capacity

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		name, got, want string
	}{
		{"num millions", fmtNum(4743529), "4.74M"},
		{"num millions half up", fmtNum(4685000), "4.69M"},
		{"num millions trimmed", fmtNum(3.2e6), "3.2M"},
		{"num thousands", fmtNum(152470.59), "152,471"},
		{"num hundreds", fmtNum(547), "547"},
		{"num small", fmtNum(7.658), "7.66"},
		{"num tiny", fmtNum(0.6), "0.6"},
		{"num zero", fmtNum(0), "0"},
		{"num negative", fmtNum(-526.2), "-526"},
		{"count", fmtCount(1234567.4), "1,234,567"},
		{"factor", fmtFactor(1.2), "1.20"},
		{"percent whole", fmtPercent(0.6325), "63 %"},
		{"percent small", fmtPercent(0.001), "0.1 %"},
		{"percent two digits", fmtPercent(0.0016), "0.16 %"},
		{"percent one", fmtPercent(0.01), "1 %"},
		{"sig e-notation", fmtSig(6.62e-6, 2), "6.6e-6"},
		{"sig small", fmtSig(0.000386, 2), "0.00039"},
		{"sig thousands", fmtSig(403104.7, 4), "403,100"},
		{"sig R²", fmtSig(0.99996021, 5), "0.99996"},
		{"sig inf", fmtSig(math.Inf(1), 2), "+Inf"},
		{"GiB", fmtBytes(153.6e9, "GiB"), "143 GiB"},
		{"GiB per node", fmtBytes(10.24e9, "GiB"), "9.54 GiB"},
		{"TiB below 1", fmtBytes(245.76e9, "TiB"), "0.22 TiB"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q; want %q", c.name, c.got, c.want)
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		v            string
		major, minor int
		want         bool
	}{
		{"1.35", 1, 35, true}, {"v1.35.2", 1, 35, true}, {"1.34.9", 1, 35, false}, {"2.0", 1, 35, true},
		{"v2.17.0", 2, 17, true}, {"2.16", 2, 17, false}, {"", 2, 17, false}, {"latest", 2, 17, false},
	} {
		if got := versionAtLeast(c.v, c.major, c.minor); got != c.want {
			t.Errorf("versionAtLeast(%q, %d, %d) = %v; want %v", c.v, c.major, c.minor, got, c.want)
		}
	}
}

func TestRoundUpAndSweepSuggestion(t *testing.T) {
	for _, c := range []struct{ n, m, want int }{{181, 3, 183}, {183, 3, 183}, {14, 3, 15}, {7, 1, 7}, {7, 0, 7}} {
		if got := roundUp(c.n, c.m); got != c.want {
			t.Errorf("roundUp(%d, %d) = %d; want %d", c.n, c.m, got, c.want)
		}
	}
	if got := sweepSuggestion(160, 420); got != "205, 262 and 336" {
		t.Errorf("sweepSuggestion(160, 420) = %q", got)
	}
	if got := sweepSuggestion(16, 41); got != "20, 26 and 33" {
		t.Errorf("sweepSuggestion(16, 41) = %q", got)
	}
}
