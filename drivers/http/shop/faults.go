package shop

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/surgeload/surge/drivers"
	"github.com/surgeload/surge/drivers/sim"
)

// Fault is what an endpoint does wrong on purpose, before its model
// serves a request: first a Stall holds it, then a Delay slows it, then
// a fraction ErrorRate is answered Status at once. The zero Fault is no
// fault.
type Fault struct {
	// ErrorRate is the fraction of requests answered Status instead of
	// being served, 0 to 1.
	ErrorRate float64
	// Status is the status of an injected error, 400 to 599; 0 means 500.
	Status int
	// Delay is added to every request, as a slow dependency would.
	Delay time.Duration
	// Stall holds every request until a later SetFault clears it, as a
	// hung service does; Close releases them too.
	Stall bool
}

// endpoint is one endpoint's model, faults and counts.
type endpoint struct {
	model *sim.Target
	// requests counts the requests, and numbers them for the model's and
	// faults' draws.
	requests, errors, overloads atomic.Int64

	faultMu sync.Mutex // serialises SetFault
	fault   atomic.Pointer[faultState]
	// stallHook, if set, is called as a request starts to be held by a
	// Stall (tests).
	stallHook atomic.Pointer[func()]
}

// faultState is a Fault in force, with the channel its Stall waits on.
type faultState struct {
	Fault
	release chan struct{} // closed when the stall is cleared; nil without one
}

// SetFault sets the faults of the named endpoint, replacing its previous
// ones; a zero Fault clears them. Requests held by a Stall are released
// when a Fault without Stall is set. It is safe while the server serves.
func (s *Server) SetFault(endpoint string, f Fault) error {
	i, ok := endpointIndex(endpoint)
	if !ok {
		return fmt.Errorf("shop: fault on %q: %w", endpoint, ErrUnknownEndpoint)
	}
	switch {
	case !(f.ErrorRate >= 0 && f.ErrorRate <= 1):
		return fmt.Errorf("shop: fault on %s: %w: error rate %g: want 0 to 1", endpoint, ErrBadConfig, f.ErrorRate)
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("shop: fault on %s: %w: status %d: want 400 to 599", endpoint, ErrBadConfig, f.Status)
	case f.Delay < 0:
		return fmt.Errorf("shop: fault on %s: %w: delay %v: want a positive duration", endpoint, ErrBadConfig, f.Delay)
	}
	ep := &s.eps[i]
	ep.faultMu.Lock()
	defer ep.faultMu.Unlock()
	old := ep.fault.Load()
	next := &faultState{Fault: f}
	switch {
	case f.Stall && old != nil && old.release != nil:
		next.release = old.release // still held
	case f.Stall:
		next.release = make(chan struct{})
	case old != nil && old.release != nil:
		defer close(old.release) // after the Store: a released request sees no stall
	}
	if f == (Fault{}) {
		next = nil
	}
	ep.fault.Store(next)
	return nil
}

// statusGone means the request's context ended (the client left or the
// server is closing): there is no one to answer.
const statusGone = -1

// admit puts request n of ep through its faults and its model. It returns
// 0 to serve the request, an error status and message to answer instead,
// or statusGone.
func (s *Server) admit(ctx context.Context, ep *endpoint, n uint64) (int, string) {
	if f := ep.fault.Load(); f != nil {
		if status, msg := s.injure(ctx, ep, f, n); status != 0 {
			return status, msg
		}
	}
	op := drivers.Op{Seq: n}
	err := ep.model.Do(ctx, &op)
	if ctx.Err() != nil {
		return statusGone, ""
	}
	switch drivers.ClassOf(err) {
	case drivers.ClassOK:
		return 0, ""
	case drivers.ClassOverload:
		ep.overloads.Add(1)
		return http.StatusServiceUnavailable, "overloaded"
	}
	return http.StatusInternalServerError, "internal error"
}

// injure applies fault f to request n: 0 to go on to the model, else what
// admit returns.
func (s *Server) injure(ctx context.Context, ep *endpoint, f *faultState, n uint64) (int, string) {
	if f.release != nil {
		if hook := ep.stallHook.Load(); hook != nil {
			(*hook)()
		}
		select {
		case <-f.release:
		case <-ctx.Done():
			return statusGone, ""
		}
	}
	if f.Delay > 0 {
		t := s.clock.NewTimer(f.Delay)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return statusGone, ""
		}
	}
	if f.ErrorRate > 0 && sim.UnitDraw(s.seed, n, 1) < f.ErrorRate {
		if f.Status != 0 {
			return f.Status, "injected fault"
		}
		return http.StatusInternalServerError, "injected fault"
	}
	return 0, ""
}
