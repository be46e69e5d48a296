package queueing_test

import (
	"fmt"

	"github.com/surgeload/surge/report/capacity/queueing"
)

// The analytic truth for a drivers/sim mmc target with 4 workers, each
// serving 200 requests per second, against the SLO "p99 ≤ 50 ms": the
// throughput a findmax search on it should find, the utilisation it runs
// at, and what one worker alone would sustain.
func ExampleMST() {
	const c, mu, q, limit = 4, 200.0, 0.99, 0.050
	mst := queueing.MST(c, mu, q, limit)
	fmt.Printf("MST %.1f ops/s at ρ = %.2f\n", mst, mst/(c*mu))
	fmt.Printf("p99 there: %.1f ms\n", 1000*queueing.ResponseQuantile(c, mst, mu, q))
	fmt.Printf("one worker: %.2f ops/s (closed form %.2f)\n", queueing.MST(1, mu, q, limit), queueing.MM1MST(mu, q, limit))
	// Output:
	// MST 700.2 ops/s at ρ = 0.88
	// p99 there: 50.0 ms
	// one worker: 107.90 ops/s (closed form 107.90)
}

// A client whose requests keep a = X·S = 0.82 connections busy on average
// (say 410 requests per second holding a connection 2 ms each): a pool of
// 4 waits for a connection about 1 % of the time, a pool of 5 about 0.16 %.
func ExamplePoolSize() {
	const a = 0.82
	for _, maxWait := range []float64{0.011, 0.005} {
		c, p := queueing.PoolSize(a, maxWait)
		fmt.Printf("a = %.2f, P(wait) ≤ %.1f %%: %d connections, P(wait) = %.2f %%\n", a, 100*maxWait, c, 100*p)
	}
	// Output:
	// a = 0.82, P(wait) ≤ 1.1 %: 4 connections, P(wait) = 1.04 %
	// a = 0.82, P(wait) ≤ 0.5 %: 5 connections, P(wait) = 0.16 %
}
