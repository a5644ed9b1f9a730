package quota_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/quota"
	"github.com/ucsp/integration/store/secrets"
)

// stores returns the stores to run a test on: memory, and PostgreSQL (a
// schema of the test's own; skipped, or failed under REQUIRE_SERVICES=1,
// without TEST_DATABASE_URL).
func stores() map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"memory": func(t *testing.T) store.Store {
			st, err := memory.New(memory.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
		"postgres": func(t *testing.T) store.Store {
			ring, err := secrets.ParseKeyring("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			require.NoError(t, err)
			st, err := postgres.Open(t.Context(), pgtest.URL(t), postgres.Options{Keyring: ring, Migrate: true})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
	}
}

func newIntegration(t *testing.T, st store.Store, tenant string) *store.Integration {
	t.Helper()
	in := &store.Integration{TenantID: tenant, Provider: "imap", Name: "Support"}
	require.NoError(t, st.CreateIntegration(t.Context(), in, connector.Credentials{}))
	return in
}

// message returns a message of n bytes of text (its store.MessageSize).
func message(n int) *connector.OutboundMessage {
	return &connector.OutboundMessage{From: connector.Address{Email: "support@example.com"}, To: []connector.Address{{Email: "ann@example.org"}}, Text: strings.Repeat("x", n)}
}

// queueSend stores a pending send of n bytes.
func queueSend(t *testing.T, st store.Store, in *store.Integration, n int) {
	t.Helper()
	_, created, err := st.CreateOutbox(t.Context(), &store.OutboxEntry{
		TenantID: in.TenantID, IntegrationID: in.ID, IdempotencyKey: store.NewID(), RequestHash: "h", Message: *message(n),
	})
	require.NoError(t, err)
	require.True(t, created)
}

// TestIntegrationQuota: a tenant with as many integrations as allowed has
// no room for one more; another tenant's do not count; deleting one makes
// room.
func TestIntegrationQuota(t *testing.T) {
	t.Parallel()
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, ctx := newStore(t), t.Context()
			q, err := quota.New(st, quota.Limits{Integrations: 2})
			require.NoError(t, err)
			first := newIntegration(t, st, "acme")
			newIntegration(t, st, "globex")
			require.NoError(t, q.Integration(ctx, "acme"))
			newIntegration(t, st, "acme")

			err = q.Integration(ctx, "acme")
			require.ErrorIs(t, err, quota.ErrExceeded)
			var e *quota.ExceededError
			require.ErrorAs(t, err, &e)
			require.Equal(t, quota.ExceededError{Limit: quota.LimitIntegrations, Max: 2, Used: 2, Adding: 1}, *e)
			require.NoError(t, q.Integration(ctx, "globex"), "another tenant's integrations do not count")

			require.NoError(t, st.DeleteIntegration(ctx, "acme", first.ID))
			require.NoError(t, q.Integration(ctx, "acme"))
		})
	}
}

// TestSendQuota: pending sends are bounded in number and in bytes, the
// message checked counted in; a deleted integration's entries free
// their room.
func TestSendQuota(t *testing.T) {
	t.Parallel()
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, ctx := newStore(t), t.Context()
			in := newIntegration(t, st, "acme")
			q, err := quota.New(st, quota.Limits{PendingSends: 2, PendingSendBytes: 1000})
			require.NoError(t, err)

			queueSend(t, st, in, 600)
			require.NoError(t, q.Send(ctx, "acme", message(400)), "600 + 400 is the bound, not beyond it")
			err = q.Send(ctx, "acme", message(401))
			var e *quota.ExceededError
			require.ErrorAs(t, err, &e)
			require.Equal(t, quota.ExceededError{Limit: quota.LimitPendingSendBytes, Max: 1000, Used: 600, Adding: 401}, *e)

			queueSend(t, st, in, 1)
			err = q.Send(ctx, "acme", message(1))
			require.ErrorAs(t, err, &e)
			require.Equal(t, quota.ExceededError{Limit: quota.LimitPendingSends, Max: 2, Used: 2, Adding: 1}, *e)
			require.NoError(t, q.Send(ctx, "globex", message(1)), "another tenant's sends do not count")

			require.NoError(t, st.DeleteIntegration(ctx, "acme", in.ID))
			require.NoError(t, q.Send(ctx, "acme", message(1)), "a deleted integration's entries are gone")
		})
	}
}

// TestNoLimits: zero limits bound nothing and read nothing.
func TestNoLimits(t *testing.T) {
	t.Parallel()
	q, err := quota.New(failing{}, quota.Limits{})
	require.NoError(t, err)
	require.NoError(t, q.Integration(t.Context(), "acme"))
	require.NoError(t, q.Send(t.Context(), "acme", message(10)))
	require.Equal(t, quota.Limits{}, q.Limits())
}

// TestStoreErrors: a store that cannot count is the caller's error, not
// a quota exceeded.
func TestStoreErrors(t *testing.T) {
	t.Parallel()
	q, err := quota.New(failing{}, quota.Limits{Integrations: 1, PendingSends: 1})
	require.NoError(t, err)
	for _, err := range []error{q.Integration(t.Context(), "acme"), q.Send(t.Context(), "acme", message(1))} {
		require.ErrorIs(t, err, store.ErrUnavailable)
		require.NotErrorIs(t, err, quota.ErrExceeded)
	}
}

// TestNewRefuses: negative limits and a nil store are refused, each
// named.
func TestNewRefuses(t *testing.T) {
	t.Parallel()
	_, err := quota.New(nil, quota.Limits{Integrations: -1, PendingSendBytes: -2})
	require.ErrorIs(t, err, quota.ErrInvalid)
	for _, name := range []string{"nil store", "Limits.Integrations", "Limits.PendingSendBytes"} {
		require.ErrorContains(t, err, name)
	}
	require.NotContains(t, err.Error(), "Limits.PendingSends ")
}

// failing is a store that cannot be reached.
type failing struct{}

func (failing) CountTenantIntegrations(context.Context, string) (int64, error) {
	return 0, fmt.Errorf("count: %w", store.ErrUnavailable)
}

func (failing) PendingOutbox(context.Context, string) (store.OutboxUsage, error) {
	return store.OutboxUsage{}, errors.Join(store.ErrUnavailable)
}
