package usl

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
)

// readCSV reads N,X points from a CSV file with a header row and # comments.
func readCSV(t testing.TB, path string) []Point {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r := csv.NewReader(file)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	pts := make([]Point, 0, len(rows))
	for _, row := range rows[1:] {
		n, errN := strconv.ParseFloat(row[0], 64)
		x, errX := strconv.ParseFloat(row[1], 64)
		if errN != nil || errX != nil {
			t.Fatalf("%s: bad row %q", path, row)
		}
		pts = append(pts, Point{N: n, X: x})
	}
	return pts
}

// V8: codahale/usl's 32-point data set and its own test expectations, a
// check against an independent implementation (an unconstrained LM with a
// numerical Jacobian, from a different start).
func TestFitPointsCodahale(t *testing.T) {
	pts := readCSV(t, "testdata/codahale.csv")
	if len(pts) != 32 {
		t.Fatalf("read %d points; want 32", len(pts))
	}
	f := mustFit(t, pts, Options{Bootstrap: -1})
	t.Logf("σ = %.8g, κ = %.8g, λ = %.8g, R² = %.6f", f.Sigma, f.Kappa, f.Lambda, f.R2)
	nStar, xMax, _ := f.Peak()
	t.Logf("N* = %.6g, X_max = %.10g", nStar, xMax)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"σ", f.Sigma, 0.02671591},
		{"κ", f.Kappa, 7.690945e-4},
		{"λ", f.Lambda, 995.6486},
		// codahale's MaxThroughput evaluates X at N* rounded down to 35.
		{"X(35)", f.X(35), 12341.745415132369},
	} {
		if relErr(c.got, c.want) > 1e-4 {
			t.Errorf("%s = %.10g; want %.10g (1e-4 relative)", c.name, c.got, c.want)
		}
	}
	if f.R2 < 0.95 || len(f.Warnings) != 0 {
		t.Errorf("R2 = %v, warnings %q; want a clean fit", f.R2, f.Warnings)
	}
}
