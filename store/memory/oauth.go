package memory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ucsp/integration/store"
)

// stateKey is what an OAuth state is kept by: the hex SHA-256 of the
// state, never the state itself.
func stateKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// verifierAAD binds a sealed PKCE verifier to its state, as
// store/postgres does.
func verifierAAD(key string) []byte { return []byte("oauth-state-verifier:" + key) }

// CreateOAuthState stores st, filling st.CreatedAt, keyed by the SHA-256
// of st.State and with st.CodeVerifier sealed. State, TenantID, Provider
// and ExpiresAt are required (store.ErrInvalid); a state already stored
// is store.ErrConflict. st.IntegrationID need not name a stored
// integration, but when it does, deleting that integration deletes the
// state.
func (s *Store) CreateOAuthState(ctx context.Context, st *store.OAuthState) error {
	switch {
	case st == nil:
		return invalid("oauth_state", "is required")
	case st.State == "":
		return invalid("state", "is required")
	case st.TenantID == "":
		return invalid("tenant_id", "is required")
	case st.Provider == "":
		return invalid("provider", "is required")
	case st.ExpiresAt.IsZero():
		return invalid("expires_at", "is required")
	}
	key := stateKey(st.State)
	row := &oauthRow{
		tenantID:      st.TenantID,
		integrationID: normID(st.IntegrationID),
		provider:      st.Provider,
		redirectURI:   st.RedirectURI,
		data:          bytes.Clone(st.Data),
		expiresAt:     storedTime(st.ExpiresAt),
	}
	if st.CodeVerifier != "" {
		sealed, err := s.keyring.Seal([]byte(st.CodeVerifier), verifierAAD(key))
		if err != nil {
			return fmt.Errorf("memory: seal PKCE verifier: %w", err)
		}
		row.verifier = sealed
	}
	return s.write(ctx, func(t *tables) error {
		if t.oauthStates[key] != nil {
			return fmt.Errorf("memory: oauth state: %w", store.ErrConflict)
		}
		row.createdAt = s.now()
		t.oauthStates[key] = row
		st.CreatedAt = row.createdAt
		return nil
	})
}

// ConsumeOAuthState returns the stored state and deletes it, so that it
// works once. A state that is missing, already used, or expired at now
// (ExpiresAt is not after now) is store.ErrNotFound; an expired one is
// deleted too.
func (s *Store) ConsumeOAuthState(ctx context.Context, state string, now time.Time) (*store.OAuthState, error) {
	key := stateKey(state)
	var row *oauthRow
	err := s.write(ctx, func(t *tables) error {
		row = t.oauthStates[key]
		if row == nil {
			return notFound("oauth state")
		}
		delete(t.oauthStates, key)
		if !now.Before(row.expiresAt) {
			return notFound("oauth state")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &store.OAuthState{
		State:         state,
		TenantID:      row.tenantID,
		IntegrationID: row.integrationID,
		Provider:      row.provider,
		RedirectURI:   row.redirectURI,
		Data:          bytes.Clone(row.data),
		ExpiresAt:     row.expiresAt,
		CreatedAt:     row.createdAt,
	}
	if !row.verifier.IsZero() {
		plain, err := s.keyring.Open(row.verifier, verifierAAD(key))
		if err != nil {
			return nil, fmt.Errorf("memory: open PKCE verifier: %w", err)
		}
		out.CodeVerifier = string(plain)
		clear(plain)
	}
	return out, nil
}

// DeleteExpiredOAuthStates removes the states whose ExpiresAt is before
// now and returns how many it removed.
func (s *Store) DeleteExpiredOAuthStates(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.write(ctx, func(t *tables) error {
		for key, row := range t.oauthStates {
			if row.expiresAt.Before(now) {
				delete(t.oauthStates, key)
				n++
			}
		}
		return nil
	})
	return n, err
}
