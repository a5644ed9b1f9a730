package queue_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// Chain applies middleware first-outermost; with none it returns h.
func TestChain(t *testing.T) {
	var trace []string
	layer := func(name string) queue.Middleware {
		return func(next queue.Handler) queue.Handler {
			return queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
				trace = append(trace, name+">")
				err := next.ProcessJob(ctx, job)
				trace = append(trace, "<"+name)
				return err
			})
		}
	}
	boom := errors.New("boom")
	h := queue.HandlerFunc(func(context.Context, *queue.Job) error {
		trace = append(trace, "h")
		return boom
	})
	err := queue.Chain(h, layer("1"), layer("2"), layer("3")).ProcessJob(t.Context(), &queue.Job{})
	require.ErrorIs(t, err, boom)
	require.Equal(t, []string{"1>", "2>", "3>", "h", "<3", "<2", "<1"}, trace)

	trace = nil
	require.ErrorIs(t, queue.Chain(h).ProcessJob(t.Context(), &queue.Job{}), boom)
	require.Equal(t, []string{"h"}, trace)
}

// A Mux routes by type; an unknown type is ErrNoHandler and ErrSkipRetry.
func TestMuxRouting(t *testing.T) {
	var mux queue.Mux
	var got []string
	mux.HandleFunc("a", func(_ context.Context, job *queue.Job) error {
		got = append(got, "a:"+job.ID)
		return nil
	})
	mux.Handle("b", queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		got = append(got, "b:"+job.ID)
		return nil
	}))
	require.NoError(t, mux.ProcessJob(t.Context(), &queue.Job{ID: "1", Type: "a"}))
	require.NoError(t, mux.ProcessJob(t.Context(), &queue.Job{ID: "2", Type: "b"}))
	require.Equal(t, []string{"a:1", "b:2"}, got)

	err := mux.ProcessJob(t.Context(), &queue.Job{ID: "3", Type: "c"})
	require.ErrorIs(t, err, queue.ErrNoHandler)
	require.ErrorIs(t, err, queue.ErrSkipRetry)
	require.ErrorContains(t, err, `"c"`)

	var empty queue.Mux
	require.ErrorIs(t, empty.ProcessJob(t.Context(), &queue.Job{Type: "a"}), queue.ErrNoHandler, "the zero Mux")
}

// Registering a type twice, or a nil handler, is a programming error.
func TestMuxPanics(t *testing.T) {
	var mux queue.Mux
	mux.HandleFunc("a", func(context.Context, *queue.Job) error { return nil })
	require.PanicsWithValue(t, "queue: Mux.Handle: type registered twice: a", func() {
		mux.HandleFunc("a", func(context.Context, *queue.Job) error { return nil })
	})
	require.PanicsWithValue(t, "queue: Mux.Handle: nil handler for b", func() { mux.Handle("b", nil) })
}
