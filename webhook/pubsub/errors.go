package pubsub

import (
	"net/http"

	"github.com/ucsp/integration/webhook"
)

// Verification errors, in the order the checks are made. Each is a
// *webhook.Error: webhook.StatusCode and webhook.WriteError map them.
var (
	// ErrInvalidToken: the token is not a JWT, not signed with RS256, or
	// not signed by one of Google's keys.
	ErrInvalidToken = webhook.NewError(http.StatusUnauthorized, "pubsub: invalid token")
	// ErrTokenExpired: the token's exp is past.
	ErrTokenExpired = webhook.NewError(http.StatusUnauthorized, "pubsub: token expired")
	// ErrWrongAudience: the token's aud is not Options.Audience.
	ErrWrongAudience = webhook.NewError(http.StatusForbidden, "pubsub: wrong audience")
	// ErrWrongIssuer: the token's iss is not Google's.
	ErrWrongIssuer = webhook.NewError(http.StatusForbidden, "pubsub: wrong issuer")
	// ErrWrongEmail: the token is not for Options.ServiceAccount.
	ErrWrongEmail = webhook.NewError(http.StatusForbidden, "pubsub: wrong service account")
	// ErrEmailNotVerified: the token's email_verified is not true.
	ErrEmailNotVerified = webhook.NewError(http.StatusForbidden, "pubsub: email not verified")
	// ErrKeysUnavailable: Google's signing keys could not be fetched, so
	// the token could not be checked. Pub/Sub retries the push.
	ErrKeysUnavailable = webhook.NewError(http.StatusServiceUnavailable, "pubsub: Google's signing keys unavailable")
)
