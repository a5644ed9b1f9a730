package health_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/health"
)

func TestReportMarshalJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 2, 3, 4, 5, 678_000_000, time.FixedZone("CET", 3600))
	rep := health.Report{
		Status: health.StatusWarn,
		Checks: []health.Result{
			{Name: "cache", Status: health.StatusFail, Time: at, Latency: 1250 * time.Microsecond, Err: errors.New("connection refused")},
			{Name: "db", Status: health.StatusPass, Critical: true, Time: at, Latency: 420 * time.Microsecond},
		},
	}
	got, err := json.Marshal(rep)
	require.NoError(t, err)
	require.JSONEq(t, `{
		"status": "warn",
		"checks": {
			"cache": [{"status": "fail", "critical": false, "time": "2025-01-02T02:04:05.678Z",
			           "latencyMs": 1.25, "output": "connection refused"}],
			"db": [{"status": "pass", "critical": true, "time": "2025-01-02T02:04:05.678Z",
			        "latencyMs": 0.42}]
		}
	}`, string(got))
}

func TestReportMarshalJSONSortsChecks(t *testing.T) {
	t.Parallel()
	rep := health.Report{Status: health.StatusPass, Checks: []health.Result{
		{Name: "zeta", Status: health.StatusPass},
		{Name: "alpha", Status: health.StatusPass},
	}}
	first, err := json.Marshal(rep)
	require.NoError(t, err)
	require.Regexp(t, `^\{"status":"pass","checks":\{"alpha":.*"zeta":`, string(first))
	for range 10 {
		again, err := json.Marshal(rep)
		require.NoError(t, err)
		require.Equal(t, string(first), string(again))
	}
}

func TestReportMarshalJSONNoChecks(t *testing.T) {
	t.Parallel()
	got, err := json.Marshal(health.Report{Status: health.StatusPass})
	require.NoError(t, err)
	require.JSONEq(t, `{"status":"pass","checks":{}}`, string(got))
}
