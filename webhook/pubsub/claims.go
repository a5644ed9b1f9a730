package pubsub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"google.golang.org/api/idtoken"
)

// Google's issuers of ID tokens.
var googleIssuers = [...]string{"accounts.google.com", "https://accounts.google.com"}

// maxTokenLength bounds the tokens looked at; Google's are about 1 KiB.
const maxTokenLength = 16 << 10

// Claims are the checked claims of a push request's token.
type Claims struct {
	// Issuer is iss: accounts.google.com or https://accounts.google.com.
	Issuer string
	// Audience is aud, Options.Audience.
	Audience string
	// Email is the service account's email, Options.ServiceAccount.
	Email string
	// Subject is sub, the service account's unique id.
	Subject string
	// IssuedAt is iat.
	IssuedAt time.Time
	// Expires is exp.
	Expires time.Time
}

// VerifyToken verifies a Pub/Sub push token: an RS256 JWT signed by one of
// Google's keys, not expired, for Options.Audience, issued by Google, for
// Options.ServiceAccount with email_verified true. The error says which
// check failed (ErrInvalidToken, ErrTokenExpired, ErrWrongAudience,
// ErrWrongIssuer, ErrWrongEmail, ErrEmailNotVerified, ErrKeysUnavailable)
// and never contains the token.
func (v *Verifier) VerifyToken(ctx context.Context, token string) (*Claims, error) {
	if len(token) > maxTokenLength {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, maxTokenLength)
	}
	if err := checkAlgorithm(token); err != nil {
		return nil, err
	}
	// idtoken reports an expired token only as text: check expiry first,
	// on the unverified claims, so that it gets its own error. Rejecting
	// needs no signature.
	unverified, err := idtoken.ParsePayload(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if now := v.now(); now.Unix() > unverified.Expires {
		return nil, fmt.Errorf("%w: expired %v ago", ErrTokenExpired, now.Sub(time.Unix(unverified.Expires, 0)).Truncate(time.Second))
	}

	fctx, fetch := withKeyFetch(ctx)
	p, err := v.validator.Validate(fctx, token, "") // audience checked below, with its own error
	if err != nil {
		if ferr := fetch.failed(); ferr != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, ferr)
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if p.Audience != v.audience {
		return nil, ErrWrongAudience
	}
	if p.Issuer != googleIssuers[0] && p.Issuer != googleIssuers[1] {
		return nil, ErrWrongIssuer
	}
	email, _ := p.Claims["email"].(string)
	if email == "" || !strings.EqualFold(email, v.serviceAccount) {
		return nil, ErrWrongEmail
	}
	if verified, _ := p.Claims["email_verified"].(bool); !verified {
		return nil, ErrEmailNotVerified
	}
	return &Claims{
		Issuer:   p.Issuer,
		Audience: p.Audience,
		Email:    email,
		Subject:  p.Subject,
		IssuedAt: time.Unix(p.IssuedAt, 0),
		Expires:  time.Unix(p.Expires, 0),
	}, nil
}

// checkAlgorithm requires a JWT whose header says RS256, the algorithm of
// Google's service-account tokens. idtoken would try ES256 against other
// keys, and indexes an ES256 signature without checking its length.
func checkAlgorithm(token string) error {
	header, _, ok := strings.Cut(token, ".")
	if !ok {
		return fmt.Errorf("%w: not a JWT", ErrInvalidToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return fmt.Errorf("%w: header is not base64url", ErrInvalidToken)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("%w: header is not JSON", ErrInvalidToken)
	}
	if h.Alg != "RS256" {
		return fmt.Errorf("%w: not signed with RS256", ErrInvalidToken)
	}
	return nil
}
