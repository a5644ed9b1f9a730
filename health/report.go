package health

import (
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// Status is a health status as defined by the IETF draft "Health Check
// Response Format for HTTP APIs" (draft-inadarei-api-health-check).
type Status string

// The statuses a report or a check can have.
const (
	// StatusPass means healthy.
	StatusPass Status = "pass"
	// StatusWarn means healthy but with concerns: a non-critical check
	// failed. It is used for the overall status only.
	StatusWarn Status = "warn"
	// StatusFail means unhealthy: for a check, that it failed; overall,
	// that a critical check failed.
	StatusFail Status = "fail"
)

// Result is the outcome of one check in one run.
type Result struct {
	// Name is the check's [Check.Name].
	Name string
	// Status is [StatusPass] or [StatusFail].
	Status Status
	// Critical is the check's [Check.Critical].
	Critical bool
	// Time is when the check started.
	Time time.Time
	// Latency is how long the check took, or how long Run waited for it
	// when it timed out.
	Latency time.Duration
	// Err is nil when the check passed. Otherwise it is the check's error,
	// or an error wrapping [ErrTimeout] or [ErrPanic].
	Err error
}

// Report is the outcome of one run of all checks.
//
// Its JSON form follows the IETF draft: a "status" member, and a "checks"
// object keyed by check name (encoding/json writes the keys sorted), each
// holding a one-element array:
//
//	{
//	  "status": "warn",
//	  "checks": {
//	    "cache": [{"status": "fail", "critical": false,
//	               "time": "2025-01-02T03:04:05.678Z", "latencyMs": 1.25,
//	               "output": "dial tcp 10.0.0.7:6379: connection refused"}],
//	    "db": [{"status": "pass", "critical": true,
//	            "time": "2025-01-02T03:04:05.678Z", "latencyMs": 0.42}]
//	  }
//	}
//
// "time" is RFC 3339 in UTC, "latencyMs" is [Result.Latency] in
// milliseconds as a float, and "output" is the error text, omitted when the
// check passed. "critical" and "latencyMs" are extensions to the draft.
type Report struct {
	// Status is [StatusFail] if any critical check failed, else
	// [StatusWarn] if any check failed, else [StatusPass] (also when no
	// checks are registered).
	Status Status
	// Checks holds one result per check, sorted by name.
	Checks []Result
}

// newReport computes the overall status of results, which are in the
// (sorted) order of Registry.entries.
func newReport(results []Result) Report {
	status := StatusPass
	for _, res := range results {
		if res.Status != StatusFail {
			continue
		}
		if res.Critical {
			status = StatusFail
			break
		}
		status = StatusWarn
	}
	return Report{Status: status, Checks: results}
}

// clone returns a copy of r whose Checks the caller may modify.
func (r Report) clone() Report {
	r.Checks = slices.Clone(r.Checks)
	return r
}

// MarshalJSON encodes r in the draft-inadarei-api-health-check format
// described on [Report], including the error text of failing checks.
func (r Report) MarshalJSON() ([]byte, error) {
	return json.Marshal(r.wire(true))
}

// reportJSON and checkJSON are the wire form of Report and Result.
type reportJSON struct {
	Status Status                 `json:"status"`
	Checks map[string][]checkJSON `json:"checks"`
}

type checkJSON struct {
	Status    Status    `json:"status"`
	Critical  bool      `json:"critical"`
	Time      time.Time `json:"time"`
	LatencyMs float64   `json:"latencyMs"`
	Output    string    `json:"output,omitempty"`
}

// wire converts r to its JSON form. Unless expose is set, error text is
// replaced by a generic description.
func (r Report) wire(expose bool) reportJSON {
	out := reportJSON{Status: r.Status, Checks: make(map[string][]checkJSON, len(r.Checks))}
	for _, res := range r.Checks {
		out.Checks[res.Name] = []checkJSON{{
			Status:    res.Status,
			Critical:  res.Critical,
			Time:      res.Time.UTC(),
			LatencyMs: float64(res.Latency) / float64(time.Millisecond),
			Output:    output(res.Err, expose),
		}}
	}
	return out
}

// output is the "output" member for err.
func output(err error, expose bool) string {
	switch {
	case err == nil:
		return ""
	case expose:
		return err.Error()
	case errors.Is(err, ErrTimeout):
		return "check timed out"
	default:
		return "check failed"
	}
}
