package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func oauthState(state string, expires time.Time) *store.OAuthState {
	return &store.OAuthState{
		State: state, TenantID: tenantA, Provider: "gmail", CodeVerifier: "verifier-" + state,
		RedirectURI: "https://app.example.com/oauth/callback", Data: []byte(`{"name":"Support"}`),
		ExpiresAt: expires,
	}
}

var oauthTests = map[string]func(*testing.T, *Harness){
	"ConsumeOnce": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		now := time.Now().UTC()
		s := oauthState("state-1", now.Add(10*time.Minute))
		s.IntegrationID = mustIntegration(t, h.Store, tenantA).ID
		require.NoError(t, h.Store.CreateOAuthState(ctx, s))
		require.False(t, s.CreatedAt.IsZero())

		_, err := h.Store.ConsumeOAuthState(ctx, "state-2", now)
		require.ErrorIs(t, err, store.ErrNotFound)
		got, err := h.Store.ConsumeOAuthState(ctx, "state-1", now)
		require.NoError(t, err)
		require.Equal(t, "state-1", got.State)
		require.Equal(t, tenantA, got.TenantID)
		require.Equal(t, s.IntegrationID, got.IntegrationID)
		require.Equal(t, "gmail", got.Provider)
		require.Equal(t, "verifier-state-1", got.CodeVerifier)
		require.Equal(t, s.RedirectURI, got.RedirectURI)
		require.JSONEq(t, `{"name":"Support"}`, string(got.Data))
		require.True(t, s.ExpiresAt.Truncate(time.Microsecond).Equal(got.ExpiresAt.Truncate(time.Microsecond)))
		_, err = h.Store.ConsumeOAuthState(ctx, "state-1", now)
		require.ErrorIs(t, err, store.ErrNotFound, "a state works once")
	},
	"Expired": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		now := time.Now().UTC()
		require.NoError(t, h.Store.CreateOAuthState(ctx, oauthState("old", now.Add(time.Minute))))
		require.NoError(t, h.Store.CreateOAuthState(ctx, oauthState("older", now.Add(-time.Minute))))
		require.NoError(t, h.Store.CreateOAuthState(ctx, oauthState("fresh", now.Add(time.Hour))))
		_, err := h.Store.ConsumeOAuthState(ctx, "old", now.Add(2*time.Minute))
		require.ErrorIs(t, err, store.ErrNotFound)
		n, err := h.Store.DeleteExpiredOAuthStates(ctx, now)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = h.Store.ConsumeOAuthState(ctx, "fresh", now)
		require.NoError(t, err)
	},
	"DeletedWithItsIntegration": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		now := time.Now().UTC()
		in := mustIntegration(t, h.Store, tenantA)
		s := oauthState("reauth", now.Add(time.Hour))
		s.IntegrationID = in.ID
		require.NoError(t, h.Store.CreateOAuthState(ctx, s))
		require.NoError(t, h.Store.CreateOAuthState(ctx, oauthState("unrelated", now.Add(time.Hour))))
		require.NoError(t, h.Store.DeleteIntegration(ctx, tenantA, in.ID))
		_, err := h.Store.ConsumeOAuthState(ctx, "reauth", now)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.ConsumeOAuthState(ctx, "unrelated", now)
		require.NoError(t, err)
	},
	"Validates": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		exp := time.Now().Add(time.Hour)
		for field, change := range map[string]func(*store.OAuthState){
			"state":      func(s *store.OAuthState) { s.State = "" },
			"tenant_id":  func(s *store.OAuthState) { s.TenantID = "" },
			"provider":   func(s *store.OAuthState) { s.Provider = "" },
			"expires_at": func(s *store.OAuthState) { s.ExpiresAt = time.Time{} },
		} {
			s := oauthState("v-"+field, exp)
			change(s)
			require.ErrorIs(t, h.Store.CreateOAuthState(ctx, s), store.ErrInvalid, field)
		}
		require.NoError(t, h.Store.CreateOAuthState(ctx, oauthState("dup", exp)))
		require.ErrorIs(t, h.Store.CreateOAuthState(ctx, oauthState("dup", exp)), store.ErrConflict)
	},
	"ConcurrentConsumeOnce": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		now := time.Now().UTC()
		require.NoError(t, h.Store.CreateOAuthState(ctx, oauthState("race", now.Add(time.Hour))))
		var wg sync.WaitGroup
		results := make(chan error, 10)
		for range 10 {
			wg.Go(func() {
				_, err := h.Store.ConsumeOAuthState(ctx, "race", now)
				results <- err
			})
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			if err == nil {
				ok++
				continue
			}
			require.True(t, errors.Is(err, store.ErrNotFound), "unexpected error %v", err)
		}
		require.Equal(t, 1, ok)
	},
}
