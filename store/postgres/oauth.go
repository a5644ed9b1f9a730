package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/secrets"
)

// stateHash is the key of an OAuth state: the state itself is never
// stored.
func stateHash(state string) []byte {
	h := sha256.Sum256([]byte(state))
	return h[:]
}

// verifierAAD binds a sealed PKCE verifier to its state.
func verifierAAD(hash []byte) []byte {
	return []byte("oauth-state-verifier:" + hex.EncodeToString(hash))
}

// CreateOAuthState stores st under the hash of st.State, with its PKCE
// verifier sealed. st.IntegrationID need not name a stored integration;
// when it does, deleting the integration deletes the state.
func (s *Store) CreateOAuthState(ctx context.Context, st *store.OAuthState) error {
	const op = "create oauth state"
	if st == nil {
		return fmt.Errorf("postgres: %s: %w", op, store.Invalid("state", "is required"))
	}
	if st.State == "" {
		return fmt.Errorf("postgres: %s: %w", op, store.Invalid("state", "is required"))
	}
	for _, f := range []struct{ name, value string }{
		{"tenant_id", st.TenantID}, {"provider", st.Provider},
	} {
		if err := checkRequired(f.name, f.value); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	if err := checkText("redirect_uri", st.RedirectURI); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if st.ExpiresAt.IsZero() {
		return fmt.Errorf("postgres: %s: %w", op, store.Invalid("expires_at", "is required"))
	}
	if st.IntegrationID != "" && !store.ValidID(st.IntegrationID) {
		return fmt.Errorf("postgres: %s: %w", op, store.Invalid("integration_id", "must be a UUID, as store.NewID makes"))
	}
	hash := stateHash(st.State)
	var sealed secrets.Sealed
	if st.CodeVerifier != "" {
		var err error
		if sealed, err = s.keyring.Seal([]byte(st.CodeVerifier), verifierAAD(hash)); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	created := now()
	_, err := s.pool.Exec(ctx, `
		INSERT INTO oauth_states (state_hash, tenant_id, integration_id, provider, verifier_key_id,
			verifier_ciphertext, redirect_uri, data, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		hash, st.TenantID, nullString(st.IntegrationID), st.Provider, nullString(sealed.KeyID),
		sealed.Ciphertext, st.RedirectURI, st.Data, st.ExpiresAt, created)
	if pgCode(err) == codeUniqueViolation {
		return fmt.Errorf("postgres: %s: state already stored: %w", op, store.ErrConflict)
	}
	if err != nil {
		return wrapErr(op, err)
	}
	st.CreatedAt = created
	return nil
}

// ConsumeOAuthState deletes the state and returns it unless it expired
// at now. Deleting first makes it single-use even when two callbacks race.
func (s *Store) ConsumeOAuthState(ctx context.Context, state string, now time.Time) (*store.OAuthState, error) {
	const op = "consume oauth state"
	if state == "" {
		return nil, notFound(op)
	}
	hash := stateHash(state)
	var (
		st            = store.OAuthState{State: state}
		integrationID *string
		sealed        secrets.Sealed
		keyID         *string
	)
	err := s.pool.QueryRow(ctx, `
		DELETE FROM oauth_states WHERE state_hash = $1
		RETURNING tenant_id, integration_id, provider, verifier_key_id, verifier_ciphertext,
			redirect_uri, data, expires_at, created_at`, hash).
		Scan(&st.TenantID, &integrationID, &st.Provider, &keyID, &sealed.Ciphertext,
			&st.RedirectURI, &st.Data, &st.ExpiresAt, &st.CreatedAt)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	st.ExpiresAt, st.CreatedAt = st.ExpiresAt.UTC(), st.CreatedAt.UTC()
	if !now.Before(st.ExpiresAt) {
		return nil, fmt.Errorf("postgres: %s: expired: %w", op, store.ErrNotFound)
	}
	if integrationID != nil {
		st.IntegrationID = *integrationID
	}
	if keyID != nil {
		sealed.KeyID = *keyID
		verifier, err := s.keyring.Open(sealed, verifierAAD(hash))
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: code verifier: %w", op, err)
		}
		st.CodeVerifier = string(verifier)
	}
	return &st, nil
}

// DeleteExpiredOAuthStates deletes the states that expired at or before
// now, from oauth_states_expires_at_idx.
func (s *Store) DeleteExpiredOAuthStates(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM oauth_states WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, wrapErr("delete expired oauth states", err)
	}
	return int(tag.RowsAffected()), nil
}

// nullString stores "" as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
