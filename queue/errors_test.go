package queue_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// A RetryAtError is found through wrapping and unwraps to its cause.
func TestRetryAtError(t *testing.T) {
	cause := errors.New("429 too many requests")
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	err := fmt.Errorf("send: %w", queue.RetryAt(at, cause))

	var ra *queue.RetryAtError
	require.ErrorAs(t, err, &ra)
	require.Equal(t, at, ra.At)
	require.ErrorIs(t, err, cause)
	require.Equal(t, "send: 429 too many requests (retry at 2030-01-02T02:04:05Z)", err.Error())
	require.Equal(t, "retry requested (retry at 2030-01-02T02:04:05Z)", queue.RetryAt(at, nil).Error())
}

// RetryAfter is RetryAt now plus d.
func TestRetryAfter(t *testing.T) {
	before := time.Now()
	err := queue.RetryAfter(time.Minute, nil)
	var ra *queue.RetryAtError
	require.ErrorAs(t, err, &ra)
	require.WithinRange(t, ra.At, before.Add(time.Minute), time.Now().Add(time.Minute))
}

// Every error message carries the package prefix.
func TestErrorMessages(t *testing.T) {
	for _, err := range []error{queue.ErrInvalid, queue.ErrClosed, queue.ErrNotFound, queue.ErrSkipRetry, queue.ErrNoHandler, &queue.PanicError{Value: "x"}} {
		require.Regexp(t, `^queue: [a-z]`, err.Error())
	}
	require.Equal(t, "queue: handler panicked: boom", (&queue.PanicError{Value: "boom"}).Error())
}
