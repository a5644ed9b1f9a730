package sendrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// Classify is the FailurePolicy of a Runner without Options.Failures:
// syncrun's policy without its records. An auth failure, a permanent
// one and an unsupported operation are not retried
// (queue.ErrSkipRetry); a rate limit is retried after the wait the
// provider asked for (at least a second); anything else is retried with
// the queue's backoff. Nothing is recorded on the integration.
type Classify struct{}

// JobError returns err, prefixed with op, as the queue should see it.
func (Classify) JobError(_ context.Context, _ *store.Integration, op string, err error, _ syncrun.Scope) error {
	err = fmt.Errorf("%s: %w", op, err)
	switch {
	case errors.Is(err, connector.ErrRateLimited):
		return queue.RetryAfter(max(connector.RetryAfter(err), time.Second), err)
	case errors.Is(err, connector.ErrAuth), errors.Is(err, connector.ErrPermanent), errors.Is(err, connector.ErrUnsupported):
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err)
	}
	return err
}
