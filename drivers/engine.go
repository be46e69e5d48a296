package drivers

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surgeload/surge/workloads"
)

// Job is everything one engine needs: what to send, to whom, on what
// schedule, and how to measure it. The coordinator builds it from a
// scenario plan.
type Job struct {
	// Ops is the op mix; an op's index is its [Op.Index].
	Ops []JobOp
	// Keyspaces are the key choosers the ops draw from; each lane takes its
	// own with [workloads.Keys.Shard].
	Keyspaces []workloads.Keys
	// Profile is the whole run's load profile; lanes and shards take
	// interleaved shares of it.
	Profile *workloads.Profile
	// Seed makes the run deterministic: the same seed gives the same
	// schedule and the same op, key and size sequence.
	Seed uint64
	// Shard and Shards place this engine among the run's drivers: it
	// generates lanes Shard*Lanes ... (Shard+1)*Lanes-1 of Shards*Lanes.
	// Both zero means a single engine.
	Shard, Shards int
	// Lanes is the number of independent scheduler streams; 0 means one per
	// CPU. Each has its own scheduler goroutine, random streams and recorder.
	Lanes int
	// MaxInFlight caps the ops in flight at once, across lanes.
	MaxInFlight int
	// Interval is the reporting interval.
	Interval time.Duration
	// DrainTimeout is how long ops in flight may finish after the schedule
	// ends (or the run is aborted) before they are cancelled.
	DrainTimeout time.Duration
	// Clock is the time source; nil means WallClock().
	Clock Clock
}

// JobOp is one op of the mix.
type JobOp struct {
	Name     string
	Weight   float64
	Target   Target
	Keyspace int             // index into Job.Keyspaces
	Sizes    workloads.Sizes // nil: ValueSize 0
	// Batch is how many keys a batch op reads, all drawn from Keyspace
	// (see [Op.Keys]); 0 or 1 is a single-key op.
	Batch int
	// Journey, when set, makes the op a whole user journey: the engine runs
	// its steps (other ops of the job, usually of weight 0) one after the
	// other and records each step and the journey; Target is then unused.
	Journey *Journey
}

// ErrBadJob reports a Job that cannot run.
var ErrBadJob = errors.New("bad job")

// engine is one Run in progress.
type engine struct {
	job     *Job
	clock   Clock
	profile *workloads.Profile
	mix     *workloads.Mix
	lanes   []*lane
	sink    Sink
	start   time.Duration
	stages  int
	// maxBatch is the largest Batch of the job's ops.
	maxBatch int

	opCtx   context.Context
	stopped atomic.Bool // the hard stop: ops not yet sent are not sent
}

// Run generates the job's load open-loop until its profile ends, reporting
// each interval to sink, and returns when every op has finished or been
// cancelled. It stops in two steps: at the end of the profile (or when ctx
// is cancelled) it stops scheduling; after DrainTimeout it cancels the ops
// still in flight and counts the ones never sent. An aborted run returns
// ctx's error, a failing sink its error, after the last interval has been
// reported either way.
func Run(ctx context.Context, job *Job, sink Sink) error {
	e, err := newEngine(job, sink)
	if err != nil {
		return err
	}
	return e.run(ctx)
}

