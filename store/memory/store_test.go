package memory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	require.NotNil(t, s.keyring, "a nil Keyring means a generated one")
	in := mustIntegration(t, s, tenantA)
	creds, err := s.Credentials(t.Context(), tenantA, in.ID)
	require.NoError(t, err)
	require.Equal(t, "pw", creds.Password)
	require.WithinDuration(t, time.Now(), in.CreatedAt, time.Minute, "a nil Now means time.Now")
}

func TestTimesAreStoredAsPostgresKeepsThem(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	now := time.Date(2026, 5, 6, 7, 8, 9, 123456789, paris)
	s := newStore(t, Options{Now: func() time.Time { return now }})
	in := mustIntegration(t, s, tenantA)
	want := time.Date(2026, 5, 6, 6, 8, 9, 123456000, time.UTC)
	require.Equal(t, want, in.CreatedAt)
	got, err := s.GetIntegration(t.Context(), tenantA, in.ID)
	require.NoError(t, err)
	require.Equal(t, in, got, "what Create filled in reads back equal")

	checked := time.Now() // with a monotonic reading and nanoseconds
	got, err = s.UpdateIntegration(t.Context(), tenantA, in.ID, func(i *store.Integration) error {
		i.Health.CheckedAt = checked
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, checked.UTC().Truncate(time.Microsecond), got.Health.CheckedAt)
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	require.NoError(t, err)
	in := mustIntegration(t, s, tenantA)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is fine")
	require.ErrorIs(t, s.Ping(t.Context()), ErrClosed)
	_, err = s.GetIntegration(t.Context(), tenantA, in.ID)
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, s.CreateIntegration(t.Context(), &store.Integration{TenantID: tenantA, Provider: "p", Name: "n"}, connector.Credentials{}), ErrClosed)
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetIntegration(ctx, tenantA, in.ID)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, s.Ping(ctx), context.Canceled)
}

func TestEmptyTenantIsInvalid(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	calls := map[string]func() error{
		"GetIntegration":    func() error { _, err := s.GetIntegration(ctx, "", in.ID); return err },
		"ListIntegrations":  func() error { _, err := s.ListIntegrations(ctx, "", store.ListIntegrationsOptions{}); return err },
		"ListMessages":      func() error { _, err := s.ListMessages(ctx, "", in.ID, store.ListMessagesOptions{}); return err },
		"ListEvents":        func() error { _, err := s.ListEvents(ctx, "", store.ListEventsOptions{}); return err },
		"SyncState":         func() error { _, err := s.SyncState(ctx, "", in.ID); return err },
		"DeleteIntegration": func() error { return s.DeleteIntegration(ctx, "", in.ID) },
	}
	for name, call := range calls {
		err := call()
		var ie *store.InvalidError
		require.ErrorAs(t, err, &ie, name)
		require.Equal(t, "tenant_id", ie.Field, name)
		require.Equal(t, "memory: store: tenant_id is required", err.Error(), name)
	}
}
