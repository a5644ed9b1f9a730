package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ucsp/integration/queue"
)

// metrics are the server's Prometheus metrics, in a registry of their
// own (no global state): HTTP requests by route pattern, job runs by
// outcome, and, read at scrape time, queue depth, integrations by status
// and the database pool.
type metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	jobRuns      *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	// history keeps the last hour of job runs for the dashboard.
	history *jobHistory
}

// newMetrics returns the metrics, reading at scrape time what state
// holds.
func newMetrics(state *stateCollector) *metrics {
	m := &metrics{
		history: newJobHistory(),
		reg:     prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "integration_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "integration_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "integration_job_runs_total",
			Help: "Job runs, by job type and outcome: success, retry (failed, will run again) or dead (failed for good).",
		}, []string{"type", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "integration_job_duration_seconds",
			Help:    "Time a job handler ran, by job type.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"type"}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.jobRuns, m.jobDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		state)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// observeRequest records one served request.
func (m *metrics) observeRequest(method, route string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(method, route).Observe(d.Seconds())
}

// jobMiddleware counts every job run by its outcome.
func (m *metrics) jobMiddleware(next queue.Handler) queue.Handler {
	return queue.HandlerFunc(func(ctx context.Context, job *queue.Job) error {
		start := time.Now()
		err := next.ProcessJob(ctx, job)
		end := time.Now()
		m.jobDuration.WithLabelValues(job.Type).Observe(end.Sub(start).Seconds())
		m.history.record(job.Queue, end, end.Sub(start))
		outcome := "success"
		switch {
		case err == nil:
		case errors.Is(err, queue.ErrSkipRetry) || job.Attempt >= job.MaxAttempts:
			outcome = "dead"
		default:
			outcome = "retry"
		}
		m.jobRuns.WithLabelValues(job.Type, outcome).Inc()
		return err
	})
}
