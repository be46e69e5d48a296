package drivers

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surgeload/surge/workloads"
)

// item is one scheduled op on its way from a lane's scheduler to a worker.
type item struct {
	op       Op
	intended time.Duration // offset from the run start
	stage    int
}

// lane is one independent stream of the run: a scheduler goroutine with
// its own schedule, random stream and key choosers, feeding a pool of
// workers that grows on demand up to the lane's share of the in-flight cap,
// and recording into the lane's recorder.
type lane struct {
	e            *engine
	sched        *workloads.Schedule
	rng          *rand.Rand
	keys         []workloads.Keys
	seq, seqStep uint64

	// work carries due ops to workers. Its capacity is the lane's worker
	// cap, and at least handOff: a scheduler that is behind hands many ops
	// over per context switch instead of one (on one core this halves the
	// per-op cost). Ops are only ever put there once due, an op waiting
	// there has its lag measured from its intended time, and the in-flight
	// cap is the worker count, so the buffer changes no measurement.
	work chan item
	// idle is free workers minus ops already handed out to no free worker;
	// the scheduler claims one per op and a worker gives one back per op.
	idle       atomic.Int64
	workers    int
	maxWorkers int
	wg         sync.WaitGroup

	rec  *recorder
	gens []StageInterval // scheduler-local counters, published in batches
}

// handOff is the least capacity of a lane's work channel.
const handOff = 256

// genBatch is how many ops the scheduler counts locally before it publishes
// its generator counters; it always publishes before it blocks.
const genBatch = 64

// schedule runs the lane's scheduler until its schedule ends or stop is
// closed, then closes the work channel and waits for its workers.
func (l *lane) schedule(stop <-chan struct{}) {
	defer func() {
		close(l.work)
		l.wg.Wait()
	}()
	e := l.e
	timer := e.clock.NewTimer(time.Hour)
	timer.Stop()
	now, pending := time.Duration(-1), 0
	for {
		t, stage, ok := l.sched.Next()
		if !ok {
			l.publish()
			return
		}
		if t > now {
			if now = e.since(); t > now {
				l.publish()
				pending = 0
				timer.Reset(t - now)
				select {
				case <-timer.C():
				case <-stop:
					timer.Stop()
					l.dropFrom(t, stage, true)
					return
				}
				now = e.since()
			}
		}
		it := l.next(t, stage)
		l.account(&it, now)
		select {
		case l.work <- it:
		default:
			l.publish()
			pending = 0
			select {
			case l.work <- it:
			case <-stop:
				l.unsent(&it)
				l.dropFrom(l.sched.Next())
				return
			}
		}
		if pending++; pending >= genBatch {
			l.publish()
			pending = 0
			// A scheduler that is behind never sleeps and, with workers
			// faster than itself, never blocks: look for the stop here.
			select {
			case <-stop:
				l.dropFrom(l.sched.Next())
				return
			default:
			}
		}
	}
}

// next picks the op, key and value size for the op intended at t.
func (l *lane) next(t time.Duration, stage int) item {
	idx := l.e.mix.Pick(l.rng)
	spec := &l.e.job.Ops[idx]
	it := item{intended: t, stage: stage}
	it.op = Op{Index: idx, Seq: l.seq, Key: l.keys[spec.Keyspace].Next(l.rng)}
	if spec.Sizes != nil {
		it.op.ValueSize = spec.Sizes.Next(l.rng)
	}
	l.seq += l.seqStep
	return it
}

// account claims a worker for it, starting one if the cap allows, and
// counts the op as waited (no worker free) or late (scheduler behind).
func (l *lane) account(it *item, now time.Duration) {
	g := &l.gens[it.stage]
	g.Scheduled++
	behind := false
	if l.idle.Add(-1) < 0 {
		if l.workers < l.maxWorkers {
			l.idle.Add(1)
			l.spawn()
		} else {
			g.Waited++
			behind = true
		}
	} else if late := now - it.intended; late > LateThreshold {
		g.Late++
		g.MaxLateness = max(g.MaxLateness, late)
		behind = true
	}
	if behind && g.BehindRate == 0 {
		g.BehindRate = l.e.profile.Rate(it.intended)
	}
}

// publish moves the scheduler's local generator counters to the recorder.
func (l *lane) publish() {
	for s := range l.gens {
		if l.gens[s] != (StageInterval{}) {
			l.rec.addGen(s, &l.gens[s])
			l.gens[s] = StageInterval{}
		}
	}
}

