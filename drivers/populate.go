package drivers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/ratelimit"

	"github.com/surgeload/surge/workloads"
)

// Fill is a populate phase for one keyspace: write keys From to Count-1
// once each through Target, in order, closed-loop and rate-capped. It is
// not measured as latency: its only output is how far it got.
type Fill struct {
	Target Target
	// Op is the Op.Index the target knows the write as.
	Op int
	// Count is the number of keys; keys are 0 to Count-1.
	Count uint64
	// From is the first key to write: 0 for a fresh populate, the Done of
	// an earlier one to resume it.
	From uint64
	// Sizes picks value sizes; the size of key k depends on Seed and k only,
	// so a resumed populate writes what a fresh one would have.
	Sizes workloads.Sizes
	Seed  uint64
	// Rate caps the writes per second; 0 means no cap.
	Rate float64
	// Concurrency is the number of writers; at least 1.
	Concurrency int
	// Interval is how often Progress is called; 0 means never.
	Interval time.Duration
	// Progress, if set, gets the progress every Interval, from one of the
	// writers, one call at a time: it must be quick.
	Progress func(FillProgress)
	// Clock is the time source for Interval and Elapsed; nil means
	// WallClock(). The rate cap uses the time package.
	Clock Clock
}

// FillProgress is how far a populate got.
type FillProgress struct {
	// Done is the resume point: every key below it was written (or failed
	// all its tries, counted in Errors); keys at and above it may not have
	// been.
	Done uint64
	// Written counts successful writes, Errors failed keys by class; both
	// cover this Populate call only.
	Written int64
	Errors  [NumClasses]int64
	Elapsed time.Duration
}

// Failed is the number of keys whose writes failed.
func (p *FillProgress) Failed() int64 {
	var n int64
	for _, e := range p.Errors {
		n += e
	}
	return n
}

// ErrFillFailing stops a populate whose writes all fail: a target that is
// down should end the phase in seconds, not after a million timeouts.
var ErrFillFailing = errors.New("populate: writes keep failing")

// Fill tuning: keys are handed to writers in chunks (the resume point moves
// a chunk at a time), each key gets fillTries tries, and fillMaxFailStreak
// keys failing in a row, across writers, stop the populate.
const (
	fillChunk         = 64
	fillTries         = 3
	fillMaxFailStreak = 200
)

// Populate runs f until every key is written, ctx is done, or the writes
// keep failing (ErrFillFailing). It always returns the progress made,
// whose Done is where a later Populate may resume.
func Populate(ctx context.Context, f Fill) (FillProgress, error) {
	if f.Target == nil || f.Concurrency < 1 || f.From > f.Count || !(f.Rate >= 0) {
		return FillProgress{Done: f.From}, fmt.Errorf("%w: populate needs a target, writers and keys [from, count)", ErrBadJob)
	}
	clock := f.Clock
	if clock == nil {
		clock = WallClock()
	}
	p := &filler{f: f, clock: clock, start: clock.Now(), limit: fillLimiter(f.Rate)}
	p.lastReport.Store(int64(p.start))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range f.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.write(ctx, cancel)
		}()
	}
	wg.Wait()
	return p.progress(), context.Cause(ctx)
}

// fillLimiter returns a limiter for rate writes per second, without slack:
// a writer that stalled does not get a burst afterwards.
func fillLimiter(rate float64) ratelimit.Limiter {
	switch {
	case rate == 0:
		return ratelimit.NewUnlimited()
	case rate >= 1:
		return ratelimit.New(int(math.Round(min(rate, math.MaxInt32))), ratelimit.WithoutSlack)
	}
	return ratelimit.New(1, ratelimit.Per(time.Duration(float64(time.Second)/rate)), ratelimit.WithoutSlack)
}

// filler is one Populate in progress.
type filler struct {
	f          Fill
	clock      Clock
	start      time.Duration
	limit      ratelimit.Limiter
	nextChunk  atomic.Uint64
	failStreak atomic.Int64
	lastReport atomic.Int64 // clock time of the last Progress call
	reporting  sync.Mutex   // held while Progress runs: calls never overlap

	written atomic.Int64
	errors  [NumClasses]atomic.Int64

	mu    sync.Mutex
	done  uint64          // chunks completed in order from From
	ahead map[uint64]bool // chunks completed out of order
}

// write is one writer: it claims chunks until none is left or ctx is done.
func (p *filler) write(ctx context.Context, stop context.CancelCauseFunc) {
	var src rand.PCG
	rng := rand.New(&src)
	var op Op // one per writer: Do's pointer would move a per-key Op to the heap
	for ctx.Err() == nil {
		c := p.nextChunk.Add(1) - 1
		lo := p.f.From + c*fillChunk
		if lo >= p.f.Count || lo < p.f.From { // the second: wrapped around
			return
		}
		hi := min(lo+fillChunk, p.f.Count)
		for k := lo; k < hi; k++ {
			op = Op{Index: p.f.Op, Seq: k, Key: k}
			if p.f.Sizes != nil {
				workloads.Reseed(&src, p.f.Seed, k)
				op.ValueSize = p.f.Sizes.Next(rng)
			}
			class := p.writeKey(ctx, &op)
			if ctx.Err() != nil {
				return // the chunk is not complete: Done stays below it
			}
			if class == ClassOK {
				p.written.Add(1)
				p.failStreak.Store(0)
				continue
			}
			p.errors[class].Add(1)
			if p.failStreak.Add(1) >= fillMaxFailStreak {
				stop(fmt.Errorf("%w: %d keys in a row failed, the last with %v", ErrFillFailing, fillMaxFailStreak, class))
				return
			}
		}
		p.complete(c)
	}
}

// writeKey writes one key, trying again after a failure.
func (p *filler) writeKey(ctx context.Context, op *Op) Class {
	class := ClassOK
	for range fillTries {
		p.limit.Take()
		if ctx.Err() != nil {
			return ClassCanceled
		}
		if class = ClassOf(p.f.Target.Do(ctx, op)); class == ClassOK {
			return ClassOK
		}
	}
	return class
}

// complete records chunk c and calls Progress when an Interval has passed.
func (p *filler) complete(c uint64) {
	p.mu.Lock()
	if c == p.done {
		p.done++
		for p.ahead[p.done] {
			delete(p.ahead, p.done)
			p.done++
		}
	} else {
		if p.ahead == nil {
			p.ahead = map[uint64]bool{}
		}
		p.ahead[c] = true
	}
	p.mu.Unlock()
	if p.f.Progress == nil || p.f.Interval <= 0 {
		return
	}
	now, last := p.clock.Now(), p.lastReport.Load()
	if now-time.Duration(last) >= p.f.Interval && p.lastReport.CompareAndSwap(last, int64(now)) && p.reporting.TryLock() {
		p.f.Progress(p.progress())
		p.reporting.Unlock()
	}
}

func (p *filler) progress() FillProgress {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	prog := FillProgress{
		Done:    min(p.f.From+done*fillChunk, p.f.Count),
		Written: p.written.Load(),
		Elapsed: p.clock.Now() - p.start,
	}
	for i := range prog.Errors {
		prog.Errors[i] = p.errors[i].Load()
	}
	return prog
}
