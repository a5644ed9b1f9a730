package server

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the LogWriter's timer goroutine,
// counting the writes it gets.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// TestLoggerBuffersInfoLines: info lines wait for the flush interval and
// are then written together, in order; a warning is written at once with
// the lines before it; Close writes what is left.
func TestLoggerBuffersInfoLines(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	cfg := &Config{LogFormat: "text", LogFlushInterval: 300 * time.Millisecond}
	logger, lw := NewLogger(cfg, &out)

	logger.Info("first")
	logger.Info("second")
	require.Empty(t, out.String(), "info lines wait for the interval")
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "msg=second") }, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, 1, out.count(), "the two lines in one write")
	require.Less(t, strings.Index(out.String(), "msg=first"), strings.Index(out.String(), "msg=second"))

	logger.Info("third")
	logger.With("k", "v").Warn("trouble")
	s := out.String()
	require.Contains(t, s, "msg=third", "a warning flushes the lines before it")
	require.Contains(t, s, "msg=trouble k=v")
	require.Less(t, strings.Index(s, "msg=third"), strings.Index(s, "msg=trouble"))

	logger.Info("last")
	require.NotContains(t, out.String(), "msg=last")
	require.NoError(t, lw.Close())
	require.Contains(t, out.String(), "msg=last", "Close writes what is left")
	logger.Info("after close")
	require.Contains(t, out.String(), "msg=\"after close\"", "after Close lines are written at once")
}

// TestLoggerUnbuffered: LOG_FLUSH_INTERVAL=0 writes every line at once.
func TestLoggerUnbuffered(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	logger, _ := NewLogger(&Config{LogFormat: "json"}, &out)
	logger.Info("one")
	logger.Info("two")
	require.Equal(t, 2, out.count())
	require.Contains(t, out.String(), `"msg":"two"`)
}

// TestLogWriterBounded: 64 KiB of waiting lines are written without
// waiting for the interval.
func TestLogWriterBounded(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	lw := NewLogWriter(&out, time.Hour)
	line := []byte(strings.Repeat("x", 1023) + "\n")
	for range logBufferMax/len(line) - 1 {
		_, err := lw.Write(line)
		require.NoError(t, err)
	}
	require.Zero(t, out.count())
	_, err := lw.Write(line)
	require.NoError(t, err)
	require.Equal(t, 1, out.count())
	require.Len(t, out.String(), logBufferMax)
}
