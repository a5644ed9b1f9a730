package queue_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// TestRedisPeriodicAcrossProcesses runs three worker processes with the
// same one-second schedule for ten periods: each period's job runs
// exactly once.
func TestRedisPeriodicAcrossProcesses(t *testing.T) {
	t.Parallel()
	const procs, periods = 3, 10
	rdb := redisTestClient(t)
	prefix := redisTestPrefix(t, rdb)
	runs := prefix + ":runs"
	b, _ := newTestRedis(t, queue.RedisOptions{Prefix: prefix})

	ps := make([]*helperProc, procs)
	for i := range ps {
		ps[i] = startHelper(t, "periodic", prefix, runs, 5*time.Second)
	}
	waitReady(t, rdb, runs, procs)
	// The first period boundary at least a second after every scheduler
	// started, and the nine after it.
	first := time.Now().Truncate(time.Second).Add(2 * time.Second)
	end := first.Add(periods * time.Second)
	time.Sleep(time.Until(end.Add(1500 * time.Millisecond)))
	for _, p := range ps {
		p.stop(t)
	}

	// A periodic job's id names its period: periodic:<name>:<unix ms>.
	perPeriod := map[int64][]helperRun{}
	for _, r := range readRuns(t, rdb, runs) {
		var slot int64
		_, err := fmt.Sscanf(r.id, "periodic:tick:%d", &slot)
		require.NoError(t, err, "job id %q", r.id)
		require.Zero(t, slot%1000, "slot %d is not a period boundary", slot)
		require.False(t, r.enqueuedAt.Before(time.UnixMilli(slot)), "period %s enqueued early, at %s", time.UnixMilli(slot), r.enqueuedAt)
		perPeriod[slot] = append(perPeriod[slot], r)
	}
	for slot, rs := range perPeriod {
		require.Len(t, rs, 1, "period %s ran %d times: %v", time.UnixMilli(slot), len(rs), rs)
	}
	inWindow := 0
	for slot := first; slot.Before(end); slot = slot.Add(time.Second) {
		require.Len(t, perPeriod[slot.UnixMilli()], 1, "period %s", slot)
		inWindow++
	}
	require.Equal(t, periods, inWindow)
	st := queueStats(t, b, queue.DefaultQueue)
	require.Zero(t, st.Pending+st.Active+st.Retry+st.Dead, "%+v", st)
}
