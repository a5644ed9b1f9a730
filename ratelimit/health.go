package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// health tracks whether Redis answers. After a failure, decisions skip
// Redis until a background probe (one every probe interval) finds it
// answering again, so no request waits on a dead server; the outage and
// the recovery are logged once each.
type health struct {
	interval int64 // ns
	log      *slog.Logger
	mode     FailureMode

	down      atomic.Bool
	since     atomic.Int64 // when the outage began, monotonic ns
	nextProbe atomic.Int64 // monotonic ns
	lastErr   atomic.Pointer[error]
	outages   atomic.Uint64
	errors    atomic.Uint64
}

// failed records a failed round trip at time now, and reports whether it
// began an outage.
func (h *health) failed(now int64, err error) bool {
	h.errors.Add(1)
	h.lastErr.Store(&err)
	h.nextProbe.Store(now + h.interval)
	if h.down.CompareAndSwap(false, true) {
		h.since.Store(now)
		h.outages.Add(1)
		h.log.LogAttrs(context.Background(), slog.LevelWarn, "ratelimit: redis unavailable, deciding without it until it answers",
			slog.String("failure_mode", h.behaviour()),
			slog.Duration("probe_interval", time.Duration(h.interval)),
			slog.String("error", err.Error()))
		return true
	}
	return false
}

// succeeded records a round trip that worked at time now.
func (h *health) succeeded(now int64) {
	if h.down.Load() && h.down.CompareAndSwap(true, false) {
		h.log.LogAttrs(context.Background(), slog.LevelInfo, "ratelimit: redis available again",
			slog.Duration("outage", time.Duration(now-h.since.Load())))
	}
}

// cause is the error of the last failed round trip.
func (h *health) cause() error {
	if p := h.lastErr.Load(); p != nil {
		return *p
	}
	return ErrUnavailable
}

func (h *health) behaviour() string {
	switch h.mode {
	case FailOpen:
		return "fail-open: each replica enforces the limits locally"
	case FailClosed:
		return "fail-closed: denying"
	}
	return "Allow fails open (each replica enforces the limits locally), Wait fails closed"
}
