package store

import (
	"context"
	"time"
)

// OAuthState is a pending OAuth authorisation: the state parameter sent to
// the provider, and what the callback needs to finish the flow. A state
// is single-use and short-lived, and bound to the tenant that started it.
type OAuthState struct {
	// State is the random value sent to the provider. Stores keep only a
	// hash of it.
	State    string `json:"-"`
	TenantID string `json:"tenant_id"`
	// IntegrationID is the integration being (re)authorised, if it exists
	// already. It need not name a stored integration; when it does,
	// deleting that integration deletes the state.
	IntegrationID string `json:"integration_id,omitempty"`
	Provider      string `json:"provider"`
	// CodeVerifier is the PKCE verifier; sealed at rest.
	CodeVerifier string `json:"-"`
	// RedirectURI is the redirect_uri the flow was started with.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Data holds whatever else the caller needs back (e.g. the name and
	// config of an integration to create).
	Data      []byte    `json:"data,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// OAuthStateStore keeps pending OAuth authorisations.
type OAuthStateStore interface {
	// CreateOAuthState stores s (filling CreatedAt). State, TenantID,
	// Provider and ExpiresAt are required (ErrInvalid); a state already
	// stored is ErrConflict.
	CreateOAuthState(ctx context.Context, s *OAuthState) error
	// ConsumeOAuthState returns the state and deletes it, so that it
	// works once. A missing, used or expired (at now) state is
	// ErrNotFound.
	ConsumeOAuthState(ctx context.Context, state string, now time.Time) (*OAuthState, error)
	// DeleteExpiredOAuthStates removes states that expired before now and
	// returns how many.
	DeleteExpiredOAuthStates(ctx context.Context, now time.Time) (int, error)
}
