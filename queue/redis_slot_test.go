package queue_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/queue"
)

// crc16 is CRC16-CCITT (XMODEM), the hash of Redis Cluster's key slots.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// keySlot is the Cluster slot of key: of the part between the first "{"
// and the next "}" if that part is not empty, else of the whole key.
func keySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return int(crc16(key)) % 16384
}

func TestKeySlot(t *testing.T) {
	t.Parallel()
	// From the Redis Cluster specification and CLUSTER KEYSLOT.
	require.Equal(t, uint16(0x31C3), crc16("123456789"))
	require.Equal(t, 12182, keySlot("foo"))
	require.Equal(t, 5061, keySlot("bar"))
	require.Equal(t, 866, keySlot("hello"))
	require.Equal(t, keySlot("user1000"), keySlot("{user1000}.following"))
	require.Equal(t, keySlot("user1000"), keySlot("foo{user1000}{x}"))
	require.Equal(t, keySlot("foo{}{bar}"), int(crc16("foo{}{bar}"))%16384)
	require.Equal(t, keySlot("{bar"), int(crc16("{bar"))%16384)
}

// commandRecorder is a go-redis hook that keeps the arguments of every
// command sent, pipelined or not.
type commandRecorder struct {
	mu   sync.Mutex
	cmds [][]any
}

func (r *commandRecorder) add(cmd redis.Cmder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmds = append(r.cmds, append([]any(nil), cmd.Args()...))
}

func (r *commandRecorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *commandRecorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.add(cmd)
		return next(ctx, cmd)
	}
}

func (r *commandRecorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			r.add(cmd)
		}
		return next(ctx, cmds)
	}
}

func (r *commandRecorder) commands() [][]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]any(nil), r.cmds...)
}

// TestRedisKeySlots exercises every feature of the broker on two queues
// through a client that records every command, then asks Redis (COMMAND
// GETKEYS) for the keys of each: every key is under the prefix, each
// queue's keys are in one Cluster slot, and so are the keys of every
// command but the one a single-node client uses to block on several
// queues at once. The keys left in Redis are in those slots too.
func TestRedisKeySlots(t *testing.T) {
	t.Parallel()
	plain := redisTestClient(t)
	prefix := redisTestPrefix(t, plain)
	rec := &commandRecorder{}
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	rdb.AddHook(rec)
	t.Cleanup(func() { _ = rdb.Close() })
	b, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: prefix, Logger: testLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })

	exerciseBroker(t, b)
	require.NoError(t, b.Close())

	ctx := context.Background()
	queueSlots := map[string]map[int]bool{} // queue ("" for the registry) -> slots
	note := func(key string) {
		tag, ok := strings.CutPrefix(key, prefix+":{"+prefix)
		require.True(t, ok, "key %q is not under the prefix's tags", key)
		name, _, ok := strings.Cut(tag, "}")
		require.True(t, ok, "key %q", key)
		name = strings.TrimPrefix(name, ":")
		if queueSlots[name] == nil {
			queueSlots[name] = map[int]bool{}
		}
		queueSlots[name][keySlot(key)] = true
	}
	multi := 0
	for _, args := range rec.commands() {
		switch strings.ToLower(fmt.Sprint(args[0])) {
		case "hello", "client", "ping", "auth", "select", "script":
			continue // connection set-up, CLIENT ID and UNBLOCK: no keys
		}
		keys, err := plain.CommandGetKeys(ctx, args...).Result()
		require.NoError(t, err, "COMMAND GETKEYS %v", args)
		slots := map[int]bool{}
		for _, k := range keys {
			note(k)
			slots[keySlot(k)] = true
		}
		if len(slots) > 1 {
			require.Equal(t, "xreadgroup", strings.ToLower(fmt.Sprint(args[0])), "command %v spans slots", args)
			multi++
		}
	}
	require.Positive(t, multi, "the single-node blocking read on several queues was exercised")
	require.Contains(t, queueSlots, "")
	require.Contains(t, queueSlots, "a")
	require.Contains(t, queueSlots, "b")
	for name, slots := range queueSlots {
		require.Len(t, slots, 1, "queue %q uses slots %v", name, slots)
	}
	left := redisKeysOf(ctx, t, plain, prefix)
	require.NotEmpty(t, left)
	for _, k := range left {
		note(k)
	}
	for name, slots := range queueSlots {
		require.Len(t, slots, 1, "queue %q keys in Redis use slots %v", name, slots)
	}
}

