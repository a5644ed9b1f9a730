package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// A job's record is how the Redis broker stores it: the one field ("j") of
// its stream entry, the value of the hash of scheduled jobs, the value of
// the dead-letter hash. It is binary, so that a fetch decodes it without
// parsing text, and opaque to the scripts, which move it whole:
//
//	version byte (1), flags byte (1: the id was given with ID)
//	uvarint attempt, uvarint max attempts, uvarint timeout (ns)
//	varint enqueued-at (unix µs), varint failed-at (unix µs, 0: never)
//	uvarint-length strings: id, type, unique key, last error
//	payload: the rest
const (
	redisRecordVersion  = 1
	redisRecordExplicit = 1 << 0
)

// errRedisRecord reports a record this version cannot read.
var errRedisRecord = errors.New("queue: unreadable job record")

// redisMeta is what a record holds beside the Job.
type redisMeta struct {
	// timeout is the job's Timeout option; zero for the worker's default.
	timeout time.Duration
	// explicit reports that the id came from the ID option, so that the
	// broker tracks it to refuse duplicates.
	explicit bool
	// failedAt is when a dead job died.
	failedAt time.Time
}

// appendRedisRecord appends the record of job (its Queue is not stored: the
// keys say it) to b.
func appendRedisRecord(b []byte, job *Job, m redisMeta) []byte {
	var flags byte
	if m.explicit {
		flags |= redisRecordExplicit
	}
	b = append(b, redisRecordVersion, flags)
	b = binary.AppendUvarint(b, uint64(max(job.Attempt, 0)))
	b = binary.AppendUvarint(b, uint64(max(job.MaxAttempts, 0)))
	b = binary.AppendUvarint(b, uint64(max(m.timeout, 0)))
	b = binary.AppendVarint(b, redisMicros(job.EnqueuedAt))
	b = binary.AppendVarint(b, redisMicros(m.failedAt))
	for _, s := range [...]string{job.ID, job.Type, job.UniqueKey, job.LastError} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, job.Payload...)
}

// redisRecordSize estimates the length of job's record.
func redisRecordSize(job *Job) int {
	return 2 + 5*binary.MaxVarintLen64 + 4*2 + len(job.ID) + len(job.Type) + len(job.UniqueKey) + len(job.LastError) + len(job.Payload)
}

// decodeRedisRecord reads a record into job. Its strings share s's memory;
// the payload is copied.
func decodeRedisRecord(s string, job *Job) (redisMeta, error) {
	var m redisMeta
	if len(s) < 2 || s[0] != redisRecordVersion {
		return m, fmt.Errorf("%w (version %d)", errRedisRecord, redisRecordVersionOf(s))
	}
	m.explicit = s[1]&redisRecordExplicit != 0
	d := redisDecoder{s: s, i: 2}
	job.Attempt = int(d.uvarintMax(math.MaxInt32))
	job.MaxAttempts = int(d.uvarintMax(math.MaxInt32))
	m.timeout = time.Duration(d.uvarintMax(math.MaxInt64))
	job.EnqueuedAt = d.micros()
	m.failedAt = d.micros()
	job.ID = d.str()
	job.Type = d.str()
	job.UniqueKey = d.str()
	job.LastError = d.str()
	if d.bad {
		return m, errRedisRecord
	}
	job.Payload = []byte(s[d.i:])
	return m, nil
}

func redisRecordVersionOf(s string) int {
	if s == "" {
		return -1
	}
	return int(s[0])
}

// redisDecoder reads varints and strings from a string without copying.
type redisDecoder struct {
	s   string
	i   int
	bad bool
}

func (d *redisDecoder) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.i >= len(d.s) {
			d.bad = true
			return 0
		}
		c := d.s[d.i]
		d.i++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	d.bad = true
	return 0
}

// uvarintMax reads a uvarint no larger than limit.
func (d *redisDecoder) uvarintMax(limit uint64) uint64 {
	x := d.uvarint()
	if x > limit {
		d.bad = true
		return 0
	}
	return x
}

// micros reads a time as a varint of Unix microseconds (0: zero time).
func (d *redisDecoder) micros() time.Time {
	u := d.uvarint()
	us := int64(u >> 1)
	if u&1 != 0 {
		us = ^us
	}
	t := redisFromMicros(us)
	if redisMicros(t) != us {
		d.bad = true
	}
	return t
}

func (d *redisDecoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.s)-d.i) {
		d.bad = true
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

func redisMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func redisFromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}
