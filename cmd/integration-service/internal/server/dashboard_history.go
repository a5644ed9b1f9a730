package server

import (
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
}

func newJobHistory() *jobHistory {
	return &jobHistory{queues: map[string]*[historyMinutes]minuteStat{}}
}

// record counts a job run of queue that ended at end after d.
func (h *jobHistory) record(queue string, end time.Time, d time.Duration) {
	m := end.Unix() / 60
	h.mu.Lock()
	defer h.mu.Unlock()
	ring := h.queues[queue]
	if ring == nil {
		ring = new([historyMinutes]minuteStat)
		h.queues[queue] = ring
	}
	s := &ring[m%historyMinutes]
	if s.minute != m {
		*s = minuteStat{minute: m}
	}
	s.runs++
	s.total += d
}

// series returns queue's runs and mean duration (ms) in each of the
// historyMinutes minutes up to now, oldest first.
func (h *jobHistory) series(queue string, now time.Time) (runs []int64, meanMS []float64) {
	runs, meanMS = make([]int64, historyMinutes), make([]float64, historyMinutes)
	h.mu.Lock()
	defer h.mu.Unlock()
	ring := h.queues[queue]
	if ring == nil {
		return runs, meanMS
	}
	last := now.Unix() / 60
	for i := range historyMinutes {
		m := last - historyMinutes + 1 + int64(i)
		if s := ring[m%historyMinutes]; s.minute == m && s.runs > 0 {
			runs[i] = s.runs
			meanMS[i] = float64(s.total) / float64(s.runs) / float64(time.Millisecond)
		}
	}
	return runs, meanMS
}
