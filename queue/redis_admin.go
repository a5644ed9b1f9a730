package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Stats describes every queue of the prefix that any broker has enqueued
// to or paused, sorted by name: a recorded follow-up counts as scheduled.
// It reads the registry, then runs one script per queue in one pipeline.
func (r *Redis) Stats(ctx context.Context) ([]Stats, error) {
	names, err := r.rdb.SMembers(ctx, r.registry).Result()
	if err != nil {
		return nil, fmt.Errorf("queue: stats: %w", err)
	}
	slices.Sort(names)
	calls := make([]redisCall, len(names))
	pipe := r.rdb.Pipeline()
	for i, name := range names {
		calls[i] = redisCall{script: redisScripts.stats, keys: r.queue(name).keys.all}
		calls[i].queue(ctx, pipe)
	}
	_, _ = pipe.Exec(ctx)
	out := make([]Stats, 0, len(names))
	for i, name := range names {
		calls[i].retryNoScript(ctx, r.rdb)
		st, err := redisParseStats(name, calls[i].cmd)
		if err != nil {
			return nil, fmt.Errorf("queue: stats of %s: %w", name, err)
		}
		out = append(out, st)
	}
	return out, nil
}

func redisParseStats(name string, cmd *redis.Cmd) (Stats, error) {
	vals, err := cmd.Slice()
	if err != nil {
		return Stats{}, err
	}
	if len(vals) != 11 {
		return Stats{}, fmt.Errorf("unexpected reply %v", vals)
	}
	n := func(i int) int64 {
		x, _ := vals[i].(int64)
		return x
	}
	str := func(i int) string {
		s, _ := vals[i].(string)
		return s
	}
	st := Stats{
		Queue:     name,
		Pending:   max(n(0)-n(1), 0),
		Active:    n(1),
		Scheduled: n(2),
		Retry:     n(3),
		Dead:      n(4),
		Processed: n(5),
		Failed:    n(6),
		Paused:    n(7) == 1,
	}
	if oldest := str(8); oldest != "" {
		sec, _ := strconv.ParseInt(str(9), 10, 64)
		usec, _ := strconv.ParseInt(str(10), 10, 64)
		if ms, ok := redisEntryMillis(oldest); ok {
			st.OldestPending = max(time.Unix(sec, usec*1000).Sub(time.UnixMilli(ms)), 0)
		}
	}
	return st, nil
}

// redisEntryMillis returns the time part of a stream entry id: when it was added.
func redisEntryMillis(eid string) (int64, bool) {
	ms, _, ok := strings.Cut(eid, "-")
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseInt(ms, 10, 64)
	return x, err == nil
}

// Dead lists up to limit dead jobs of queue, most recent first.
func (r *Redis) Dead(ctx context.Context, queue string, limit int) ([]*JobInfo, error) {
	if err := validName("queue name", queue); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, fmt.Errorf("%w: Dead: limit %d is negative", ErrInvalid, limit)
	}
	out := []*JobInfo{}
	if limit == 0 {
		return out, nil
	}
	q := r.queue(queue)
	ids, err := r.rdb.ZRevRange(ctx, q.keys.dead, 0, int64(limit-1)).Result()
	if err != nil || len(ids) == 0 {
		return out, redisErr("list dead jobs", err)
	}
	records, err := r.rdb.HMGet(ctx, q.keys.deadData, ids...).Result()
	if err != nil {
		return nil, redisErr("list dead jobs", err)
	}
	for i, rec := range records {
		s, ok := rec.(string)
		if !ok {
			continue // deleted meanwhile
		}
		info, err := redisDeadInfo(queue, s)
		if err != nil {
			return nil, fmt.Errorf("queue: dead job %s: %w", ids[i], err)
		}
		out = append(out, info)
	}
	return out, nil
}

// DeadJob returns one dead job, or ErrNotFound.
func (r *Redis) DeadJob(ctx context.Context, queue, id string) (*JobInfo, error) {
	rec, err := r.deadRecord(ctx, queue, id)
	if err != nil {
		return nil, err
	}
	info, err := redisDeadInfo(queue, rec)
	if err != nil {
		return nil, fmt.Errorf("queue: dead job %s: %w", id, err)
	}
	return info, nil
}

