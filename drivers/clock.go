package drivers

import "time"

// Clock is the engine's only source of time. The engine, the recorder and
// the sim target read it instead of the time package so that a run can be
// replayed in virtual time.
//
// Times are offsets from the clock's epoch, read from a monotonic clock, so
// that a wall-clock step (NTP, a VM migration) never shows up as latency.
type Clock interface {
	// Now returns the time elapsed since the clock's epoch.
	Now() time.Duration
	// NewTimer returns a stopped-or-running timer that fires once after d.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer from a [Clock]. It mirrors [time.Timer]: after
// Reset the channel receives exactly one value when the timer fires.
type Timer interface {
	// C is the channel on which the timer delivers its firing.
	C() <-chan time.Time
	// Reset rearms the timer to fire after d.
	Reset(d time.Duration)
	// Stop prevents the timer from firing and reports whether it was armed.
	Stop() bool
}

// WallClock is the production [Clock]: the monotonic reading of the time
// package, relative to the moment WallClock was called.
//
// Inside a testing/synctest bubble the time package itself is virtual, so the
// same WallClock turns a run into a discrete-event simulation: time advances
// only when every goroutine of the run is blocked, a whole run finishes in
// milliseconds, and its results do not depend on machine speed.
func WallClock() Clock {
	return wallClock{epoch: time.Now()}
}

type wallClock struct{ epoch time.Time }

func (c wallClock) Now() time.Duration { return time.Since(c.epoch) }

func (c wallClock) NewTimer(d time.Duration) Timer { return wallTimer{time.NewTimer(d)} }

type wallTimer struct{ t *time.Timer }

func (t wallTimer) C() <-chan time.Time   { return t.t.C }
func (t wallTimer) Reset(d time.Duration) { t.t.Reset(d) }
func (t wallTimer) Stop() bool            { return t.t.Stop() }
