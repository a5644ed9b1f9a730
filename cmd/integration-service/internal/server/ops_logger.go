package server

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBufferMax is how many bytes of log lines a LogWriter holds before
// it writes them without waiting for the flush interval.
const logBufferMax = 64 << 10

// NewLogger returns the logger cfg asks for: JSON or text (LOG_FORMAT)
// at LOG_LEVEL, written to w through a LogWriter that flushes every
// LOG_FLUSH_INTERVAL (at once when it is 0). Close the LogWriter when
// the logger is no longer used, so that its last lines are written.
func NewLogger(cfg *Config, w io.Writer) (*slog.Logger, *LogWriter) {
	lw := NewLogWriter(w, cfg.LogFlushInterval)
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(lw, opts)
	} else {
		h = slog.NewTextHandler(lw, opts)
	}
	return slog.New(flushOnWarn{Handler: h, w: lw}), lw
}

// LogWriter buffers log lines and writes them to the underlying writer
// in one write at most every interval (or when 64 KiB are waiting): one
// line a request would otherwise cost a write(2) each, a large part of
// a fast handler's time. A line at level Warn or above is written at
// once with those before it, and Close writes what is left; a process
// killed with SIGKILL loses at most the last interval's lines.
type LogWriter struct {
	w        io.Writer
	interval time.Duration

	mu        sync.Mutex
	buf       []byte
	scheduled bool
	closed    bool
}

// NewLogWriter returns a LogWriter over w; interval 0 writes every line
// at once.
func NewLogWriter(w io.Writer, interval time.Duration) *LogWriter {
	return &LogWriter{w: w, interval: interval}
}

// Write buffers p, one log line (slog handlers write a line a call).
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.interval <= 0 || l.closed {
		return l.w.Write(p)
	}
	l.buf = append(l.buf, p...)
	if len(l.buf) >= logBufferMax {
		return len(p), l.flushLocked()
	}
	if !l.scheduled {
		l.scheduled = true
		time.AfterFunc(l.interval, func() { _ = l.Flush() })
	}
	return len(p), nil
}

// Flush writes the buffered lines now.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.scheduled = false
	return l.flushLocked()
}

func (l *LogWriter) flushLocked() error {
	if len(l.buf) == 0 {
		return nil
	}
	_, err := l.w.Write(l.buf)
	if cap(l.buf) > 4*logBufferMax {
		l.buf = nil // a burst of huge lines: do not keep its buffer
	} else {
		l.buf = l.buf[:0]
	}
	return err
}

// Close writes the buffered lines; later lines are written at once.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return l.flushLocked()
}

// flushOnWarn writes a LogWriter's lines at once after a line at level
// Warn or above, so that a failure is seen when it happens, with what
// led to it.
type flushOnWarn struct {
	slog.Handler
	w *LogWriter
}

// Handle writes r, and the buffered lines at once when r is a warning
// or worse.
func (h flushOnWarn) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs keeps the flushing around the handler with attrs.
func (h flushOnWarn) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushOnWarn{Handler: h.Handler.WithAttrs(attrs), w: h.w}
}

// WithGroup keeps the flushing around the handler with the group.
func (h flushOnWarn) WithGroup(name string) slog.Handler {
	return flushOnWarn{Handler: h.Handler.WithGroup(name), w: h.w}
}