func (r *Redis) deadRecord(ctx context.Context, queue, id string) (string, error) {
	if err := validName("queue name", queue); err != nil {
		return "", err
	}
	rec, err := r.rdb.HGet(ctx, r.queue(queue).keys.deadData, id).Result()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("%w: dead job %q of queue %s", ErrNotFound, id, queue)
	}
	return rec, redisErr("read dead job", err)
}

func redisDeadInfo(queue, record string) (*JobInfo, error) {
	var job Job
	meta, err := decodeRedisRecord(record, &job)
	if err != nil {
		return nil, err
	}
	return &JobInfo{
		ID:          job.ID,
		Type:        job.Type,
		Queue:       queue,
		Payload:     job.Payload,
		State:       StateDead,
		Attempts:    job.Attempt,
		MaxAttempts: job.MaxAttempts,
		UniqueKey:   job.UniqueKey,
		LastError:   job.LastError,
		EnqueuedAt:  job.EnqueuedAt,
		FailedAt:    meta.failedAt,
	}, nil
}

// RequeueDead makes a dead job pending again with its attempts reset (its
// last error is kept). If a live job holds its unique key, the rules of
// Enqueue apply: it merges into a pending holder, or becomes the
// follow-up of a running one. If a live job has its id, it stays dead and
// the error wraps ErrInvalid.
func (r *Redis) RequeueDead(ctx context.Context, queue, id string) error {
	rec, err := r.deadRecord(ctx, queue, id)
	if err != nil {
		return err
	}
	var job Job
	meta, err := decodeRedisRecord(rec, &job)
	if err != nil {
		return fmt.Errorf("queue: dead job %s: %w", id, err)
	}
	job.Attempt = 1
	meta.failedAt = time.Time{}
	explicit := "0"
	if meta.explicit {
		explicit = "1"
	}
	q := r.queue(queue)
	res, err := redisScripts.requeue.Run(ctx, r.rdb, q.keys.all,
		id, rec, appendRedisRecord(nil, &job, meta), explicit, job.UniqueKey, time.Now().UnixMilli()).Int64()
	switch {
	case err != nil:
		return redisErr("requeue dead job", err)
	case res == 0:
		return fmt.Errorf("%w: dead job %q of queue %s (changed meanwhile)", ErrNotFound, id, queue)
	case res < 0:
		return fmt.Errorf("%w: requeue dead job %q: a live job of queue %s has its id", ErrInvalid, id, queue)
	}
	return nil
}

// DeleteDead removes a dead job for good.
func (r *Redis) DeleteDead(ctx context.Context, queue, id string) error {
	if err := validName("queue name", queue); err != nil {
		return err
	}
	res, err := redisScripts.deleteDead.Run(ctx, r.rdb, r.queue(queue).keys.all, id).Int64()
	if err != nil {
		return redisErr("delete dead job", err)
	}
	if res == 0 {
		return fmt.Errorf("%w: dead job %q of queue %s", ErrNotFound, id, queue)
	}
	return nil
}

// Pause stops workers from starting jobs of queue: at once in this
// broker, within about 100 ms in others.
func (r *Redis) Pause(ctx context.Context, queue string) error {
	return r.setPaused(ctx, queue, true)
}

// Resume lets workers start jobs of queue again.
func (r *Redis) Resume(ctx context.Context, queue string) error {
	if err := r.setPaused(ctx, queue, false); err != nil {
		return err
	}
	r.resumed.notify()
	r.wakeReads()
	return nil
}

func (r *Redis) setPaused(ctx context.Context, queue string, paused bool) error {
	if err := validName("queue name", queue); err != nil {
		return err
	}
	q := r.queue(queue)
	pipe := r.rdb.Pipeline()
	if paused {
		pipe.Set(ctx, q.keys.paused, "1", 0)
	} else {
		pipe.Del(ctx, q.keys.paused)
	}
	pipe.SAdd(ctx, r.registry, queue)
	if _, err := pipe.Exec(ctx); err != nil {
		return redisErr("pause or resume "+queue, err)
	}
	q.registered.Store(true)
	q.mu.Lock()
	q.paused, q.pausedAt = paused, time.Now()
	q.mu.Unlock()
	return nil
}

// redisErr prefixes a Redis error with what was being done; nil stays nil.
func redisErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("queue: %s: %w", what, err)
}
