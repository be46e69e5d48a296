package drivers

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/surgeload/surge/workloads"
)

// Journey is a user flow that the engine runs as one op of the mix: a
// Markov chain of steps, each an op of the job, with think time between
// them. Journeys arrive open-loop like any op, at the op's share of the
// stage's rate; each one then holds a worker (one of the in-flight cap)
// until it ends, so the cap bounds concurrent sessions.
//
// The engine records each step as its own op and the journey as its op:
// ClassOK when it completed (finished a goal step), ClassAbandoned when the
// user left (the chain's exit) or it reached MaxSteps, and the failing
// step's class when a step failed (which ends it). All of a journey's
// records count in the stage the journey was intended in, so a stage's
// funnel is the journeys that began in it.
type Journey struct {
	// Chain is the flow; chain step i runs Steps[i].
	Chain *workloads.Chain
	Steps []JourneyStep
	// Think is the think time after a step that sets none; nil means none.
	Think workloads.Durations
	// IncludeThink makes the journey's latency include its think times,
	// which are otherwise subtracted so that it measures the time the user
	// waited for the system.
	IncludeThink bool
	// MaxSteps ends a journey that is still going after that many steps,
	// as abandoned (a chain with cycles); 0 means [DefaultMaxSteps].
	MaxSteps int
	// Vars is the number of session variables the steps use.
	Vars int
}

// JourneyStep is one step of a [Journey].
type JourneyStep struct {
	// Op indexes the job's op the step runs; it draws its key, value size
	// and batch keys from the journey's random stream.
	Op int
	// Think, if set, is the think time after this step instead of the
	// journey's.
	Think workloads.Durations
}

// DefaultMaxSteps is the step limit of a journey that sets none.
const DefaultMaxSteps = 100

// checkJourney checks that a journey's steps are ops of the job that an
// engine can run from any worker.
func checkJourney(job *Job, j *Journey) error {
	if j.Chain == nil || j.Chain.Len() != len(j.Steps) {
		return errors.New("needs a chain with one step per entry of Steps")
	}
	if j.Vars < 0 || j.MaxSteps < 0 {
		return errors.New("negative Vars or MaxSteps")
	}
	for i, st := range j.Steps {
		if st.Op < 0 || st.Op >= len(job.Ops) {
			return fmt.Errorf("step %d runs op %d, outside the job's %d ops", i, st.Op, len(job.Ops))
		}
		op := &job.Ops[st.Op]
		if op.Journey != nil || op.Target == nil {
			return fmt.Errorf("step %d runs %q, which is not an op with a target", i, op.Name)
		}
		if _, ok := job.Keyspaces[op.Keyspace].(*workloads.Sequential); ok {
			return fmt.Errorf("step %d (%s) draws from a sequential keyspace, which a journey cannot share", i, op.Name)
		}
	}
	return nil
}

// journeyStream separates the journeys' random streams from the other
// per-op streams derived from (seed, seq).
const journeyStream = 0x6a6f75726e6579 // "journey"

// journeyRun is one worker's state for running journeys: its random
// stream, session and think timer, reused from one journey to the next.
type journeyRun struct {
	l      *lane
	stages *stageCache
	batch  *batchKeys
	src    rand.PCG
	rng    *rand.Rand
	sess   Session
	timer  Timer
	op     Op // the step being run, reused: Do's pointer would move a local to the heap
}

func newJourneyRun(l *lane, stages *stageCache, batch *batchKeys) *journeyRun {
	r := &journeyRun{l: l, stages: stages, batch: batch, timer: l.e.clock.NewTimer(time.Hour)}
	r.timer.Stop()
	r.rng = rand.New(&r.src)
	return r
}

// run runs the journey of it, sent at sent, records its steps and itself,
// and returns when it ended. The random stream is a function of the seed
// and the journey's Seq only, so the path a journey takes does not depend
// on which worker runs it or on timing.
func (r *journeyRun) run(it *item, j *Journey, sent time.Duration) time.Duration {
	l, e := r.l, r.l.e
	workloads.Reseed(&r.src, e.job.Seed^journeyStream, it.op.Seq)
	r.sess.Reset(j.Vars)
	maxSteps := j.MaxSteps
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	var think time.Duration
	class := ClassOK
	step, intended, stepSent := 0, it.intended, sent
	done := sent
	for n := 1; ; n++ {
		st := &j.Steps[step]
		if e.stopped.Load() {
			l.unsentOp(it.stage, st.Op)
			class = ClassCanceled
			break
		}
		r.stepOp(st.Op)
		var err error
		done, err = l.do(&r.op, r.batch)
		c := l.class(err)
		l.rec.record(it.stage, r.stages.at(e, done), st.Op, c, done-intended, done-stepSent, stepSent-intended)
		if c.Failure() {
			class = c
			break
		}
		next, ok := j.Chain.Next(step, r.rng)
		if !ok || n == maxSteps {
			if ok || !j.Chain.Goal(step) {
				class = ClassAbandoned
				l.rec.leave(it.stage, st.Op)
			}
			break
		}
		pause := time.Duration(0)
		if d := st.Think; d != nil {
			pause = d.Next(r.rng)
		} else if j.Think != nil {
			pause = j.Think.Next(r.rng)
		}
		if pause > 0 && !r.sleep(pause) {
			class = ClassCanceled
			l.unsentOp(it.stage, j.Steps[next].Op)
			break
		}
		think += pause
		step, intended = next, done+pause
		stepSent = e.since()
	}
	latency, service := done-it.intended, done-sent
	if !j.IncludeThink {
		latency, service = latency-think, service-think
	}
	l.rec.record(it.stage, r.stages.at(e, done), it.op.Index, class, latency, service, sent-it.intended)
	return done
}

// stepOp draws the op of a step from the journey's stream into r.op.
func (r *journeyRun) stepOp(index int) {
	e := r.l.e
	spec := &e.job.Ops[index]
	r.op = Op{Index: index, Seq: r.rng.Uint64(), Key: e.job.Keyspaces[spec.Keyspace].Next(r.rng), Session: &r.sess}
	if spec.Sizes != nil {
		r.op.ValueSize = spec.Sizes.Next(r.rng)
	}
}

// sleep waits out a think time; it returns false when the run cancelled
// the ops in flight first.
func (r *journeyRun) sleep(d time.Duration) bool {
	r.timer.Reset(d)
	select {
	case <-r.timer.C():
		return true
	case <-r.l.e.opCtx.Done():
		r.timer.Stop()
		return false
	}
}
