package astest

import (
	"context"
	"errors"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
)

// Faults are what a server does wrong on purpose. They apply to data
// requests only, never to info requests: a node that fails its info
// requests is dropped by the client, which is a different test. Rates
// outside [0, 1] act as 0 or 1.
type Faults struct {
	// ResultCode answers a fraction ErrorRate of requests instead of
	// serving them: 14 KEY_BUSY (a hot key), 18 DEVICE_OVERLOAD, 9 TIMEOUT,
	// 8 SERVER_MEM_ERROR, ... . A batch gets it as a whole-batch error.
	ResultCode byte
	ErrorRate  float64
	// Delay holds every request back before it is served, as a slow node
	// does; past the client's timeout it becomes a client-side timeout.
	// Close interrupts it.
	Delay time.Duration
	// DropRate is the fraction of requests whose connection is closed
	// without a reply.
	DropRate float64
}

// SetFaults changes the faults; it is safe while the server serves. A
// zero Faults turns them off.
func (s *Server) SetFaults(f Faults) {
	if f == (Faults{}) {
		s.faults.Store(nil)
		return
	}
	s.faults.Store(&f)
}

// errDrop asks the connection loop to close the connection unanswered.
var errDrop = errors.New("dropped by fault injection")

// The result codes a capacity model answers with.
const (
	rcServerError    = 1
	rcTimeout        = 9
	rcDeviceOverload = 18
)

// admit applies the faults and the capacity model to data request n. It
// returns a result code to answer instead of serving (0 to serve), or
// errDrop, also when ctx is cancelled because the server is closing.
func (s *Server) admit(ctx context.Context, n uint64, sess *session) (byte, error) {
	if f := s.faults.Load(); f != nil {
		if f.Delay > 0 {
			if hook := s.delayHook.Load(); hook != nil {
				(*hook)()
			}
			if !sess.sleep(ctx, f.Delay) {
				return 0, errDrop
			}
		}
		if f.DropRate > 0 && sim.UnitDraw(s.opts.Seed, n, 1) < f.DropRate {
			return 0, errDrop
		}
		if f.ErrorRate > 0 && sim.UnitDraw(s.opts.Seed, n, 2) < f.ErrorRate {
			return f.ResultCode, nil
		}
	}
	if s.model == nil {
		return rcOK, nil
	}
	sess.op = drivers.Op{Seq: n}
	err := s.model.Do(ctx, &sess.op)
	if ctx.Err() != nil {
		return 0, errDrop
	}
	switch drivers.ClassOf(err) {
	case drivers.ClassOK:
		return rcOK, nil
	case drivers.ClassOverload:
		return rcDeviceOverload, nil
	case drivers.ClassTimeout:
		return rcTimeout, nil
	}
	return rcServerError, nil
}

// sleep waits for d on the session's timer, which it reuses, and reports
// whether d passed before ctx was cancelled. A timer rather than
// time.Sleep, so that Close does not wait out a long Delay.
func (sess *session) sleep(ctx context.Context, d time.Duration) bool {
	if sess.timer == nil {
		sess.timer = time.NewTimer(d)
	} else {
		sess.timer.Reset(d) // Go 1.23 timers: no stale tick to drain
	}
	select {
	case <-sess.timer.C:
		return true
	case <-ctx.Done():
		sess.timer.Stop()
		return false
	}
}

// newModel builds the capacity model of Options.Model, if any.
func newModel(cfg *sim.Config) (*sim.Target, error) {
	if cfg == nil {
		return nil, nil
	}
	return sim.New(*cfg, drivers.WallClock())
}
