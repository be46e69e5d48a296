package sim

import "time"

// Stalls end each period: they occupy [k·every − stall, k·every) for k >= 1,
// so a run of N whole periods holds exactly N stalls. In the functions below
// x − phase is the time since the first stall began.

// unstalled returns x, or the end of the stall x falls in.
func (t *Target) unstalled(x time.Duration) time.Duration {
	every, stall := t.cfg.StallEvery, t.cfg.StallFor
	if stall <= 0 {
		return x
	}
	since := x - (every - stall)
	if since < 0 {
		return x
	}
	if into := since % every; into < stall {
		return x - into + stall
	}
	return x
}

// advance returns when an op that starts service at start (outside a stall)
// completes after service of progress; stalls pause it.
func (t *Target) advance(start, service time.Duration) time.Duration {
	every, stall := t.cfg.StallEvery, t.cfg.StallFor
	if stall <= 0 {
		return start + service
	}
	phase := every - stall
	cur, left := start, service
	for {
		next := phase // the next stall's start
		if since := cur - phase; since >= 0 {
			next += (since/every + 1) * every
		}
		if cur+left <= next {
			return cur + left
		}
		left -= next - cur
		cur = next + stall
	}
}

// serverHeap is a binary min-heap of server free times; free[0] is the
// server that frees first.
type serverHeap []time.Duration

// replaceMin sets the earliest free time to v and restores the heap.
func (h serverHeap) replaceMin(v time.Duration) {
	h[0] = v
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l] < h[m] {
			m = l
		}
		if r < len(h) && h[r] < h[m] {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// startQueue is a FIFO ring of the start times of ops waiting for a server.
// Start times are non-decreasing in arrival order (FIFO over servers whose
// earliest free time never decreases), so the waiting ops are exactly a
// prefix-trimmed suffix of the ring.
type startQueue struct {
	buf        []time.Duration
	head, size int
}

func (q *startQueue) len() int { return q.size }

func (q *startQueue) push(v time.Duration) {
	if q.size == len(q.buf) {
		grown := make([]time.Duration, max(16, 2*len(q.buf)))
		for i := range q.size {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = v
	q.size++
}

// popStarted drops the ops whose service has started by now.
func (q *startQueue) popStarted(now time.Duration) {
	for q.size > 0 && q.buf[q.head] <= now {
		q.head = (q.head + 1) % len(q.buf)
		q.size--
	}
}
