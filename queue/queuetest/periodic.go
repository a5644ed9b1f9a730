package queuetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// Two workers sharing a Periodic enqueue it once per period boundary,
// never twice for one: over 3.5 seconds that start 250 ms after a
// boundary, three runs, one per boundary, each named by its boundary.
func testPeriodic(t *testing.T, b queue.Broker) {
	const every = time.Second
	p := queue.Periodic{Name: "tick", Every: every, Type: "tick", Payload: []byte("t")}

	// A window that starts 250 ms after a boundary holds three boundaries,
	// each well inside it.
	time.Sleep(time.Until(boundaryAfter(time.Now(), every).Add(250 * time.Millisecond)))
	h, runs := recorder()
	start := time.Now()
	w1 := startWorker(t, b, h, queue.WorkerConfig{Name: "w1", Periodic: []queue.Periodic{p}})
	w2 := startWorker(t, b, h, queue.WorkerConfig{Name: "w2", Periodic: []queue.Periodic{p}})
	time.Sleep(time.Until(start.Add(3500 * time.Millisecond)))
	stop := time.Now()
	require.NoError(t, w1.stop(t))
	require.NoError(t, w2.stop(t))

	slots := map[int64]int{}
	for done := false; !done; {
		select {
		case r := <-runs:
			require.Equal(t, "tick", r.job.Type)
			require.Equal(t, []byte("t"), r.job.Payload)
			var ms int64
			_, err := fmt.Sscanf(r.job.ID, "periodic:tick:%d", &ms)
			require.NoError(t, err, "periodic job id %q", r.job.ID)
			slot := time.UnixMilli(ms)
			require.Zero(t, ms%every.Milliseconds(), "slot %s is not a boundary", slot)
			require.True(t, slot.After(start) && !slot.After(stop), "slot %s outside the window [%s, %s]", slot, start, stop)
			notBefore(t, r.job.EnqueuedAt, slot, "the job of slot "+slot.String()+" was enqueued")
			slots[ms]++
		default:
			done = true
		}
	}
	for ms, n := range slots {
		require.Equal(t, 1, n, "slot %s ran %d times", time.UnixMilli(ms), n)
	}
	// Every boundary with time to run before the workers stopped ran.
	var want []int64
	for at := boundaryAfter(start.Add(100*time.Millisecond), every); at.Before(start.Add(3100 * time.Millisecond)); at = at.Add(every) {
		want = append(want, at.UnixMilli())
		require.Contains(t, slots, at.UnixMilli(), "no run for the boundary %s", at)
	}
	require.Len(t, want, 3)
	s := queueStats(t, b, queue.DefaultQueue)
	require.LessOrEqual(t, s.Pending+s.Active, int64(1), "jobs left after the workers stopped: %+v", s)
}

// boundaryAfter returns the first multiple of every since the Unix epoch
// after t.
func boundaryAfter(t time.Time, every time.Duration) time.Time {
	e := int64(every)
	return time.Unix(0, (t.UnixNano()/e+1)*e)
}
