package capacity

import (
	"math"
	"strconv"
	"strings"
)

// fmtNum formats a number for people: millions with three significant
// digits and an M ("4.74M"), 100 and up as a whole number with thousands
// separators ("152,471"), below 100 with up to three significant digits.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case !finite(v):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case a >= 1e6:
		// Round on v itself: 4,685,000/1e6 is 4.68499… in binary.
		d := max(0, 3-digitsBeforePoint(v/1e6))
		q := 1e6 / math.Pow(10, float64(d))
		return trimZeros(strconv.FormatFloat(math.Round(v/q)*q/1e6, 'f', d, 64)) + "M"
	case a >= 100:
		return fmtCount(v)
	case a == 0:
		return "0"
	}
	return roundSig(v, 3)
}

// roundSig formats v rounded half away from zero to n significant digits
// (at least the whole part), trailing zeros trimmed.
func roundSig(v float64, n int) string {
	d := max(0, n-digitsBeforePoint(v))
	p := math.Pow(10, float64(d))
	return trimZeros(strconv.FormatFloat(math.Round(v*p)/p, 'f', d, 64))
}

// fmtRate is fmtNum for rates.
func fmtRate(v float64) string { return fmtNum(v) }

// digitsBeforePoint is how many digits |v| has before the decimal point
// (at least 1), for significant-digit rounding; for |v| < 1 it is 1 minus
// the zeros after the point, so 0.0123 keeps three significant digits.
func digitsBeforePoint(v float64) int {
	a := math.Abs(v)
	if a == 0 {
		return 1
	}
	return int(math.Floor(math.Log10(a))) + 1
}

// fmtCount formats v rounded to a whole number with thousands separators.
func fmtCount(v float64) string {
	n := int64(math.Round(v))
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fmtFactor formats a multiplier with two decimals ("1.20").
func fmtFactor(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// fmtPercent formats a fraction as a percentage: whole from 10 % up and
// for whole values, else up to two significant digits ("0.16 %").
func fmtPercent(frac float64) string {
	p := 100 * frac
	switch {
	case !finite(p):
		return strconv.FormatFloat(p, 'g', -1, 64) + " %"
	case math.Abs(p) >= 9.5 || p == math.Round(p):
		return strconv.FormatFloat(math.Round(p), 'f', 0, 64) + " %"
	}
	return fmtSig(p, 2) + " %"
}

// fmtSig formats v with n significant digits, in e-notation below 1e-4
// ("6.6e-6") and with thousands separators from 1,000 up.
func fmtSig(v float64, n int) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case !finite(v):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case a < 1e-4:
		s := strconv.FormatFloat(v, 'e', n-1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		e, _ := strconv.Atoi(exp)
		return trimZeros(mant) + "e" + strconv.Itoa(e)
	case a >= 1000:
		r := math.Pow(10, float64(digitsBeforePoint(v)-n))
		return fmtCount(math.Round(v/r) * r)
	}
	return roundSig(v, n)
}

// fmtBytes formats bytes in unit ("GiB" or "TiB") with three significant
// digits, two below 1.
func fmtBytes(v float64, unit string) string {
	div := math.Pow(2, 30)
	if unit == "TiB" {
		div = math.Pow(2, 40)
	}
	x := v / div
	if math.Abs(x) < 1 {
		return fmtSig(x, 2) + " " + unit
	}
	return roundSig(x, 3) + " " + unit
}

// trimZeros drops trailing zeros after a decimal point, and the point.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// versionAtLeast reports whether version ("1.35", "v2.17.1") is at least
// major.minor; an empty or unparsable version is not.
func versionAtLeast(version string, major, minor int) bool {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	maj, rest, _ := strings.Cut(v, ".")
	mn, _, _ := strings.Cut(rest, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(mn)
	if err1 != nil || err2 != nil {
		return false
	}
	return a > major || a == major && b >= minor
}
