package queue

import (
	"sync"
	"sync/atomic"
	"time"
)

// redisGroup is the consumer group all workers of a queue read in; the
// scripts name it too.
const redisGroup = "workers"

// redisKeys are the keys of one queue. Each starts with
// "<prefix>:{<prefix>:<queue>}:", so that a queue lives in one Redis
// Cluster slot and queues of different prefixes never share a key.
type redisKeys struct {
	tag       string // the common start
	stream    string // stream: pending and active jobs; group "workers"
	scheduled string // zset: job id by run-at ms
	retry     string // zset: job id by next-attempt ms
	data      string // hash: job id -> record, for scheduled, retry and follow-up jobs
	ids       string // hash: job id -> entry id, "z" (scheduled, retry) or "f" (follow-up), for jobs with an ID or unique key
	unique    string // hash: unique key -> job id holding it
	follow    string // hash: unique key -> "<run-at ms>:<job id>" of its follow-up
	stats     string // hash: processed, failed
	dead      string // zset: job id by time of death (ms)
	deadData  string // hash: job id -> record, for dead jobs
	paused    string // string: exists while the queue is paused

	all []string // the keys in the order the scripts' prelude names them
	ack []string // stream, stats
}

func newRedisKeys(prefix, queue string) redisKeys {
	tag := prefix + ":{" + prefix + ":" + queue + "}:"
	k := redisKeys{
		tag:       tag,
		stream:    tag + "stream",
		scheduled: tag + "scheduled",
		retry:     tag + "retry",
		data:      tag + "data",
		ids:       tag + "ids",
		unique:    tag + "unique",
		follow:    tag + "follow",
		stats:     tag + "stats",
		dead:      tag + "dead",
		deadData:  tag + "deaddata",
		paused:    tag + "paused",
	}
	k.all = []string{k.stream, k.scheduled, k.retry, k.data, k.ids, k.unique, k.follow, k.stats, k.dead, k.deadData, k.paused}
	k.ack = []string{k.stream, k.stats}
	return k
}

// once is the key that makes a periodic enqueue happen once per period.
func (k *redisKeys) once(key string) string { return k.tag + "once:" + key }

// redisRegistryKey is the set of the prefix's queue names, for Stats. It
// is the one key outside every queue's slot.
func redisRegistryKey(prefix string) string { return prefix + ":{" + prefix + "}:queues" }

// redisQueue is what a broker knows and remembers about one queue.
type redisQueue struct {
	name       string
	keys       redisKeys
	stream1    []string // XREADGROUP's STREAMS for this queue alone
	registered atomic.Bool

	mu         sync.Mutex
	groupReady bool      // the consumer group exists
	paused     bool      // as last read (or set by this broker)
	pausedAt   time.Time // when paused was read or set
	nextMove   time.Time // fetch moves due jobs no earlier than this
	nextDue    time.Time // earliest scheduled or retry job seen; zero: none
	recoverAt  time.Time // fetch claims expired leases no earlier than this
	claimFrom  string    // XAUTOCLAIM cursor
	reapAt     time.Time // next look for departed consumers

	// Run-at times of jobs this broker scheduled, soonest first, and the
	// timer that moves them when due (see redis_timer.go).
	localDue []time.Time
	timer    *time.Timer
	timerAt  time.Time
}

func newRedisQueue(prefix, name string) *redisQueue {
	q := &redisQueue{name: name, keys: newRedisKeys(prefix, name), claimFrom: "0-0"}
	q.stream1 = []string{q.keys.stream, ">"}
	return q
}
