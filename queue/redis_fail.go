package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisMaxLastError bounds the error text kept with a job.
const redisMaxLastError = 2000

// fail records a failed run in one script: the job goes to the retry set
// with its attempt counted, or to the dead-letter set. If the entry was no
// longer pending (another worker claimed and finished it), nothing changes.
func (r *Redis) fail(ctx context.Context, d *delivery, next time.Time, err error) error {
	rd := redisHandle(d)
	now := time.Now()
	job := d.job
	job.LastError = redisErrorText(err)
	meta := redisMeta{timeout: d.timeout, explicit: rd.explicit}
	var nextMs int64
	if next.IsZero() {
		meta.failedAt = now
	} else {
		job.Attempt++
		nextMs = max(next.UnixMilli(), 1)
	}
	record := appendRedisRecord(make([]byte, 0, redisRecordSize(&job)), &job, meta)
	res, ferr := redisScripts.fail.Run(ctx, r.rdb, rd.q.keys.all,
		rd.eid, job.ID, job.UniqueKey, now.UnixMilli(), nextMs, record).Int64()
	if ferr != nil {
		return fmt.Errorf("queue: record failed run of job %s: %w", job.ID, ferr)
	}
	if res == 1 {
		r.scheduleMove(rd.q, next)
	}
	return nil
}

func redisErrorText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > redisMaxLastError {
		s = s[:redisMaxLastError]
	}
	return s
}

// release hands a job back unrun: a new entry at the end of its stream,
// the attempt not counted.
func (r *Redis) release(ctx context.Context, d *delivery) error {
	if err := r.releaseAll(ctx, []*delivery{d}); err != nil {
		return fmt.Errorf("queue: release job %s: %w", d.job.ID, err)
	}
	return nil
}

// releaseAll releases ds in one pipeline.
func (r *Redis) releaseAll(ctx context.Context, ds []*delivery) error {
	calls := make([]redisCall, len(ds))
	pipe := r.rdb.Pipeline()
	for i, d := range ds {
		rd := redisHandle(d)
		calls[i] = redisCall{script: redisScripts.release, keys: rd.q.keys.all, args: []any{rd.eid, d.job.ID, rd.record}}
		calls[i].queue(ctx, pipe)
	}
	_, _ = pipe.Exec(ctx)
	var err error
	for i := range calls {
		calls[i].retryNoScript(ctx, r.rdb)
		if cerr := calls[i].cmd.Err(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}

// extend renews the leases of running jobs: one XCLAIM JUSTID per queue,
// which resets the entries' idle time without counting a delivery, in one
// pipeline.
func (r *Redis) extend(ctx context.Context, consumer string, ds []*delivery, _ time.Duration) error {
	type claim struct {
		q    *redisQueue
		eids []string
	}
	var claims []claim
	for _, d := range ds {
		rd := redisHandle(d)
		i := 0
		for i < len(claims) && claims[i].q != rd.q {
			i++
		}
		if i == len(claims) {
			claims = append(claims, claim{q: rd.q})
		}
		claims[i].eids = append(claims[i].eids, rd.eid)
	}
	pipe := r.rdb.Pipeline()
	for _, c := range claims {
		pipe.XClaimJustID(ctx, &redis.XClaimArgs{
			Stream: c.q.keys.stream, Group: redisGroup, Consumer: consumer, Messages: c.eids,
		})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("queue: renew leases: %w", err)
	}
	return nil
}