func newEngine(job *Job, sink Sink) (*engine, error) {
	if job.Profile == nil || len(job.Ops) == 0 || job.MaxInFlight <= 0 || job.Interval <= 0 {
		return nil, fmt.Errorf("%w: needs a profile, ops, a positive in-flight cap and interval", ErrBadJob)
	}
	weights := make([]float64, len(job.Ops))
	for i, op := range job.Ops {
		if (op.Target == nil && op.Journey == nil) || op.Keyspace < 0 || op.Keyspace >= len(job.Keyspaces) {
			return nil, fmt.Errorf("%w: op %q has no target or keyspace", ErrBadJob, op.Name)
		}
		if op.Batch < 0 {
			return nil, fmt.Errorf("%w: op %q has a negative batch", ErrBadJob, op.Name)
		}
		if op.Journey != nil {
			if err := checkJourney(job, op.Journey); err != nil {
				return nil, fmt.Errorf("%w: journey %q: %w", ErrBadJob, op.Name, err)
			}
		}
		weights[i] = op.Weight
	}
	mix, err := workloads.NewMix(weights)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadJob, err)
	}
	e := &engine{job: job, clock: job.Clock, profile: job.Profile, mix: mix, sink: sink,
		stages: len(job.Profile.Stages())}
	for _, op := range job.Ops {
		e.maxBatch = max(e.maxBatch, op.Batch)
	}
	if e.clock == nil {
		e.clock = WallClock()
	}
	e.lanes = e.newLanes()
	return e, nil
}

func (e *engine) newLanes() []*lane {
	job := e.job
	n := job.Lanes
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	n = min(n, job.MaxInFlight)
	shard, shards := job.Shard, max(job.Shards, 1)
	total := uint64(n * shards)
	lanes := make([]*lane, n)
	for i := range lanes {
		g := uint64(shard*n + i)
		cap := job.MaxInFlight / n
		if i < job.MaxInFlight%n {
			cap++
		}
		l := &lane{e: e, seq: g, seqStep: total, maxWorkers: cap,
			sched: workloads.NewSchedule(job.Profile, workloads.NewRand(job.Seed, 2*g), int(g), int(total)),
			rng:   workloads.NewRand(job.Seed, 2*g+1),
			work:  make(chan item, max(cap, handOff)),
			rec:   newRecorder(e.stages, len(job.Ops)),
			gens:  make([]StageInterval, e.stages),
		}
		for _, ks := range job.Keyspaces {
			l.keys = append(l.keys, ks.Shard(int(g), int(total)))
		}
		lanes[i] = l
	}
	return lanes
}

// since is the time since the run started.
func (e *engine) since() time.Duration { return e.clock.Now() - e.start }

func (e *engine) run(ctx context.Context) error {
	opCtx, cancelOps := opContext(ctx)
	defer cancelOps()
	e.opCtx = opCtx
	e.start = e.clock.Now()

	stop := make(chan struct{})
	var lanesWG sync.WaitGroup
	for _, l := range e.lanes {
		lanesWG.Go(func() { l.schedule(stop) })
	}
	lanesDone := make(chan struct{})
	go func() { lanesWG.Wait(); close(lanesDone) }()

	collectorDone := make(chan struct{})
	collected := make(chan error, 1) // the collector's one result
	go func() { collected <- e.collect(collectorDone) }()

	collectorExited, err := e.await(ctx, stop, lanesDone, collected, cancelOps)
	close(collectorDone)
	if !collectorExited {
		if cerr := <-collected; err == nil {
			err = cerr
		}
	}
	return err
}

// await supervises the two-step stop. It returns whether the collector
// already exited, which it does only when the sink failed, and why the run
// ended early (nil when it ran its course).
func (e *engine) await(ctx context.Context, stop chan struct{}, lanesDone <-chan struct{},
	collected <-chan error, cancelOps context.CancelFunc) (collectorExited bool, err error) {
	drain := e.job.DrainTimeout
	hard := e.clock.NewTimer(e.profile.Duration() + drain)
	defer hard.Stop()
	var runErr error
	scheduling := true
	stopScheduling := func(err error) {
		if runErr == nil {
			runErr = err
		}
		if scheduling {
			scheduling = false
			close(stop)
			hard.Reset(drain)
		}
	}
	done := ctx.Done()
	for {
		select {
		case <-lanesDone:
			return collectorExited, runErr
		case <-done:
			done = nil
			stopScheduling(ctx.Err())
		case err := <-collected:
			collected, collectorExited = nil, true
			stopScheduling(err)
		case <-hard.C():
			if scheduling {
				scheduling = false
				close(stop)
			}
			e.stopped.Store(true)
			cancelOps()
		}
	}
}
