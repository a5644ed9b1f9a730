package memory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

func TestUpdateIntegrationFnMayReadTheStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	within(t, func() {
		_, err := s.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
			cur, err := s.GetIntegration(ctx, tenantA, in.ID)
			if err != nil {
				return err
			}
			i.Name = cur.Name + " (read inside fn)"
			return s.SetCredentials(ctx, tenantA, in.ID, connector.Credentials{Password: "new"})
		})
		require.NoError(t, err)
	})
	got, err := s.GetIntegration(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.Equal(t, "Support (read inside fn)", got.Name)
}

func TestUpdateIntegrationWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	held := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := s.UpdateIntegration(t.Context(), tenantA, in.ID, func(*store.Integration) error {
			close(held)
			<-release
			return nil
		})
		done <- err
	}()
	<-held
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := s.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
		i.Name = "must not be written"
		return nil
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	require.NoError(t, <-done)
	got, err := s.GetIntegration(t.Context(), tenantA, in.ID)
	require.NoError(t, err)
	require.Equal(t, "Support", got.Name)
}

func TestUpdateIntegrationOfDeletedIntegration(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	_, err := s.UpdateIntegration(ctx, tenantA, in.ID, func(*store.Integration) error {
		return s.DeleteIntegration(ctx, tenantA, in.ID)
	})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetIntegration(ctx, tenantA, in.ID)
	require.ErrorIs(t, err, store.ErrNotFound, "the update brought a deleted integration back")
}

func TestCreateIntegrationLeavesInvalidInputAlone(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	in := &store.Integration{TenantID: tenantA, Provider: "imap", Name: "n", Health: store.Health{Status: "great"}}
	err := s.CreateIntegration(t.Context(), in, connector.Credentials{})
	var ie *store.InvalidError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "health.status", ie.Field)
	require.Empty(t, in.ID)
	require.Empty(t, in.Status)
	require.True(t, in.CreatedAt.IsZero())
}

func TestDeleteIntegrationCascadesOAuthStates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	keep := mustIntegration(t, s, tenantA)
	for state, id := range map[string]string{"gone": in.ID, "kept": keep.ID, "new": ""} {
		require.NoError(t, s.CreateOAuthState(ctx, &store.OAuthState{State: state, TenantID: tenantA, IntegrationID: id, Provider: "gmail", ExpiresAt: farFuture}))
	}
	require.NoError(t, s.DeleteIntegration(ctx, tenantA, in.ID))
	_, err := s.ConsumeOAuthState(ctx, "gone", time.Now())
	require.ErrorIs(t, err, store.ErrNotFound, "re-authorising a deleted integration")
	for _, state := range []string{"kept", "new"} {
		_, err := s.ConsumeOAuthState(ctx, state, time.Now())
		require.NoError(t, err, state)
	}
}
