package server

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// stateCollector reads, at scrape time, what the server does not count
// itself: the queue's depth and totals (stats: a broker's Stats),
// integrations by status (counts: a store's CountIntegrations), and the
// database pool (nil in embedded mode).
type stateCollector struct {
	stats  func(context.Context) ([]queue.Stats, error)
	counts func(context.Context) ([]store.IntegrationCount, error)
	pool   *pgxpool.Pool
}

var (
	descQueueJobs = prometheus.NewDesc("integration_queue_jobs",
		"Jobs in the queue, by queue and state (pending, active, scheduled, retry, dead).", []string{"queue", "state"}, nil)
	descQueueProcessed = prometheus.NewDesc("integration_queue_processed_total",
		"Job runs that succeeded, by queue, as the broker counts them (all workers).", []string{"queue"}, nil)
	descQueueFailed = prometheus.NewDesc("integration_queue_failed_total",
		"Job runs that failed, by queue, as the broker counts them (all workers).", []string{"queue"}, nil)
	descQueueOldest = prometheus.NewDesc("integration_queue_oldest_pending_seconds",
		"Age of the oldest pending job, by queue.", []string{"queue"}, nil)
	descIntegrations = prometheus.NewDesc("integration_integrations",
		"Integrations of every tenant, by provider and status.", []string{"provider", "status"}, nil)
	descPoolConns = prometheus.NewDesc("integration_db_pool_connections",
		"Database pool connections, by state (acquired, idle, total, max).", []string{"state"}, nil)
	descPoolAcquires = prometheus.NewDesc("integration_db_pool_acquires_total",
		"Connections acquired from the database pool.", nil, nil)
	descPoolWait = prometheus.NewDesc("integration_db_pool_acquire_wait_seconds_total",
		"Time spent waiting for a database pool connection.", nil, nil)
)

// Describe sends the descriptors of the metrics Collect reports.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueueJobs, descQueueProcessed, descQueueFailed, descQueueOldest, descIntegrations, descPoolConns, descPoolAcquires, descPoolWait} {
		ch <- d
	}
}

// Collect reads the queue stats, the integration counts and the pool
// stats.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if stats, err := c.stats(ctx); err == nil {
		for _, s := range stats {
			for state, n := range map[string]int64{"pending": s.Pending, "active": s.Active, "scheduled": s.Scheduled, "retry": s.Retry, "dead": s.Dead} {
				ch <- prometheus.MustNewConstMetric(descQueueJobs, prometheus.GaugeValue, float64(n), s.Queue, state)
			}
			ch <- prometheus.MustNewConstMetric(descQueueProcessed, prometheus.CounterValue, float64(s.Processed), s.Queue)
			ch <- prometheus.MustNewConstMetric(descQueueFailed, prometheus.CounterValue, float64(s.Failed), s.Queue)
			ch <- prometheus.MustNewConstMetric(descQueueOldest, prometheus.GaugeValue, s.OldestPending.Seconds(), s.Queue)
		}
	} else {
		ch <- prometheus.NewInvalidMetric(descQueueJobs, err)
	}
	if counts, err := c.counts(ctx); err == nil {
		for _, n := range counts {
			ch <- prometheus.MustNewConstMetric(descIntegrations, prometheus.GaugeValue, float64(n.Count), n.Provider, string(n.Status))
		}
	} else {
		ch <- prometheus.NewInvalidMetric(descIntegrations, err)
	}
	if p := c.pool; p != nil {
		st := p.Stat()
		for state, n := range map[string]int32{"acquired": st.AcquiredConns(), "idle": st.IdleConns(), "total": st.TotalConns(), "max": st.MaxConns()} {
			ch <- prometheus.MustNewConstMetric(descPoolConns, prometheus.GaugeValue, float64(n), state)
		}
		ch <- prometheus.MustNewConstMetric(descPoolAcquires, prometheus.CounterValue, float64(st.AcquireCount()))
		ch <- prometheus.MustNewConstMetric(descPoolWait, prometheus.CounterValue, st.AcquireDuration().Seconds())
	}
}
