package main

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// queueRunAsynq measures asynq on queue qname: Client.Enqueue from 50
// goroutines, then a Server with Concurrency 50 and default options until
// every task has run.
func queueRunAsynq(ctx context.Context, rdb *redis.Client, qname string) (res queueResult, err error) {
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = errors.Join(err, queueDeleteKeys(cctx, rdb, "asynq:{"+qname+"}:*"), rdb.SRem(cctx, "asynq:queues", qname).Err())
	}()
	client := asynq.NewClient(queueAsynqOpt(rdb))
	defer client.Close()
	res.enqueued, err = queueEnqueueAll(ctx, func(ctx context.Context) error {
		_, err := client.EnqueueContext(ctx, asynq.NewTask("noop", queuePayload), asynq.Queue(qname))
		return err
	})
	if err != nil {
		return res, err
	}

	var done atomic.Int64
	finished := make(chan struct{})
	srv := asynq.NewServer(queueAsynqOpt(rdb), asynq.Config{
		Concurrency: queueConcurrency,
		Queues:      map[string]int{qname: 1},
		LogLevel:    asynq.FatalLevel,
	})
	start := time.Now()
	if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		if done.Add(1) == queueJobs {
			close(finished)
		}
		return nil
	})); err != nil {
		return res, err
	}
	select {
	case <-finished:
	case <-ctx.Done():
	}
	elapsed := time.Since(start)
	srv.Shutdown()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.processed = queueJobs / elapsed.Seconds()
	return res, nil
}

// queueAsynqOpt connects asynq the way its users do: its own clients, with
// asynq's defaults, to the same Redis.
func queueAsynqOpt(rdb *redis.Client) asynq.RedisClientOpt {
	o := rdb.Options()
	return asynq.RedisClientOpt{Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig}
}
