package server

import (
	"context"
	"sync"
	"time"

	"github.com/ucsp/integration/queue"
)

// historyMinutes is how far back the dashboard's charts go.
const historyMinutes = 60

// jobHistory keeps, per queue and minute of the last hour, what the
// dashboard charts: queue-wide samples of the broker's statistics (every
// process's work: depth, jobs processed, the oldest pending job's wait)
// and how long the jobs this process ran took.
type jobHistory struct {
	mu     sync.Mutex
	queues map[string]*[historyMinutes]minuteStat
}

// minuteStat is one minute of one queue.
type minuteStat struct {
	minute int64 // Unix minute the numbers belong to
	// sampled says a broker sample fell in the minute; depth and wait are
	// the largest seen, processed the queue's counter at the last one.
	sampled   bool
	depth     int64
	wait      time.Duration
	processed int64
	// runs and total are this process's job runs and their time.
	runs  int64
	total time.Duration
}

// queueSeries are a queue's charts, a point a minute, oldest first.
type queueSeries struct {
	Depth     []float64 // most jobs pending
	Processed []float64 // jobs finished, by every process
	WaitSec   []float64 // the oldest pending job's wait, seconds
	MeanMS    []float64 // mean duration of this process's job runs
}

func newJobHistory() *jobHistory {
	return &jobHistory{queues: map[string]*[historyMinutes]minuteStat{}}
}

// record counts a job run of queue that ended at end after d.
func (h *jobHistory) record(queue string, end time.Time, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.slot(queue, end)
	s.runs++
	s.total += d
}

// sample notes a queue's statistics at t.
func (h *jobHistory) sample(st queue.Stats, t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.slot(st.Queue, t)
	s.sampled = true
	s.depth = max(s.depth, st.Pending)
	s.wait = max(s.wait, st.OldestPending)
	s.processed = st.Processed
}

// slot returns queue's minute of t, emptied if it held an older minute.
func (h *jobHistory) slot(queue string, t time.Time) *minuteStat {
	m := t.Unix() / 60
	ring := h.queues[queue]
	if ring == nil {
		ring = new([historyMinutes]minuteStat)
		h.queues[queue] = ring
	}
	s := &ring[m%historyMinutes]
	if s.minute != m {
		*s = minuteStat{minute: m}
	}
	return s
}

// series returns queue's charts for the historyMinutes minutes up to
// now. A minute's jobs processed is the growth of the queue's counter
// since the previous sampled minute (0 for the first).
func (h *jobHistory) series(queue string, now time.Time) queueSeries {
	out := queueSeries{
		Depth: make([]float64, historyMinutes), Processed: make([]float64, historyMinutes),
		WaitSec: make([]float64, historyMinutes), MeanMS: make([]float64, historyMinutes),
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	ring := h.queues[queue]
	if ring == nil {
		return out
	}
	last := now.Unix() / 60
	prev := int64(-1)
	for i := range historyMinutes {
		m := last - historyMinutes + 1 + int64(i)
		s := ring[m%historyMinutes]
		if s.minute != m {
			continue
		}
		if s.runs > 0 {
			out.MeanMS[i] = float64(s.total) / float64(s.runs) / float64(time.Millisecond)
		}
		if !s.sampled {
			continue
		}
		out.Depth[i], out.WaitSec[i] = float64(s.depth), s.wait.Seconds()
		if prev >= 0 && s.processed >= prev {
			out.Processed[i] = float64(s.processed - prev)
		}
		prev = s.processed
	}
	return out
}

// sampleQueues records every queue's statistics (stats: a broker's
// Stats) now and every 20 s until ctx ends, for the dashboard's charts.
func (h *jobHistory) sampleQueues(ctx context.Context, stats func(context.Context) ([]queue.Stats, error)) {
	t := time.NewTicker(20 * time.Second)
	defer t.Stop()
	for {
		if all, err := stats(ctx); err == nil {
			now := time.Now()
			for _, s := range all {
				h.sample(s, now)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
