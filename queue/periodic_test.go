package queue

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Period boundaries are multiples of the period since the Unix epoch, the
// first one strictly after now.
func TestPeriodicNextSlot(t *testing.T) {
	for _, every := range []time.Duration{time.Second, 7 * time.Second, time.Minute, 90 * time.Minute, 24 * time.Hour} {
		for _, now := range []time.Time{
			time.Date(2030, 5, 6, 7, 8, 9, 123, time.UTC),
			time.Unix(0, 0),
			time.Unix(1234567890, 0),
		} {
			slot := nextSlot(now, every)
			require.Zero(t, slot.UnixNano()%int64(every), "%s after %s: %s", every, now, slot)
			require.True(t, slot.After(now), "%s after %s: %s", every, now, slot)
			require.LessOrEqual(t, slot.Sub(now), every, "%s after %s: %s", every, now, slot)
		}
	}
	// On a boundary, the next one.
	on := time.Unix(700, 0)
	require.Equal(t, time.Unix(707, 0), nextSlot(on, 7*time.Second))
}

// A periodic job is enqueued with an id that names its boundary, which the
// schedule's own options may replace.
func TestPeriodicJobID(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	w, err := NewWorker(m, HandlerFunc(nil), WorkerConfig{Queues: map[string]int{"none": 1}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.schedule(ctx, Periodic{Name: "p", Every: time.Second, Type: "t", Options: []Option{OnQueue("ticks")}})
	}()
	defer func() { cancel(); <-done }()
	var ds []*delivery
	for ds == nil {
		ds, err = m.fetch(ctx, fetchRequest{queues: []string{"ticks"}, max: 1, block: 5 * time.Second, lease: time.Minute})
		require.NoError(t, err)
	}
	job := ds[0].job
	ms, ok := strings.CutPrefix(job.ID, "periodic:p:")
	require.True(t, ok, job.ID)
	n, err := strconv.ParseInt(ms, 10, 64)
	require.NoError(t, err, job.ID)
	require.Zero(t, n%1000, "a boundary: %s", job.ID)
	require.False(t, job.EnqueuedAt.Before(time.UnixMilli(n)), "enqueued before its boundary")
	require.Equal(t, "t", job.Type)
}
