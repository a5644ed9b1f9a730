package queue

import (
	"context"
	"slices"
	"sync"
	"time"
)

// redisMaxLocalDue bounds the run-at times a queue remembers for its timer; the
// later ones are moved by the workers' fetches, within a second.
const redisMaxLocalDue = 1024

// redisTimers tracks the timer callbacks running, so that Close can wait
// for them.
type redisTimers struct {
	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
}

// scheduleMove notes that a job of q scheduled through this broker is due
// at t, and arms q's timer so that the job is moved onto the stream (which
// wakes a blocked worker) when it is due, not at a worker's next look.
func (r *Redis) scheduleMove(q *redisQueue, t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.nextDue.IsZero() || t.Before(q.nextDue) {
		q.nextDue = t
	}
	i, _ := slices.BinarySearchFunc(q.localDue, t, time.Time.Compare)
	if i >= redisMaxLocalDue {
		return
	}
	q.localDue = slices.Insert(q.localDue, i, t)
	if len(q.localDue) > redisMaxLocalDue {
		q.localDue = q.localDue[:redisMaxLocalDue]
	}
	r.armLocked(q, q.localDue[0])
}

// armLocked makes q's timer fire at the latest at t. q.mu is held.
func (r *Redis) armLocked(q *redisQueue, t time.Time) {
	if r.closed.Load() || (q.timer != nil && !q.timerAt.After(t)) {
		return
	}
	if q.timer != nil {
		q.timer.Stop()
	}
	q.timerAt = t
	q.timer = time.AfterFunc(time.Until(t), func() { r.timerMove(q) })
}

// timerMove runs the move script for q and re-arms the timer for the next
// local run-at time.
func (r *Redis) timerMove(q *redisQueue) {
	r.timers.mu.Lock()
	if r.timers.closed {
		r.timers.mu.Unlock()
		return
	}
	r.timers.running.Add(1)
	r.timers.mu.Unlock()
	defer r.timers.running.Done()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now()
	err := q.moved(redisScripts.move.Run(ctx, r.rdb, q.keys.all, now.UnixMilli(), redisMoveLimit), now)

	q.mu.Lock()
	defer q.mu.Unlock()
	q.timer = nil
	if err != nil {
		r.log.Debug("queue: moving due jobs failed; retrying", "queue", q.name, "error", err)
		r.armLocked(q, now.Add(time.Second))
		return
	}
	i := 0
	for i < len(q.localDue) && !q.localDue[i].After(now) {
		i++
	}
	q.localDue = slices.Delete(q.localDue, 0, i)
	if len(q.localDue) > 0 {
		r.armLocked(q, q.localDue[0])
	}
}

// stopTimers stops every queue's timer and waits for running callbacks.
func (r *Redis) stopTimers() {
	r.timers.mu.Lock()
	r.timers.closed = true
	r.timers.mu.Unlock()
	r.queues.Range(func(_, v any) bool {
		q := v.(*redisQueue)
		q.mu.Lock()
		if q.timer != nil {
			q.timer.Stop()
			q.timer = nil
		}
		q.mu.Unlock()
		return true
	})
	r.timers.running.Wait()
}
