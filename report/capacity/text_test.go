package capacity

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestTextNumbersHaveSources(t *testing.T) {
	for _, keda := range []bool{true, false} {
		checkTextSources(t, workedReport(t, keda))
	}
}

// Patterns the §9.4 check needs: dates, clock times and numbers (with
// thousands separators, decimals, e-notation and an M or k suffix) that
// are not part of a word such as p99 or CI95.
var (
	dateRe   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	clockRe  = regexp.MustCompile(`\d{1,2}:\d{2}`)
	numberRe = regexp.MustCompile(`[0-9][0-9,]*(?:\.[0-9]+)?(?:e-?[0-9]+)?`)
)

// checkTextSources asserts capacity-method.md §9.4 for r: every number the
// text shows appears in the JSON inside an object with a source. The
// header (scenario, results path, event, policy inputs, legend) is
// skipped, the SLO rows must echo the SLO lines, and sentences (warnings,
// assumptions, refusals, notes) must appear verbatim in the JSON.
func checkTextSources(t *testing.T, r *Report) {
	t.Helper()
	js, txt, _ := renderAll(t, r)
	var doc any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	nums, sentences := sourced(doc)
	lines := strings.Split(string(txt), "\n")
	for len(lines) > 0 && lines[0] != "" {
		lines = lines[1:] // the header: scenario, results path, event, policy inputs, legend
	}
	var body []string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "  SLO "); ok {
			if !bytes.Contains(js, []byte(jsonString(strings.Split(strings.TrimSpace(v), ", ")[0]))) &&
				!strings.Contains(v, "from intended start") {
				t.Errorf("SLO row %q does not echo the SLO", v)
			}
			continue
		}
		body = append(body, l)
	}
	text := strings.Join(strings.Fields(strings.Join(body, " ")), " ")
	slices.SortFunc(sentences, func(a, b string) int { return len(b) - len(a) })
	for _, s := range sentences {
		text = strings.ReplaceAll(text, strings.Join(strings.Fields(s), " "), " ")
	}
	text = clockRe.ReplaceAllString(dateRe.ReplaceAllString(text, " "), " ")
	for _, loc := range numberRe.FindAllStringIndex(text, -1) {
		tok := strings.TrimRight(text[loc[0]:loc[1]], ",")
		end := loc[0] + len(tok)
		if loc[0] > 0 && wordByte(text[loc[0]-1]) {
			continue // part of a word: p99, CI95, v2
		}
		suffix := ""
		if end < len(text) && (text[end] == 'M' || text[end] == 'k') {
			suffix, end = text[end:end+1], end+1
		}
		if end < len(text) && wordByte(text[end]) {
			continue
		}
		if !matchesAny(tok, suffix, nums) {
			t.Errorf("text number %s%s has no sourced value in the JSON", tok, suffix)
		}
	}
}

// wordByte reports whether b belongs to a word around a number.
func wordByte(b byte) bool {
	return b == '_' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// sourced collects every number inside an object with a "source" key
// (recursively), and every sentence of a warnings, assumptions, refusals
// or notes list.
func sourced(doc any) (nums []float64, sentences []string) {
	var walk func(v any, in bool, key string)
	walk = func(v any, in bool, key string) {
		switch x := v.(type) {
		case map[string]any:
			_, has := x["source"]
			for k, e := range x {
				walk(e, in || has, k)
			}
		case []any:
			for _, e := range x {
				walk(e, in, key)
			}
		case float64:
			if in {
				nums = append(nums, x)
			}
		case string:
			switch key {
			case "warnings", "refusals", "assumptions", "notes":
				sentences = append(sentences, x)
			}
		}
	}
	walk(doc, false, "")
	return nums, sentences
}

// matchesAny reports whether the printed token (with an optional M or k
// suffix) is one of nums under a display scale (as is, percent, minutes,
// hours, GiB, TiB), within its printed precision.
func matchesAny(tok, suffix string, nums []float64) bool {
	clean := strings.ReplaceAll(tok, ",", "")
	v, err := strconv.ParseFloat(clean, 64)
	if err != nil {
		return false
	}
	mant, exp, _ := strings.Cut(clean, "e")
	half := 0.5
	if _, frac, ok := strings.Cut(mant, "."); ok {
		half = 0.5 * math.Pow(10, -float64(len(frac)))
	}
	if exp != "" {
		e, _ := strconv.Atoi(exp)
		half *= math.Pow(10, float64(e))
	}
	// An integer printed to significant digits (403,100) is as precise
	// as its last non-zero digit, when it shows at least two.
	loose := half
	if !strings.ContainsAny(mant, ".e") {
		digits := strings.TrimLeft(mant, "0")
		trimmed := strings.TrimRight(digits, "0")
		if len(trimmed) >= 2 {
			loose = 0.5 * math.Pow(10, float64(len(digits)-len(trimmed)))
		}
	}
	mult := map[string]float64{"": 1, "M": 1e6, "k": 1e3}[suffix]
	v, half, loose = v*mult, half*mult, loose*mult
	scales := []float64{1, 100, 1.0 / 60, 1.0 / 3600, 1.0 / (1 << 30), 1.0 / (1 << 40)}
	for _, n := range nums {
		for _, s := range scales {
			if d := math.Abs(n*s - v); d <= half*(1+1e-9)+1e-12 || d <= loose*(1+1e-9) {
				return true
			}
		}
	}
	return false
}

func TestMatchesAny(t *testing.T) {
	for _, c := range []struct {
		tok, suffix string
		nums        []float64
		want        bool
	}{
		{"152,471", "", []float64{152470.59}, true},
		{"152,460", "", []float64{152471.6}, false},
		{"4.74", "M", []float64{4743529}, true},
		{"4.75", "M", []float64{4743529}, false},
		{"63", "", []float64{0.6325}, true}, // percent
		{"6.6e-6", "", []float64{6.62e-6}, true},
		{"6.6e-6", "", []float64{6.7e-6}, false},
		{"143", "", []float64{153.6e9}, true}, // GiB
		{"10", "", []float64{600}, true},      // minutes
		{"403,100", "", []float64{403104.7}, true},
		{"100,000", "", []float64{103000}, false},
		{"999", "", []float64{158101}, false},
	} {
		if got := matchesAny(c.tok, c.suffix, c.nums); got != c.want {
			t.Errorf("matchesAny(%q, %q, %v) = %v; want %v", c.tok, c.suffix, c.nums, got, c.want)
		}
	}
}
