package queue

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Broker on Redis 7.0 or later (a single node, Sentinel, or
// Cluster), built on Streams and consumer groups. Any number of producers
// and workers in any number of processes share the queues of one Prefix.
//
// # Durability
//
// Production Redis must run with the append-only file on (appendonly yes,
// appendfsync everysec or always), because Redis is where the jobs are:
// without AOF a restart loses every job and acknowledgement written since
// the last RDB snapshot, so enqueues that returned nil vanish. With
// everysec, a crash of Redis (not a clean restart) can still lose the
// last second of writes; appendfsync always closes that window at the
// cost of a disk write per write. Replicas are asynchronous: a failover
// can lose the last writes too (WAIT is not used).
//
// # Keys
//
// A queue's keys all share the hash tag {<prefix>:<queue>}, so a queue
// lives in one Cluster slot and every script names its keys in KEYS. For
// queue "q" under the default prefix:
//
//	queue:{queue:q}:stream     stream of pending and running jobs; consumer group "workers"
//	queue:{queue:q}:scheduled  zset: jobs waiting for their run-at time (score: ms)
//	queue:{queue:q}:retry      zset: failed jobs waiting for their next attempt
//	queue:{queue:q}:data       hash: records of scheduled and retry jobs
//	queue:{queue:q}:ids        hash: where each job with an ID or unique key is
//	queue:{queue:q}:unique     hash: unique key -> id of the job holding it
//	queue:{queue:q}:follow     hash: unique key -> its recorded follow-up
//	queue:{queue:q}:dead       zset: dead jobs by time of death
//	queue:{queue:q}:deaddata   hash: records of dead jobs
//	queue:{queue:q}:stats      hash: processed and failed counts
//	queue:{queue:q}:paused     exists while the queue is paused
//	queue:{queue:q}:once:<key> periodic once-keys (expire after two periods and a minute)
//	queue:{queue}:queues       set of the prefix's queue names, for Stats (its own slot)
//
// A job is a compact binary record in one field of its stream entry, so a
// fetch reads whole jobs in one round trip; the scripts move records
// without decoding them. Dead jobs are kept until deleted: nothing trims
// the dead-letter set.
//
// # Round trips
//
// Enqueue of a job without ID, Unique, a delay or a periodic once-key is
// one XADD; the others are one script that checks and adds atomically. An
// Enqueue that finds no write in flight sends its own; the ones that
// arrive meanwhile are sent together in one pipeline, so concurrent
// producers share round trips.
//
// A fetch is one XREADGROUP, with COUNT the worker's free slots (with
// several queues, one per queue it tries, in the worker's order, until the
// slots are filled; an idle one ends in a blocking read). About every
// 100 ms per queue it also runs one script that moves due scheduled
// and retry jobs onto the stream and reads the paused flag, and every
// eighth of the lease one XAUTOCLAIM that takes over jobs whose lease ran
// out (so a dead worker's jobs run again within about 1.2 leases). A job scheduled or retried through this broker is moved by a timer
// at its due time (the XADD wakes blocked workers); one scheduled by
// another process is moved by a worker within a second.
//
// Completions are acknowledged in batches: complete returns at once, and a
// writer goroutine sends, for everything completed meanwhile, one script
// per queue doing XACK, XDEL and the processed count (a job with an ID or
// unique key takes a script of its own, which frees the key or hands it
// to the recorded follow-up). While one batch is written the next one
// gathers, so batches grow with the load; RedisOptions.AckDelay can make
// them larger. A worker that dies loses the acknowledgements it had not
// written: those jobs run again. A failed run is one script (retry or
// dead letter), a hand-back one script, and a lease renewal one XCLAIM
// JUSTID per queue for all of a worker's running jobs.
//
// # Leases and crashes
//
// A fetched job is a pending entry of its worker's consumer until it is
// acknowledged. A worker renews its running jobs' leases; when a worker
// dies its jobs stay pending, and once they have been idle for the lease
// another worker's fetch claims them (XAUTOCLAIM with the lease as
// min-idle; a claim continues where the last one stopped until the
// pending list has been scanned). The claimed entry keeps its record
// and so its attempt number: a crash is not a failed attempt. A job whose
// handler kills its worker every time is therefore claimed again and
// again; the log says each time. Every worker of a queue should use the
// same WorkerConfig.Lease: the claiming worker's lease is the one applied.
//
// # Blocking and connections
//
// An idle fetch blocks in XREADGROUP, so a new job is picked up at once,
// but never past the next due job it knows of, the next lease check or a
// second. On a *redis.Client one XREADGROUP blocks on all of the worker's
// queues. On a ClusterClient (or Ring), whose queues live in different
// slots, a fetch blocks on one queue at a time, taking each in turn, for
// at most 100 ms, so a job on another idle queue can wait that long. A
// blocked fetch holds a connection of the client's pool (the broker keeps
// it for the next one): size the pool for the number of workers plus the
// other traffic. When the worker shuts down, its blocked fetch is woken
// with CLIENT UNBLOCK (if the server's ACL allows CLIENT ID and CLIENT
// UNBLOCK; otherwise it returns within a second).
//
// Pause takes effect at once for the workers of this broker and within
// about 100 ms for those of others.
type Redis struct {
	rdb      redis.UniversalClient
	client   *redis.Client // rdb if it is a *redis.Client: one node
	sharded  bool          // rdb is not a *redis.Client: queues may be on different nodes
	rotation atomic.Uint32 // picks the queue a sharded idle fetch blocks on
	prefix   string
	registry string
	opts     RedisOptions
	log      *slog.Logger

	queues sync.Map // queue name -> *redisQueue

	stop      context.CancelFunc // ends the background goroutines' context
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
	bg        sync.WaitGroup

	writer  redisWriter
	acks    redisAcker
	blocks  redisBlockConns
	timers  redisTimers
	resumed redisSignal // Resume wakes fetches waiting on paused queues
}

// RedisOptions configures NewRedis. The zero value means the documented
// defaults.
type RedisOptions struct {
	// Prefix starts every key; default "queue". Brokers with different
	// prefixes on one Redis never see each other's jobs. It may not
	// contain braces or white space.
	Prefix string
	// Logger receives the broker's logs; default slog.Default().
	Logger *slog.Logger
	// AckBatch is the most completions acknowledged by one script call;
	// default 512, at most 4000.
	AckBatch int
	// AckDelay is how long the acknowledgement writer waits for more
	// completions (up to AckBatch) before writing a batch; default 0:
	// it writes as soon as the previous batch is written. A larger delay
	// means fewer, larger writes, and more jobs that run again after a
	// crash. At most one second.
	AckDelay time.Duration
}

const (
	redisDefaultPrefix   = "queue"
	redisDefaultAckBatch = 512
	redisMaxAckBatch     = 4000 // Lua's unpack limit is 8000
)

// NewRedis returns a broker on rdb (a *redis.Client, *redis.ClusterClient
// or any UniversalClient). It checks opts and reports the first invalid
// field; it does not contact Redis. Close does not close rdb.
func NewRedis(rdb redis.UniversalClient, opts RedisOptions) (*Redis, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: NewRedis: nil Redis client", ErrInvalid)
	}
	if opts.Prefix == "" {
		opts.Prefix = redisDefaultPrefix
	}
	if len(opts.Prefix) > 100 || strings.ContainsAny(opts.Prefix, "{} \t\r\n") {
		return nil, fmt.Errorf("%w: RedisOptions.Prefix %q: use at most 100 characters without braces or spaces", ErrInvalid, opts.Prefix)
	}
	switch {
	case opts.AckBatch < 0 || opts.AckBatch > redisMaxAckBatch:
		return nil, fmt.Errorf("%w: RedisOptions.AckBatch %d must be between 0 and %d", ErrInvalid, opts.AckBatch, redisMaxAckBatch)
	case opts.AckBatch == 0:
		opts.AckBatch = redisDefaultAckBatch
	}
	if opts.AckDelay < 0 || opts.AckDelay > time.Second {
		return nil, fmt.Errorf("%w: RedisOptions.AckDelay %s must be between 0 and 1s", ErrInvalid, opts.AckDelay)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Redis{
		rdb:      rdb,
		prefix:   opts.Prefix,
		registry: redisRegistryKey(opts.Prefix),
		opts:     opts,
		log:      opts.Logger,
	}
	r.client, _ = rdb.(*redis.Client)
	r.sharded = r.client == nil
	ctx, stop := context.WithCancel(context.Background())
	r.stop = stop
	r.writer.init(r)
	r.acks.init(r)
	r.bg.Go(func() { r.writer.run(ctx) })
	r.bg.Go(func() { r.acks.run(ctx) })
	return r, nil
}

// Close writes what is batched (enqueues, acknowledgements), stops the
// broker's goroutines and timers, and returns the error of the final
// writes. It does not close the Redis client. Later calls do nothing.
func (r *Redis) Close() error {
	r.closeOnce.Do(func() {
		r.closed.Store(true)
		r.writer.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r.closeErr = r.acks.writeNow(ctx)
		cancel()
		r.stop()
		r.bg.Wait()
		r.stopTimers()
		r.blocks.close()
	})
	if r.closeErr != nil {
		return fmt.Errorf("queue: close: %w", r.closeErr)
	}
	return nil
}

// queue returns the state of the named queue, creating it on first use.
func (r *Redis) queue(name string) *redisQueue {
	if q, ok := r.queues.Load(name); ok {
		return q.(*redisQueue)
	}
	q, _ := r.queues.LoadOrStore(name, newRedisQueue(r.prefix, name))
	return q.(*redisQueue)
}

// redisSignal wakes every goroutine waiting on it, each time notify is called.
type redisSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *redisSignal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *redisSignal) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
