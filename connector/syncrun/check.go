package syncrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// The job types of the connectivity checks (Checks). Their names are
// stable: jobs queued by one version are run by the next.
const (
	// JobCheck tests one integration's connection and records the
	// outcome (Checks.Check).
	JobCheck = "check-integration"
	// JobCheckAll enqueues a JobCheck per integration (Checks.EnqueueAll),
	// periodically: see Checks.Schedule.
	JobCheckAll = "check-integrations"
)

// DefaultCheckTimeout bounds a connectivity test when
// CheckOptions.Timeout is zero.
const DefaultCheckTimeout = 30 * time.Second

// CheckOptions configure Checks. The zero value means the documented
// defaults.
type CheckOptions struct {
	// Timeout bounds each connectivity test (connector.Connector.Test);
	// 0 means DefaultCheckTimeout. A JobCheck job may run half as long
	// again, to record the outcome.
	Timeout time.Duration
	// Describe words a test's failure as it is recorded: the
	// integration's Health.Error, and its LastError when the failure
	// marks it needs_reauth. nil means err.Error(). A service that shows
	// health to tenants who name the servers tested can say what failed
	// without repeating what a server that is not a mail server
	// answered.
	Describe func(error) string
}

// Checks tests integrations' connections and records each outcome as
// the integration's health (store.Health): now, for an API call, or
// periodically for every integration of the providers synced that is
// not disabled. A test that fails for the credentials
// (connector.ErrAuth) marks an active integration needs_reauth, with an
// integration.needs_reauth event in the same transaction, published; a
// test that passes makes an integration that needed reauthorization or
// had failed (StatusError) active again.
type Checks struct {
	r        *Runner
	timeout  time.Duration
	describe func(error) string
}

// Checks returns the connectivity checks of r's integrations, which
// build connectors with r's Options.Connect, announce with r's
// Options.Publish and cover r's Options.Providers.
func (r *Runner) Checks(opts CheckOptions) (*Checks, error) {
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("%w: CheckOptions.Timeout %s must not be negative", ErrInvalid, opts.Timeout)
	}
	c := &Checks{r: r, timeout: opts.Timeout, describe: opts.Describe}
	if c.timeout == 0 {
		c.timeout = DefaultCheckTimeout
	}
	if c.describe == nil {
		c.describe = func(err error) string { return err.Error() }
	}
	return c, nil
}

// CheckResult is the outcome of a connectivity test.
type CheckResult struct {
	// Integration is the integration with the outcome recorded.
	Integration *store.Integration
	// Latency is how long the connector's test took.
	Latency time.Duration
	// Err is why the test failed: the connector's error, or the error of
	// building it. nil when it passed.
	Err error
}

// Test tests in's connection now, bounded by CheckOptions.Timeout, and
// records the outcome. A connector that cannot be built fails the test.
// The error returned is the store's (store.ErrNotFound when the
// integration was deleted meanwhile); the test's is the result's Err.
func (c *Checks) Test(ctx context.Context, in *store.Integration) (*CheckResult, error) {
	conn, testErr := c.r.connect(ctx, in)
	start := time.Now()
	if testErr == nil {
		tctx, cancel := context.WithTimeout(ctx, c.timeout)
		testErr = conn.Test(tctx)
		cancel()
		closeConnector(conn)
	}
	latency := time.Since(start)
	var announced []*store.Event
	out, err := c.r.store.UpdateIntegrationWithEvents(ctx, in.TenantID, in.ID, func(cur *store.Integration) ([]*store.Event, error) {
		announced = nil
		before := cur.Status
		c.record(cur, time.Now(), latency, testErr)
		if cur.Status == store.StatusNeedsReauth && before != store.StatusNeedsReauth {
			ev, err := ProblemEvent(cur, EventNeedsReauth)
			if err != nil {
				return nil, err
			}
			announced = []*store.Event{ev}
		}
		return announced, nil
	})
	if err != nil {
		return nil, err
	}
	c.r.emit(ctx, announced)
	return &CheckResult{Integration: out, Latency: latency, Err: testErr}, nil
}

// record stores a test's outcome as in's health; an auth failure marks
// an active integration needs_reauth, a success clears that and
// StatusError.
func (c *Checks) record(in *store.Integration, at time.Time, latency time.Duration, err error) {
	in.Health.CheckedAt, in.Health.Latency = at, latency
	if err == nil {
		in.Health.Status, in.Health.Error, in.Health.ConsecutiveFailures = "ok", "", 0
		if in.Status == store.StatusNeedsReauth || in.Status == store.StatusError {
			in.Status, in.LastError = store.StatusActive, ""
		}
		return
	}
	msg := c.describe(err)
	in.Health.Status, in.Health.Error = "failing", msg
	in.Health.ConsecutiveFailures++
	if errors.Is(err, connector.ErrAuth) && in.Status == store.StatusActive {
		in.Status, in.LastError = store.StatusNeedsReauth, msg
	}
}

// Check tests the tenant's integration's connection and records the
// outcome, as Test does; it is what a JobCheck job runs. An
// integration that is deleted (before or during the test), disabled, or
// of a provider not synced is not tested: the result is nil, and so is
// the error.
func (c *Checks) Check(ctx context.Context, tenant, integration string) (*CheckResult, error) {
	in, err := c.r.store.GetIntegration(ctx, tenant, integration)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case in.Status == store.StatusDisabled || !c.r.synced(in.Provider):
		return nil, nil
	}
	res, err := c.Test(ctx, in)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // deleted meanwhile
	}
	return res, err
}

// EnqueueAll enqueues a JobCheck for every integration of the
// providers synced that is not disabled, across tenants, and returns
// how many it enqueued or found pending: one attempt each (the next
// round is the retry), and one pending check per integration however
// often it is enqueued, so that a slow provider's checks never pile up.
func (c *Checks) EnqueueAll(ctx context.Context) (int, error) {
	n := 0
	err := c.r.each(ctx, store.ListIntegrationsOptions{}, func(in *store.Integration) error {
		if in.Status == store.StatusDisabled || !c.r.synced(in.Provider) {
			return nil
		}
		_, err := queue.EnqueueJSON(ctx, c.r.broker, JobCheck, syncPayload{TenantID: in.TenantID, IntegrationID: in.ID},
			queue.Unique("check:"+in.ID), queue.MaxAttempts(1), queue.Timeout(c.timeout+c.timeout/2))
		if err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// HandleCheck is the handler of JobCheck jobs: it decodes the job and
// runs Check.
func (c *Checks) HandleCheck(ctx context.Context, job *queue.Job) error {
	var p syncPayload
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: syncrun: check payload: %w", queue.ErrSkipRetry, err)
	}
	_, err := c.Check(ctx, p.TenantID, p.IntegrationID)
	return err
}

// HandleCheckAll is the handler of JobCheckAll jobs: it runs
// EnqueueAll.
func (c *Checks) HandleCheckAll(ctx context.Context, _ *queue.Job) error {
	_, err := c.EnqueueAll(ctx)
	return err
}

// Register adds the checks' job handlers to m: JobCheck and
// JobCheckAll.
func (c *Checks) Register(m *queue.Mux) {
	m.HandleFunc(JobCheck, c.HandleCheck)
	m.HandleFunc(JobCheckAll, c.HandleCheckAll)
}

// Schedule returns the schedule of the checks for a worker's
// WorkerConfig.Periodic: a JobCheckAll job every period, one attempt.
func (c *Checks) Schedule(every time.Duration) queue.Periodic {
	return queue.Periodic{Name: JobCheckAll, Every: every, Type: JobCheckAll, Options: []queue.Option{queue.MaxAttempts(1)}}
}
