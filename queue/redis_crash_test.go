package queue_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// The crash test's workload.
const (
	crashJobs        = 2000
	crashConcurrency = 6                     // per worker process
	crashJobTime     = 40 * time.Millisecond // each job's work
	crashProcs       = 3                     // worker processes at a time
	crashKills       = 5
	crashLease       = 2 * time.Second
)

// TestRedisCrashRecovery runs worker processes on real Redis and kills
// them with SIGKILL mid-job, again and again, starting a new one each
// time. Every job must complete; a job may run more than once only if a
// killed worker had it (running, or finished but not yet acknowledged);
// with MaxAttempts(1) a crash must not dead-letter anything (it is not an
// attempt); and the jobs of a killed worker must run again within twice
// the lease.
func TestRedisCrashRecovery(t *testing.T) {
	t.Parallel()
	rdb := redisTestClient(t)
	prefix := redisTestPrefix(t, rdb)
	runs := prefix + ":runs"
	b, _ := newTestRedis(t, queue.RedisOptions{Prefix: prefix})
	ctx := context.Background()

	ids := make(map[string]bool, crashJobs)
	for range crashJobs {
		res, err := b.Enqueue(ctx, "work", nil, queue.MaxAttempts(1))
		require.NoError(t, err)
		ids[res.ID] = true
	}

	procs := make([]*helperProc, 0, crashProcs)
	for range crashProcs {
		procs = append(procs, startHelper(t, "crash", prefix, runs, crashLease))
	}
	killedAt := map[int]time.Time{}
	for range crashKills {
		time.Sleep(time.Duration(500+rand.IntN(400)) * time.Millisecond)
		// Kill a process that has started jobs: it is mid-job (a job takes
		// 40 ms and it always has some).
		i := rand.IntN(len(procs))
		waitForRunOf(t, rdb, runs, procs[i].pid())
		killedAt[procs[i].pid()] = procs[i].kill(t)
		procs[i] = startHelper(t, "crash", prefix, runs, crashLease)
	}

	// Wait for every job to run and be acknowledged.
	deadline := time.Now().Add(45 * time.Second)
	for {
		st := queueStats(t, b, queue.DefaultQueue)
		if st.Pending == 0 && st.Active == 0 && st.Retry == 0 && len(distinctRuns(readRuns(t, rdb, runs))) == crashJobs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done after 45s: %+v, %d distinct jobs ran", st, len(distinctRuns(readRuns(t, rdb, runs))))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, p := range procs {
		p.stop(t)
	}

	all := readRuns(t, rdb, runs)
	byJob := map[string][]helperRun{}
	for _, r := range all {
		require.True(t, ids[r.id], "unknown job %s ran", r.id)
		byJob[r.id] = append(byJob[r.id], r)
	}
	require.Len(t, byJob, crashJobs, "every job ran")
	rerun := 0
	var slowest time.Duration
	for id, rs := range byJob {
		if len(rs) == 1 {
			continue
		}
		rerun++
		for i, r := range rs[:len(rs)-1] {
			kill, killed := killedAt[r.pid]
			require.True(t, killed, "job %s ran more than once (%v) though worker %d was not killed", id, rs, r.pid)
			next := rs[i+1]
			require.False(t, next.start.Before(kill), "job %s ran again at %s, before its worker was killed at %s", id, next.start, kill)
			require.LessOrEqual(t, next.start.Sub(kill), 2*crashLease, "job %s of worker %d (killed at %s) ran again at %s", id, r.pid, kill, next.start)
			slowest = max(slowest, next.start.Sub(kill))
		}
	}
	require.Positive(t, rerun, "no job of a killed worker ran again: the test did not exercise recovery")
	t.Logf("%d jobs, %d runs, %d jobs ran again after %d kills, at most %s after the kill (lease %s)",
		crashJobs, len(all), rerun, crashKills, slowest, crashLease)

	st := queueStats(t, b, queue.DefaultQueue)
	require.Zero(t, st.Dead, "a crash is not a failed attempt: %+v", st)
	require.Zero(t, st.Failed, "%+v", st)
	require.EqualValues(t, crashJobs, st.Processed, "each job acknowledged once: %+v", st)
}

// distinctRuns returns the set of job ids that ran.
func distinctRuns(rs []helperRun) map[string]bool {
	m := make(map[string]bool, len(rs))
	for _, r := range rs {
		m[r.id] = true
	}
	return m
}

// waitForRunOf waits until process pid has recorded a run.
func waitForRunOf(t *testing.T, rdb *redis.Client, runs string, pid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range readRuns(t, rdb, runs) {
			if r.pid == pid {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("worker process %d ran no job within 20s", pid)
}
