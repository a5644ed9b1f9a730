package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/cmd/integration-service/internal/server"
)

// rateLimit: a token of the "tight" tier (3 requests a minute) gets a
// 429 problem with Retry-After on its fourth request; other tenants are
// not affected.
func (s *suite) rateLimit(t *testing.T) {
	tok := tokenFor(t, "tenant-tight", func(c jwt.MapClaims) { c["tier"] = "tight" })
	for range 3 {
		r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.NotEmpty(t, r.header.Get("RateLimit"))
	}
	r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tok})
	p := r.requireProblem(t, http.StatusTooManyRequests)
	require.Equal(t, "urn:ucsp:problem:rate-limited", p.Type)
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	require.NoError(t, err)
	require.Positive(t, retry)
	r = s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tokenFor(t, "tenant-untouched")})
	require.Equal(t, http.StatusOK, r.status)
}

// healthAndDocs: the health routes, the queue stats and the documents.
// What shows internals is for operators: /health/detailed gives error
// texts to ADMIN_TOKEN only, /health/queue-stats and /metrics refuse
// anyone else.
func (s *suite) healthAndDocs(t *testing.T) {
	for _, c := range []struct{ path, token string }{
		{"/health", ""}, {"/health/live", ""}, {"/health/ready", ""}, {"/health/detailed", ""}, {"/health/detailed", testAdminToken},
	} {
		r := s.c.do(t, call{method: http.MethodGet, path: c.path, token: c.token})
		require.Equal(t, http.StatusOK, r.status, c.path)
		var body struct {
			Status string `json:"status"`
		}
		r.decode(t, &body)
		require.Equal(t, "pass", body.Status, c.path)
	}
	for _, path := range []string{"/health/queue-stats", "/metrics"} {
		for _, tok := range []string{"", tokenFor(t, "tenant-ops"), testAdminToken + "x"} {
			p := s.c.do(t, call{method: http.MethodGet, path: path, token: tok}).requireProblem(t, http.StatusUnauthorized)
			require.Contains(t, p.Detail, "ADMIN_TOKEN")
		}
		r := s.c.do(t, call{method: http.MethodGet, path: path, token: testAdminToken})
		require.Equal(t, http.StatusOK, r.status, path)
	}
	r := s.c.do(t, call{method: http.MethodGet, path: "/openapi.json"})
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, server.OpenAPI, r.body)

	// Request ids: in the header, in the problem, in the log line; a
	// client's plausible id is kept, an implausible one replaced.
	p := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/01900000-0000-7000-8000-000000000000", token: tokenFor(t, "tenant-ids")}).requireProblem(t, http.StatusNotFound)
	require.NotEmpty(t, p.RequestID)
	require.Eventually(t, func() bool { return strings.Contains(s.in.logs.String(), "request_id="+p.RequestID) }, 5*time.Second, 10*time.Millisecond)
	r = s.c.do(t, call{method: http.MethodGet, path: "/health/live", header: map[string]string{"X-Request-Id": "client-id-42"}})
	require.Equal(t, "client-id-42", r.header.Get("X-Request-Id"))
	r = s.c.do(t, call{method: http.MethodGet, path: "/health/live", header: map[string]string{"X-Request-Id": "bad id;<x>"}})
	require.Regexp(t, `^[A-Z2-7]{16}$`, r.header.Get("X-Request-Id"))
}

// metrics: /metrics counts exactly the requests the suite made, by route
// pattern (never by raw path) and status, has their latency histograms,
// and counts the job runs the suite started by type and outcome.
func (s *suite) metrics(t *testing.T) {
	s.waitIdle(t)
	s.c.mu.Lock()
	want := map[string]float64{}
	for k, n := range s.c.counts {
		if strings.Contains(k, " /api/") {
			want[k] = float64(n)
		}
	}
	s.c.mu.Unlock()

	fams := scrapeMetrics(t, s.in.base)

	got := map[string]float64{}
	for _, m := range fams["integration_http_requests_total"].GetMetric() {
		l := labels(m.GetLabel())
		require.NotRegexp(t, `[0-9a-f]{8}-[0-9a-f]{4}`, l["route"], "a raw path (with an id) as a label: %v", l)
		if strings.HasPrefix(l["route"], "/api/") {
			got[l["method"]+" "+l["route"]+" "+l["status"]] = m.GetCounter().GetValue()
		}
	}
	require.Equal(t, want, got, "requests by method, route pattern and status")
	require.NotZero(t, want["GET /api/v1/integrations/{id} 200"])

	hist := map[string]uint64{}
	for _, m := range fams["integration_http_request_duration_seconds"].GetMetric() {
		l := labels(m.GetLabel())
		hist[l["method"]+" "+l["route"]] = m.GetHistogram().GetSampleCount()
	}
	var wantHist uint64
	for k, n := range want {
		if strings.HasPrefix(k, "GET /api/v1/integrations/{id} ") {
			wantHist += uint64(n)
		}
	}
	require.Equal(t, wantHist, hist["GET /api/v1/integrations/{id}"], "latency samples of GET /api/v1/integrations/{id}")

	jobs := map[string]float64{}
	for _, m := range fams["integration_job_runs_total"].GetMetric() {
		l := labels(m.GetLabel())
		jobs[l["type"]+"/"+l["outcome"]] = m.GetCounter().GetValue()
	}
	events := map[string]float64{}
	for k, v := range jobs {
		if strings.HasPrefix(k, "deliver-event/") || strings.HasPrefix(k, "sweep-events/") {
			events[k] = v
			delete(jobs, k)
		}
	}
	wantJobs := map[string]float64{
		"sync/success": float64(s.syncRuns),
		"send/dead":    float64(s.sends), // receive-only integrations: refused for good, once each
	}
	if s.syncDead > 0 {
		wantJobs["sync/dead"] = float64(s.syncDead) // refused credentials: not retried
	}
	require.Equal(t, wantJobs, jobs)
	require.Equal(t, float64(1), events["deliver-event/dead"], "the event the receiver refused with 400")
	require.GreaterOrEqual(t, events["deliver-event/retry"], float64(4), "429 once, 500 three times")
	require.NotZero(t, events["deliver-event/success"])

	// Integrations by provider and status: what the tenants' listings hold.
	wantIntegrations := map[string]float64{}
	for _, tenant := range suiteTenants {
		for _, in := range s.list(t, tokenFor(t, tenant), "") {
			wantIntegrations[in.Provider+"/"+in.Status]++
		}
	}
	gotIntegrations := map[string]float64{}
	for _, m := range fams["integration_integrations"].GetMetric() {
		l := labels(m.GetLabel())
		gotIntegrations[l["provider"]+"/"+l["status"]] = m.GetGauge().GetValue()
	}
	require.Equal(t, wantIntegrations, gotIntegrations)

	for _, name := range []string{"integration_queue_jobs", "integration_queue_processed_total", "go_goroutines"} {
		require.Contains(t, fams, name)
	}
}

// suiteTenants are the tenants the API suite creates integrations for.
var suiteTenants = []string{"tenant-crud", "tenant-custom", "tenant-pages", "tenant-mail", "tenant-a", "tenant-b", "tenant-bad", "tenant-hooks", "tenant-events", "tenant-google", "tenant-actions", "tenant-actions-other"}

func labels(ls []*dto.LabelPair) map[string]string {
	m := map[string]string{}
	for _, l := range ls {
		m[l.GetName()] = l.GetValue()
	}
	return m
}

// scrapeMetrics reads base's /metrics as an operator.
func scrapeMetrics(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}
