package memory

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func TestOAuthStateExpiryBoundary(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	expires := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, state := range []string{"a", "b", "c"} {
		require.NoError(t, s.CreateOAuthState(ctx, &store.OAuthState{State: state, TenantID: tenantA, Provider: "gmail", ExpiresAt: expires}))
	}
	got, err := s.ConsumeOAuthState(ctx, "a", expires.Add(-time.Microsecond))
	require.NoError(t, err)
	require.Empty(t, got.CodeVerifier)
	_, err = s.ConsumeOAuthState(ctx, "b", expires)
	require.ErrorIs(t, err, store.ErrNotFound, "a state is expired at its ExpiresAt")

	n, err := s.DeleteExpiredOAuthStates(ctx, expires)
	require.NoError(t, err)
	require.Zero(t, n, "c expires at, not before, now")
	n, err = s.DeleteExpiredOAuthStates(ctx, expires.Add(time.Microsecond))
	require.NoError(t, err)
	require.Equal(t, 1, n, "b was deleted when it was refused")
}

func TestOAuthStateKeptByHashOnly(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	require.NoError(t, s.CreateOAuthState(ctx, &store.OAuthState{State: "raw-state", TenantID: tenantA, Provider: "gmail", CodeVerifier: "v", ExpiresAt: farFuture}))
	s.mu.RLock()
	keys := slices.Collect(maps.Keys(s.t.oauthStates))
	s.mu.RUnlock()
	// echo -n raw-state | sha256sum
	require.Equal(t, []string{"7808e2ac2f438f9cd4cfe78f5262f51c28d01087fd2bad20edacc927acf6ee7d"}, keys)
}