// dropFrom counts as unsent every op of the schedule intended before the
// moment the run stopped, starting with the one at t when ok.
func (l *lane) dropFrom(t time.Duration, stage int, ok bool) {
	stopAt := l.e.since()
	for ; ok && t < stopAt; t, stage, ok = l.sched.Next() {
		l.gens[stage].Scheduled++
		it := l.next(t, stage)
		l.unsent(&it)
	}
	l.publish()
}

func (l *lane) unsent(it *item) { l.unsentOp(it.stage, it.op.Index) }

// unsentOp counts op, intended in stage, as never sent.
func (l *lane) unsentOp(stage, op int) {
	l.rec.record(stage, len(l.gens), op, ClassUnsent, 0, 0, 0)
}

func (l *lane) spawn() {
	l.workers++
	l.wg.Add(1)
	go l.worker()
}

// worker performs ops until the work channel is closed. After the hard stop
// it no longer sends: what is left in the channel is counted as unsent.
//
// Clock reads are a large part of the per-op cost, so a worker that finds
// its next op already waiting takes its previous completion time as the send
// time: nothing happened between the two but recording, well under the
// histograms' microsecond resolution. After blocking it reads the clock.
func (l *lane) worker() {
	defer l.wg.Done()
	e := l.e
	var op Op // reused: targets must not keep it
	var stages stageCache
	var batch batchKeys
	var journey *journeyRun
	last := time.Duration(-1) // the previous completion, if the worker has not blocked since
	for {
		var it item
		var ok bool
		select {
		case it, ok = <-l.work:
		default:
			it, ok = <-l.work
			last = -1
		}
		if !ok {
			return
		}
		if e.stopped.Load() {
			l.unsent(&it)
			l.idle.Add(1)
			continue
		}
		sent := last
		if sent < it.intended {
			sent = e.since()
		}
		if j := e.job.Ops[it.op.Index].Journey; j != nil {
			if journey == nil {
				journey = newJourneyRun(l, &stages, &batch)
			}
			last = journey.run(&it, j, sent)
			l.idle.Add(1)
			continue
		}
		op = it.op
		done, err := l.do(&op, &batch)
		last = done
		l.rec.record(it.stage, stages.at(e, done), op.Index, l.class(err),
			done-it.intended, done-sent, sent-it.intended)
		l.idle.Add(1)
	}
}

// do performs op on its target, filling in a batch op's keys, and returns
// when it completed, with the target's error.
func (l *lane) do(op *Op, batch *batchKeys) (time.Duration, error) {
	e := l.e
	spec := &e.job.Ops[op.Index]
	if spec.Batch > 1 {
		op.Keys = batch.fill(e, spec, op)
	}
	err := spec.Target.Do(e.opCtx, op)
	return e.since(), err
}

// class classifies an op's error; after the hard stop any failure counts
// as cancelled by the run.
func (l *lane) class(err error) Class {
	class := ClassOf(err)
	if class != ClassOK && l.e.stopped.Load() {
		class = ClassCanceled
	}
	return class
}

// stageCache remembers the bounds of the stage a worker last saw, so that
// finding the stage of each completion is two comparisons, not a search.
type stageCache struct {
	stage      int
	start, end time.Duration
	valid      bool
}

func (c *stageCache) at(e *engine, t time.Duration) int {
	if c.valid && t >= c.start && t < c.end {
		return c.stage
	}
	c.stage = e.profile.StageAt(t)
	c.valid = c.stage < e.stages
	if c.valid {
		c.start, c.end = e.profile.StageStart(c.stage), e.profile.StageStart(c.stage+1)
	}
	return c.stage
}

// opContext is the context targets see: it keeps the run's values but not
// its cancellation, which the engine applies itself after the drain timeout.
func opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(context.WithoutCancel(ctx))
}

// batchKeys is a worker's buffer and random stream for the keys of batch
// ops. The keys are drawn from the op's Seq, not from the lane's stream, so
// that they do not depend on which worker runs the op.
type batchKeys struct {
	keys []uint64
	src  rand.PCG
	rng  *rand.Rand
}

// fill returns the keys of batch op op, reusing b's buffer.
func (b *batchKeys) fill(e *engine, spec *JobOp, op *Op) []uint64 {
	if b.rng == nil {
		b.rng = rand.New(&b.src)
	}
	if cap(b.keys) < spec.Batch {
		b.keys = make([]uint64, e.maxBatch)
	}
	keys := b.keys[:spec.Batch]
	keys[0] = op.Key
	workloads.Reseed(&b.src, e.job.Seed, op.Seq)
	workloads.FillBatch(e.job.Keyspaces[spec.Keyspace], b.rng, keys)
	return keys
}
