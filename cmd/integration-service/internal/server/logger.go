package server

import (
	"io"
	"log/slog"
)

// NewLogger returns the logger cfg asks for: JSON or text (LOG_FORMAT)
// at LOG_LEVEL, written to w.
func NewLogger(cfg *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
