package queue

import (
	"context"
	"embed"
	"errors"

	"github.com/redis/go-redis/v9"
)

//go:embed redis_scripts/*.lua
var redisScriptFiles embed.FS

// redisScriptSet holds the broker's Lua scripts. Each one names every key
// it touches in KEYS, all under one queue's hash tag, so that it runs on
// Redis Cluster; they are sent with EVALSHA, and with EVAL when Redis
// answers NOSCRIPT (after a restart or SCRIPT FLUSH).
type redisScriptSet struct {
	enqueue, move, ack, complete, fail, release, requeue, deleteDead, stats, reap *redis.Script
}

// redisScripts are immutable once built.
var redisScripts = loadRedisScripts()

func loadRedisScripts() *redisScriptSet {
	read := func(name string) string {
		b, err := redisScriptFiles.ReadFile("redis_scripts/" + name + ".lua")
		if err != nil {
			panic("queue: missing embedded script " + name)
		}
		return string(b)
	}
	prelude := read("prelude")
	job := func(name string) *redis.Script { return redis.NewScript(prelude + read(name)) }
	return &redisScriptSet{
		enqueue:    job("enqueue"),
		move:       job("move"),
		ack:        redis.NewScript(read("ack")),
		complete:   job("complete"),
		fail:       job("fail"),
		release:    job("release"),
		requeue:    job("requeue"),
		deleteDead: job("delete_dead"),
		stats:      job("stats"),
		reap:       redis.NewScript(read("reap")),
	}
}

// redisCall is one script call queued in a pipeline.
type redisCall struct {
	script *redis.Script
	keys   []string
	args   []any
	cmd    *redis.Cmd
}

// queue adds the call to pipe, by digest.
func (c *redisCall) queue(ctx context.Context, pipe redis.Pipeliner) {
	c.cmd = c.script.EvalSha(ctx, pipe, c.keys, c.args...)
}

// retryNoScript runs the call again with its source if Redis did not know
// its digest.
func (c *redisCall) retryNoScript(ctx context.Context, rdb redis.Scripter) {
	if c.cmd != nil && isRedisNoScript(c.cmd.Err()) {
		c.cmd = c.script.Eval(ctx, rdb, c.keys, c.args...)
	}
}

func isRedisNoScript(err error) bool {
	return err != nil && (errors.Is(err, redis.ErrNoScript) || redis.HasErrorPrefix(err, "NOSCRIPT"))
}
