package health

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// flight is one run of the checks, shared by every caller of Run that
// arrives while it is in progress.
type flight struct {
	entries []*entry      // the checks this run covers
	gen     uint64        // Registry.gen when the run started
	waiters int           // callers sharing this run (for tests)
	done    chan struct{} // closed when report is set
	report  Report
}

// cached is a completed report and the time it stops being reused.
type cached struct {
	report  Report
	expires time.Time
}

// Run runs every registered check concurrently, each under its own timeout,
// and returns the combined report. It never panics because of a check and
// never takes longer than the longest check timeout.
//
// Callers that arrive while a run is in progress share it instead of starting
// another. With [Options.CacheTTL] set, a report younger than the TTL is
// returned without running anything. The shared run is detached from ctx's
// cancellation (it keeps ctx's values), so one caller going away does not
// spoil the result for the others; if ctx is done before the run completes,
// Run stops waiting and returns a report in which every check failed with an
// error wrapping ctx.Err().
func (r *Registry) Run(ctx context.Context) Report {
	start := time.Now()
	r.mu.Lock()
	if c := r.cache; c != nil && start.Before(c.expires) {
		r.mu.Unlock()
		return c.report.clone()
	}
	if err := ctx.Err(); err != nil {
		entries := slices.Clone(r.entries)
		r.mu.Unlock()
		return abandoned(entries, err, start)
	}
	f := r.flight
	if f == nil {
		f = &flight{
			entries: slices.Clone(r.entries),
			gen:     r.gen,
			done:    make(chan struct{}),
		}
		r.flight = f
		go r.fly(context.WithoutCancel(ctx), f)
	}
	f.waiters++
	r.mu.Unlock()

	select {
	case <-f.done:
		return f.report.clone()
	case <-ctx.Done():
		return abandoned(f.entries, ctx.Err(), start)
	}
}

// fly performs the run f, publishes its report and logs status changes.
func (r *Registry) fly(ctx context.Context, f *flight) {
	rep := r.runAll(ctx, f.entries)

	r.mu.Lock()
	r.flight = nil
	if r.ttl > 0 && f.gen == r.gen {
		r.cache = &cached{report: rep, expires: time.Now().Add(r.ttl)}
	}
	changed := r.transitions(rep)
	r.mu.Unlock()

	for _, res := range changed {
		if res.Status == StatusFail {
			r.logger.Warn("health: check failing",
				"check", res.Name, "critical", res.Critical, "error", res.Err)
		} else {
			r.logger.Info("health: check recovered", "check", res.Name)
		}
	}
	f.report = rep
	close(f.done)
}

// transitions records which checks fail in rep and returns the results whose
// pass/fail state differs from the previous run. r.mu must be held.
func (r *Registry) transitions(rep Report) []Result {
	var changed []Result
	for _, res := range rep.Checks {
		failing := res.Status == StatusFail
		if failing != r.failing[res.Name] {
			changed = append(changed, res)
		}
		r.failing[res.Name] = failing
	}
	return changed
}

// abandoned is the report for a caller whose context ended before the run
// did: every check in entries fails with an error wrapping err.
func abandoned(entries []*entry, err error, start time.Time) Report {
	results := make([]Result, len(entries))
	for i, e := range entries {
		results[i] = Result{
			Name:     e.check.Name,
			Status:   StatusFail,
			Critical: e.check.Critical,
			Time:     start,
			Latency:  time.Since(start),
			Err:      fmt.Errorf("health: run abandoned: %w", err),
		}
	}
	return newReport(results)
}
