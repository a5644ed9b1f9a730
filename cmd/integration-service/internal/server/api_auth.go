package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of an API token: sub, tenant_id (both required),
// exp (required) and an optional rate-limit tier.
type Claims struct {
	jwt.RegisteredClaims
	TenantID string `json:"tenant_id"`
	Tier     string `json:"tier,omitempty"`
}

type claimsKey struct{}

// TenantID returns the tenant of the authenticated request ctx belongs
// to, or "" outside authenticated routes.
func TenantID(ctx context.Context) string {
	if c, ok := ctx.Value(claimsKey{}).(*Claims); ok {
		return c.TenantID
	}
	return ""
}

// ClaimsFrom returns the verified claims of the request ctx belongs to.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// maxTenantID bounds tenant ids, which are stored and logged.
const maxTenantID = 200

// maxTokenBytes bounds a bearer token: a token is parsed (and its
// claims decoded) before its signature is known to be good.
const maxTokenBytes = 8 << 10

// authenticator verifies HS256 bearer tokens. A token that verified is
// remembered, by its full text (signature included), until it expires,
// so that a client's repeated token costs a map lookup instead of a
// parse and an HMAC; a forged or altered token never matches one.
type authenticator struct {
	secret []byte
	parser *jwt.Parser
	// maxTTL bounds a token's lifetime (JWT_MAX_TTL).
	maxTTL time.Duration

	mu       sync.RWMutex
	verified map[string]*Claims
}

const (
	// maxVerified bounds the verified-token cache; when full it is emptied.
	maxVerified = 4096
	// jwtLeeway is the clock skew allowed on exp and nbf.
	jwtLeeway = 30 * time.Second
)

func newAuthenticator(cfg *Config) *authenticator {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), // an iat in the future is refused
		jwt.WithLeeway(jwtLeeway),
	}
	if cfg.JWTIssuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.JWTIssuer))
	}
	if cfg.JWTAudience != "" {
		opts = append(opts, jwt.WithAudience(cfg.JWTAudience))
	}
	return &authenticator{secret: cfg.JWTSecret, parser: jwt.NewParser(opts...), maxTTL: cfg.JWTMaxTTL, verified: map[string]*Claims{}}
}

// Why a token is refused, besides golang-jwt's errors.
var (
	// errBadClaims: a well-signed token without the claims the API needs.
	errBadClaims = errors.New("the token needs non-empty sub and tenant_id claims")
	// errTokenTooLarge: longer than maxTokenBytes.
	errTokenTooLarge = errors.New("the token is larger than 8 KiB")
	// errTokenLifetime: exp too far after iat, or after now.
	errTokenLifetime = errors.New("the token's lifetime exceeds the server's maximum")
	// errDuplicateClaim: a name given twice in the header or the claims,
	// which parsers read differently (the first or the last).
	errDuplicateClaim = errors.New("the token names a header or claim twice")
)

// verify checks a token and returns its claims, which the caller must
// not change.
func (a *authenticator) verify(token string) (*Claims, error) {
	a.mu.RLock()
	c, ok := a.verified[token]
	a.mu.RUnlock()
	if ok && time.Now().Before(c.ExpiresAt.Add(jwtLeeway)) {
		return c, nil
	}
	c, err := a.parse(token)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.verified) >= maxVerified {
		clear(a.verified)
	}
	a.verified[token] = c
	a.mu.Unlock()
	return c, nil
}

// parse verifies a token's size, signature and claims.
func (a *authenticator) parse(token string) (*Claims, error) {
	if len(token) > maxTokenBytes {
		return nil, errTokenTooLarge
	}
	var c Claims
	if _, err := a.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return a.secret, nil }); err != nil {
		return nil, err
	}
	if err := uniqueNames(token); err != nil {
		return nil, err
	}
	if c.Subject == "" || c.TenantID == "" || len(c.TenantID) > maxTenantID || strings.ContainsFunc(c.TenantID, isControl) {
		return nil, errBadClaims
	}
	exp := c.ExpiresAt.Time
	if time.Until(exp) > a.maxTTL+jwtLeeway || (c.IssuedAt != nil && exp.Sub(c.IssuedAt.Time) > a.maxTTL) {
		return nil, errTokenLifetime
	}
	return &c, nil
}

// uniqueNames checks that a token's header and claims (JSON objects that
// parsed) name no member twice; jsontext refuses duplicates by default.
func uniqueNames(token string) error {
	parts := strings.SplitN(token, ".", 3)
	for _, p := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
		if err != nil {
			return err
		}
		if err := jsontext.NewDecoder(bytes.NewReader(b)).SkipValue(); err != nil {
			return errDuplicateClaim
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// middleware rejects requests without a valid bearer token with 401 and
// puts the claims of the others in the request context.
func (a *authenticator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="integration"`)
			writeProblem(w, r, http.StatusUnauthorized, probUnauthorized, "an Authorization: Bearer <JWT> header is required")
			return
		}
		claims, err := a.verify(token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="integration", error="invalid_token"`)
			writeProblem(w, r, http.StatusUnauthorized, probUnauthorized, tokenProblem(err))
			return
		}
		if info := infoOf(r.Context()); info != nil {
			info.tenant = claims.TenantID
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
	})
}

// tokenProblem says why a token was refused, without echoing it.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token lacks a required claim (exp)"
	case errors.Is(err, errBadClaims), errors.Is(err, errTokenTooLarge), errors.Is(err, errTokenLifetime), errors.Is(err, errDuplicateClaim):
		return err.Error()
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the token was issued for another service"
	}
	return "the token is invalid (malformed, wrongly signed, or not HS256)"
}

// bearer extracts the token of an "Authorization: Bearer <token>" value.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// TokenOptions are the claims of a token besides its tenant and subject.
type TokenOptions struct {
	// Tier is the rate-limit tier claim; "" means the server's default.
	Tier string
	// TTL is the token's lifetime (exp - iat).
	TTL time.Duration
	// Issuer and Audience are the iss and aud claims, which a server
	// with JWT_ISSUER and JWT_AUDIENCE requires.
	Issuer, Audience string
}

// NewTokenWith signs an API token for tenant and subject: what the token
// subcommand prints for operators and tests.
func NewTokenWith(secret []byte, tenant, subject string, opts TokenOptions) (string, error) {
	now := time.Now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    opts.Issuer,
			Subject:   subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(opts.TTL)),
		},
		TenantID: tenant,
		Tier:     opts.Tier,
	}
	if opts.Audience != "" {
		c.Audience = jwt.ClaimStrings{opts.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}
