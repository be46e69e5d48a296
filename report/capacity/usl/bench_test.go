package usl

import "testing"

// BenchmarkFitPoints fits codahale/usl's 32 points, alone and with the
// default 200-replicate bootstrap.
func BenchmarkFitPoints(b *testing.B) {
	pts := readCSV(b, "testdata/codahale.csv")
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"bootstrap=off", Options{Bootstrap: -1}},
		{"bootstrap=200", Options{Seed: 1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FitPoints(pts, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkModelN is the inverse the planner calls per tier and forecast.
func BenchmarkModelN(b *testing.B) {
	m := Model{Sigma: 0.02671591, Kappa: 7.690945e-4, Lambda: 995.6486}
	b.ReportAllocs()
	sum := 0.0
	for b.Loop() {
		n, _ := m.N(11048)
		sum += n
	}
	if sum == 0 {
		b.Fatal("no root")
	}
}
