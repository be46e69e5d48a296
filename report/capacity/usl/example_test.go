package usl_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/surgeload/surge/report/capacity/usl"
)

// A replica sweep: the maximum sustainable throughput measured at eight
// sizes. The fit says where scaling out stops paying, how many replicas a
// forecast needs, and whether that number may be trusted.
func ExampleFitPoints() {
	sweep := []usl.Point{
		{N: 1, X: 100.6}, {N: 2, X: 188.7}, {N: 4, X: 343.1}, {N: 8, X: 544.9},
		{N: 16, X: 720.1}, {N: 24, X: 734.2}, {N: 32, X: 708.9}, {N: 48, X: 607.8},
	}
	fit, err := usl.FitPoints(sweep, usl.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("σ = %.3f, κ = %.4f, λ = %.1f ops/s, R² = %.4f\n", fit.Sigma, fit.Kappa, fit.Lambda, fit.R2)

	nStar, xMax, _ := fit.Peak()
	ci := fit.Interval(func(m usl.Model) float64 { _, x, _ := m.Peak(); return x })
	fmt.Printf("peak: N* = %.1f (identified: %v), X_max = %.0f ops/s, 95 %% interval %.0f–%.0f\n",
		nStar, fit.Identified, xMax, ci[0], ci[1])

	for _, forecast := range []float64{600, 800} {
		n, ok := fit.N(forecast)
		if !ok {
			fmt.Printf("%.0f ops/s: unattainable by scaling out\n", forecast)
			continue
		}
		replicas := math.Ceil(n)
		fmt.Printf("%.0f ops/s: %.0f replicas (%s), %.0f ops/s each\n",
			forecast, replicas, fit.Label(replicas), fit.X(replicas)/replicas)
	}

	_, err = usl.FitPoints(sweep[:5], usl.Options{})
	fmt.Println(errors.Is(err, usl.ErrTooFewPoints), err)
	// Output:
	// σ = 0.050, κ = 0.0020, λ = 99.9 ops/s, R² = 0.9999
	// peak: N* = 21.7 (identified: true), X_max = 740 ops/s, 95 % interval 737–743
	// 600 ops/s: 10 replicas (in_range), 61 ops/s each
	// 800 ops/s: unattainable by scaling out
	// true need at least 6 points, got 5: too few points to fit the USL
}