// exerciseBroker uses every feature of the broker on queues "a" and "b":
// plain, delayed, scheduled, id and unique enqueues, a follow-up, retries,
// dead-lettering and its repair, pause, stats, periodic jobs, lease
// renewal and expiry, and a hand-back at shutdown.
func exerciseBroker(t *testing.T, b *queue.Redis) {
	ctx := context.Background()
	enqueue := func(opts ...queue.Option) *queue.EnqueueResult {
		t.Helper()
		res, err := b.Enqueue(ctx, "job", nil, opts...)
		require.NoError(t, err)
		return res
	}
	release := make(chan struct{})
	running := make(chan string, 100)
	log := newRunLog()
	h := log.handler(func(ctx context.Context, j *queue.Job) error {
		switch j.UniqueKey {
		case "hold":
			running <- j.ID
			<-release
		case "fail":
			return errors.New("boom")
		case "slow":
			time.Sleep(600 * time.Millisecond) // past a lease renewal
		}
		return nil
	})
	runWorker(t, b, h, queue.WorkerConfig{
		Queues:   map[string]int{"a": 2, "b": 1},
		Lease:    time.Second,
		Backoff:  func(int) time.Duration { return 10 * time.Millisecond },
		Periodic: []queue.Periodic{{Name: "tick", Every: time.Second, Type: "job", Options: []queue.Option{queue.OnQueue("b")}}},
	})
	runWorker(t, b, h, queue.WorkerConfig{Queues: map[string]int{"a": 2, "b": 1}, StrictPriority: true})

	enqueue(queue.OnQueue("a"))
	enqueue(queue.OnQueue("b"), queue.ID("x"))
	enqueue(queue.OnQueue("b"), queue.ID("x"))
	enqueue(queue.OnQueue("a"), queue.Delay(20*time.Millisecond))
	enqueue(queue.OnQueue("b"), queue.RunAt(time.Now().Add(30*time.Millisecond)))
	enqueue(queue.OnQueue("a"), queue.Unique("slow"))
	held := enqueue(queue.OnQueue("a"), queue.Unique("hold"))
	require.Equal(t, held.ID, <-running)
	require.True(t, enqueue(queue.OnQueue("a"), queue.Unique("hold")).FollowUp)
	require.True(t, enqueue(queue.OnQueue("a"), queue.Unique("hold")).Duplicate)
	close(release)
	<-running // the follow-up
	dead := enqueue(queue.OnQueue("b"), queue.Unique("fail"), queue.MaxAttempts(2))
	require.Eventually(t, func() bool { _, err := b.DeadJob(ctx, "b", dead.ID); return err == nil }, 10*time.Second, 5*time.Millisecond)
	_, err := b.Dead(ctx, "b", 10)
	require.NoError(t, err)
	require.NoError(t, b.RequeueDead(ctx, "b", dead.ID))
	require.Eventually(t, func() bool { _, err := b.DeadJob(ctx, "b", dead.ID); return err == nil }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, b.DeleteDead(ctx, "b", dead.ID))
	require.NoError(t, b.Pause(ctx, "b"))
	enqueue(queue.OnQueue("b"))
	require.NoError(t, b.Resume(ctx, "b"))
	_, err = b.Stats(ctx)
	require.NoError(t, err)

	// A worker that gives up on a job whose handler ignores cancellation,
	// as if it had died: another one claims the job after the lease.
	stuck := make(chan struct{})
	lost := enqueue(queue.OnQueue("c"))
	w, err := queue.NewWorker(b, queue.HandlerFunc(func(context.Context, *queue.Job) error {
		<-stuck
		return nil
	}), queue.WorkerConfig{Queues: map[string]int{"c": 1}, Lease: time.Second, ShutdownTimeout: 10 * time.Millisecond, Logger: testLogger()})
	require.NoError(t, err)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	require.Eventually(t, func() bool { return queueStats(t, b, "c").Active == 1 }, 10*time.Second, 5*time.Millisecond)
	stop()
	require.ErrorContains(t, <-done, "still running") // abandons the job, as a crash would
	runWorker(t, b, h, queue.WorkerConfig{Queues: map[string]int{"c": 1}, Lease: time.Second})
	require.Eventually(t, func() bool { return log.count(lost.ID) == 1 }, 10*time.Second, 5*time.Millisecond)
	close(stuck)

	// Let the periodic job fire and everything settle.
	require.Eventually(t, func() bool {
		st := queueStats(t, b, "b")
		return st.Processed >= 4 && st.Pending+st.Active+st.Scheduled+st.Retry == 0
	}, 10*time.Second, 10*time.Millisecond)
}
