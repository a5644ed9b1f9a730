package server

import (
	"context"
	"sync"
	"time"
)

// historyMinutes is how far back the dashboard's charts go.
const historyMinutes = 60

// jobHistory keeps, per queue, how many jobs this process ran and how
// long they took in each of the last historyMinutes minutes, for the
// dashboard's charts (the Prometheus metrics hold the same, for
// scraping).
type jobHistory struct {
	mu     sync.Mutex
	queues map[string]*[historyMinutes]minuteStat
}

// minuteStat is one minute of one queue.
type minuteStat struct {
	minute int64 // Unix minute the counts belong to
	runs   int64
	total  time.Duration
	// depth is the most jobs seen pending in the minute (sampled).
	depth int64
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

// recordDepth notes that queue had pending jobs waiting at t.
func (h *jobHistory) recordDepth(queue string, t time.Time, pending int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.slot(queue, t)
	s.depth = max(s.depth, pending)
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

// series returns queue's runs, mean duration (ms) and deepest pending
// count in each of the historyMinutes minutes up to now, oldest first.
func (h *jobHistory) series(queue string, now time.Time) (runs []int64, meanMS, depth []float64) {
	runs, meanMS, depth = make([]int64, historyMinutes), make([]float64, historyMinutes), make([]float64, historyMinutes)
	h.mu.Lock()
	defer h.mu.Unlock()
	ring := h.queues[queue]
	if ring == nil {
		return runs, meanMS, depth
	}
	last := now.Unix() / 60
	for i := range historyMinutes {
		m := last - historyMinutes + 1 + int64(i)
		s := ring[m%historyMinutes]
		if s.minute != m {
			continue
		}
		depth[i] = float64(s.depth)
		if s.runs > 0 {
			runs[i] = s.runs
			meanMS[i] = float64(s.total) / float64(s.runs) / float64(time.Millisecond)
		}
	}
	return runs, meanMS, depth
}

// sampleDepth records every queue's pending jobs now and every 20 s
// until ctx ends, for the dashboard's depth charts.
func (a *App) sampleDepth(ctx context.Context) {
	t := time.NewTicker(20 * time.Second)
	defer t.Stop()
	for {
		if stats, err := a.broker.Stats(ctx); err == nil {
			now := time.Now()
			for _, s := range stats {
				a.metrics.history.recordDepth(s.Queue, now, s.Pending)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
