package server

import (
	"net/http"

	"github.com/ucsp/integration/queue"
)

// queueStatsView is the body of GET /health/queue-stats.
type queueStatsView struct {
	Queues []queueStatView `json:"queues"`
}

// queueStatView describes one queue.
type queueStatView struct {
	Queue     string `json:"queue"`
	Paused    bool   `json:"paused"`
	Pending   int64  `json:"pending"`
	Active    int64  `json:"active"`
	Scheduled int64  `json:"scheduled"`
	Retry     int64  `json:"retry"`
	Dead      int64  `json:"dead"`
	// Processed and Failed count handler runs since the queue was
	// created, across every worker.
	Processed            int64   `json:"processed"`
	Failed               int64   `json:"failed"`
	OldestPendingSeconds float64 `json:"oldest_pending_seconds"`
}

// queueStats: GET /health/queue-stats describes every queue.
func (o *opsRoutes) queueStats(w http.ResponseWriter, r *http.Request) {
	stats, err := o.stats(r.Context())
	if err != nil {
		o.logger.WarnContext(r.Context(), "queue stats", "error", err)
		writeProblem(w, r, http.StatusServiceUnavailable, probUnavailable, "the queue is unreachable")
		return
	}
	v := queueStatsView{Queues: make([]queueStatView, 0, len(stats))}
	for _, s := range stats {
		v.Queues = append(v.Queues, viewQueueStats(s))
	}
	writeJSON(w, http.StatusOK, v)
}

func viewQueueStats(s queue.Stats) queueStatView {
	return queueStatView{Queue: s.Queue, Paused: s.Paused, Pending: s.Pending, Active: s.Active, Scheduled: s.Scheduled,
		Retry: s.Retry, Dead: s.Dead, Processed: s.Processed, Failed: s.Failed, OldestPendingSeconds: s.OldestPending.Seconds()}
}
