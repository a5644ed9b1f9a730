package quota

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// Store is what a Checker reads: a subset of store.Store.
type Store interface {
	CountTenantIntegrations(ctx context.Context, tenantID string) (int64, error)
	PendingOutbox(ctx context.Context, tenantID string) (store.OutboxUsage, error)
}

var _ Store = store.Store(nil)

// Limits are the quotas of every tenant. Zero means no bound.
type Limits struct {
	// Integrations is the most integrations a tenant may have.
	Integrations int64
	// PendingSends is the most outbox entries a tenant may have waiting
	// to be sent (store.OutboxPending).
	PendingSends int64
	// PendingSendBytes bounds what those entries hold together
	// (store.MessageSize), the message being checked included.
	PendingSendBytes int64
}

// The quotas, as ExceededError.Limit names them.
const (
	LimitIntegrations     = "integrations_per_tenant"
	LimitPendingSends     = "pending_sends_per_tenant"
	LimitPendingSendBytes = "pending_send_bytes_per_tenant"
)

// ErrExceeded is what every ExceededError is (errors.Is).
var ErrExceeded = errors.New("quota: exceeded")

// ErrInvalid is returned by New for limits it cannot check with; the
// error's text names the field.
var ErrInvalid = errors.New("quota: invalid limits")

// ExceededError says which quota a tenant has no room in.
type ExceededError struct {
	// Limit is LimitIntegrations, LimitPendingSends or
	// LimitPendingSendBytes.
	Limit string
	// Max is the quota; Used is what the tenant holds now (integrations,
	// pending sends, or their bytes); Adding is what the refused create
	// would have added (1, or the message's size).
	Max, Used, Adding int64
}

func (e *ExceededError) Error() string {
	return fmt.Sprintf("quota: %s: the tenant holds %d, adding %d would pass %d", e.Limit, e.Used, e.Adding, e.Max)
}

// Is makes an ExceededError ErrExceeded.
func (e *ExceededError) Is(target error) bool { return target == ErrExceeded }

// Checker checks tenants' quotas against a store. It is safe for
// concurrent use.
type Checker struct {
	st     Store
	limits Limits
}

// New returns a Checker of limits over st. Negative limits are refused,
// each named.
func New(st Store, limits Limits) (*Checker, error) {
	var errs []error
	if st == nil {
		errs = append(errs, fmt.Errorf("%w: New: nil store", ErrInvalid))
	}
	for _, l := range []struct {
		name string
		v    int64
	}{{"Integrations", limits.Integrations}, {"PendingSends", limits.PendingSends}, {"PendingSendBytes", limits.PendingSendBytes}} {
		if l.v < 0 {
			errs = append(errs, fmt.Errorf("%w: Limits.%s %d must not be negative", ErrInvalid, l.name, l.v))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Checker{st: st, limits: limits}, nil
}

// Limits returns the Checker's limits.
func (c *Checker) Limits() Limits { return c.limits }

// Integration returns an *ExceededError (LimitIntegrations) when the
// tenant has as many integrations as Limits.Integrations allows, the
// store's error when it cannot count them, and nil when one more fits.
func (c *Checker) Integration(ctx context.Context, tenant string) error {
	most := c.limits.Integrations
	if most == 0 {
		return nil
	}
	n, err := c.st.CountTenantIntegrations(ctx, tenant)
	if err != nil {
		return err
	}
	if n >= most {
		return &ExceededError{Limit: LimitIntegrations, Max: most, Used: n, Adding: 1}
	}
	return nil
}

// Send returns an *ExceededError when the tenant's pending sends have no
// room for msg: LimitPendingSends when it has as many as
// Limits.PendingSends allows, LimitPendingSendBytes when msg's
// store.MessageSize would take them beyond Limits.PendingSendBytes. It
// returns the store's error when it cannot read them, nil when msg
// fits.
func (c *Checker) Send(ctx context.Context, tenant string, msg *connector.OutboundMessage) error {
	if c.limits.PendingSends == 0 && c.limits.PendingSendBytes == 0 {
		return nil
	}
	u, err := c.st.PendingOutbox(ctx, tenant)
	if err != nil {
		return err
	}
	size := store.MessageSize(msg)
	if most := c.limits.PendingSends; most > 0 && u.Entries >= most {
		return &ExceededError{Limit: LimitPendingSends, Max: most, Used: u.Entries, Adding: 1}
	}
	if most := c.limits.PendingSendBytes; most > 0 && u.Bytes+size > most {
		return &ExceededError{Limit: LimitPendingSendBytes, Max: most, Used: u.Bytes, Adding: size}
	}
	return nil
}
