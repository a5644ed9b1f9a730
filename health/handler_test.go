package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/health"
)

// wireCheck and wireReport mirror the documented JSON form.
type wireCheck struct {
	Status    string    `json:"status"`
	Critical  bool      `json:"critical"`
	Time      time.Time `json:"time"`
	LatencyMs *float64  `json:"latencyMs"`
	Output    *string   `json:"output"`
}

type wireReport struct {
	Status string                 `json:"status"`
	Checks map[string][]wireCheck `json:"checks"`
}

// serve starts a loopback server with the three handlers of reg.
func serve(t *testing.T, reg *health.Registry) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/livez", reg.LivenessHandler())
	mux.Handle("/readyz", reg.ReadinessHandler())
	mux.Handle("/healthz", reg.DetailedHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and returns the response with its body read.
func do(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// getReport GETs url, checks the health headers and decodes the body.
func getReport(t *testing.T, url string) (int, wireReport) {
	t.Helper()
	resp, body := do(t, http.MethodGet, url)
	require.Equal(t, health.ContentType, resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var rep wireReport
	require.NoError(t, json.Unmarshal(body, &rep), "body: %s", body)
	return resp.StatusCode, rep
}

// registryWith returns a registry with a passing critical "db" check and a
// "cache" check that fails with a secret-bearing error when cacheFails, and
// whose criticality is cacheCritical.
func registryWith(t *testing.T, opts health.Options, cacheFails, cacheCritical bool) *health.Registry {
	t.Helper()
	reg := newRegistry(t, opts)
	fn, _ := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn, Critical: true})
	var err error
	if cacheFails {
		err = errors.New("dial redis://:hunter2@10.0.0.7:6379: connection refused")
	}
	fn, _ = counter(err)
	mustRegister(t, reg, health.Check{Name: "cache", Func: fn, Critical: cacheCritical})
	return reg
}

func TestLivenessRunsNoChecks(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, calls := counter(errors.New("down"))
	mustRegister(t, reg, health.Check{Name: "db", Func: fn, Critical: true})
	srv := serve(t, reg)

	resp, body := do(t, http.MethodGet, srv.URL+"/livez")

	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, health.ContentType, resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.JSONEq(t, `{"status":"pass"}`, string(body))
	require.Zero(t, calls.Load())
}

func TestReportHandlersStatusCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		cacheFails    bool
		cacheCritical bool
		wantCode      int
		wantStatus    string
	}{
		{"all pass", false, true, http.StatusOK, "pass"},
		{"non-critical fails", true, false, http.StatusOK, "warn"},
		{"critical fails", true, true, http.StatusServiceUnavailable, "fail"},
	}
	for _, tt := range tests {
		for _, path := range []string{"/readyz", "/healthz"} {
			t.Run(tt.name+path, func(t *testing.T) {
				t.Parallel()
				srv := serve(t, registryWith(t, health.Options{}, tt.cacheFails, tt.cacheCritical))
				code, rep := getReport(t, srv.URL+path)
				require.Equal(t, tt.wantCode, code)
				require.Equal(t, tt.wantStatus, rep.Status)
				require.Len(t, rep.Checks, 2)
				require.Len(t, rep.Checks["db"], 1)
				require.Equal(t, "pass", rep.Checks["db"][0].Status)
				require.Len(t, rep.Checks["cache"], 1)
				require.Equal(t, tt.cacheCritical, rep.Checks["cache"][0].Critical)
			})
		}
	}
}

func TestReportJSONShape(t *testing.T) {
	t.Parallel()
	before := time.Now().Add(-time.Second)
	srv := serve(t, registryWith(t, health.Options{}, true, false))
	_, rep := getReport(t, srv.URL+"/healthz")

	db := rep.Checks["db"][0]
	require.Equal(t, "pass", db.Status)
	require.True(t, db.Critical)
	require.Nil(t, db.Output, "output is omitted for a passing check")
	require.NotNil(t, db.LatencyMs)
	require.GreaterOrEqual(t, *db.LatencyMs, 0.0)
	require.True(t, db.Time.After(before), "time %v", db.Time)
	require.Equal(t, time.UTC, db.Time.Location())

	cache := rep.Checks["cache"][0]
	require.Equal(t, "fail", cache.Status)
	require.False(t, cache.Critical)
	require.NotNil(t, cache.Output)
}

func TestReadinessRedactsErrors(t *testing.T) {
	t.Parallel()
	reg := registryWith(t, health.Options{}, true, true)
	fn, _, _ := blocker(t)
	mustRegister(t, reg, health.Check{Name: "slow", Func: fn, Timeout: 10 * time.Millisecond})
	srv := serve(t, reg)

	_, body := do(t, http.MethodGet, srv.URL+"/readyz")
	require.NotContains(t, string(body), "hunter2")
	require.NotContains(t, string(body), "10.0.0.7")
	var rep wireReport
	require.NoError(t, json.Unmarshal(body, &rep))
	require.Equal(t, "check failed", *rep.Checks["cache"][0].Output)
	require.Equal(t, "check timed out", *rep.Checks["slow"][0].Output)

	_, detailed := getReport(t, srv.URL+"/healthz")
	require.Contains(t, *detailed.Checks["cache"][0].Output, "connection refused", "detailed always shows errors")
}

func TestReadinessExposeErrors(t *testing.T) {
	t.Parallel()
	srv := serve(t, registryWith(t, health.Options{ExposeErrors: true}, true, true))
	_, rep := getReport(t, srv.URL+"/readyz")
	require.Equal(t, "dial redis://:hunter2@10.0.0.7:6379: connection refused", *rep.Checks["cache"][0].Output)
}

// TestHandlersHead uses a recorder because net/http's server drops HEAD
// bodies itself, which would hide a handler that writes one.
func TestHandlersHead(t *testing.T) {
	t.Parallel()
	reg := registryWith(t, health.Options{}, true, true)
	tests := []struct {
		name    string
		handler http.Handler
		want    int
	}{
		{"liveness", reg.LivenessHandler(), http.StatusOK},
		{"readiness", reg.ReadinessHandler(), http.StatusServiceUnavailable},
		{"detailed", reg.DetailedHandler(), http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodHead, "/", nil))
			require.Equal(t, tt.want, rec.Code)
			require.Equal(t, health.ContentType, rec.Header().Get("Content-Type"))
			require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			require.Empty(t, rec.Body.String())
		})
	}
}

func TestHandlersRejectOtherMethods(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, calls := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn})
	srv := serve(t, reg)
	for _, path := range []string{"/livez", "/readyz", "/healthz"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
			resp, _ := do(t, method, srv.URL+path)
			require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, method+" "+path)
			allow := strings.Split(resp.Header.Get("Allow"), ", ")
			require.ElementsMatch(t, []string{"GET", "HEAD"}, allow, method+" "+path)
		}
	}
	require.Zero(t, calls.Load(), "a rejected request must not run checks")
}
