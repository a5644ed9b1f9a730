package gmail

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/gmail/gmailtest"
)

// newVerifier is a verifier of srv's id_tokens for its test client.
func newVerifier(t *testing.T, srv *gmailtest.Server, now func() time.Time) *IDTokenVerifier {
	t.Helper()
	v, err := NewIDTokenVerifier(IDTokenConfig{ClientID: "gmailtest-client", Issuer: srv.Issuer(), JWKSURL: srv.JWKSURL(), HTTPClient: srv.Client(), Now: now})
	require.NoError(t, err)
	return v
}

// Verify accepts a token signed with the issuer's published key, for
// this client, unexpired, whose email Google verified, and refuses
// every other: wrong audience, wrong issuer, expired, an unverified or
// missing email, a bad signature, a key the issuer does not publish,
// a nonce of another authorization.
func TestVerifyIDToken(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	other := gmailtest.NewServer(gmailtest.Options{}) // another key
	t.Cleanup(other.Close)
	v := newVerifier(t, srv, nil)
	ctx := context.Background()

	good := srv.IDTokenClaims(testUser)
	good["nonce"] = "n-1"
	id, err := v.Verify(ctx, srv.SignIDToken(good), "n-1")
	require.NoError(t, err)
	require.Equal(t, testUser, id.Email)
	require.NotEmpty(t, id.Subject)
	id2, err := v.Verify(ctx, srv.SignIDToken(srv.IDTokenClaims(testUser)), "")
	require.NoError(t, err)
	require.Equal(t, id.Subject, id2.Subject, "the account's subject is stable")

	with := func(k string, val any) map[string]any {
		c := srv.IDTokenClaims(testUser)
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	tampered := func() string {
		parts := strings.Split(srv.SignIDToken(srv.IDTokenClaims(testUser)), ".")
		evil := strings.Split(srv.SignIDToken(with("email", "ceo@example.com")), ".")
		return parts[0] + "." + evil[1] + "." + parts[2] // another payload under a valid signature
	}
	for _, c := range []struct {
		name, token, nonce string
		want               error
	}{
		{"wrong audience", srv.SignIDToken(with("aud", "another-client")), "", ErrIDToken},
		{"wrong issuer", srv.SignIDToken(with("iss", "https://accounts.evil.example")), "", ErrIDToken},
		{"expired", srv.SignIDToken(with("exp", time.Now().Add(-time.Minute).Unix())), "", ErrIDToken},
		{"unverified email", srv.SignIDToken(with("email_verified", false)), "", ErrEmailNotVerified},
		{"email_verified missing", srv.SignIDToken(with("email_verified", nil)), "", ErrEmailNotVerified},
		{"no email", srv.SignIDToken(with("email", nil)), "", ErrEmailNotVerified},
		{"bad signature", tampered(), "", ErrIDToken},
		{"a key the issuer does not publish", other.SignIDToken(srv.IDTokenClaims(testUser)), "", ErrIDToken},
		{"another authorization's nonce", srv.SignIDToken(good), "n-2", ErrIDToken},
		{"no nonce where one was sent", srv.SignIDToken(srv.IDTokenClaims(testUser)), "n-1", ErrIDToken},
		{"not a JWT", "not.a.jwt", "", ErrIDToken},
	} {
		_, err := v.Verify(ctx, c.token, c.nonce)
		require.ErrorIs(t, err, c.want, c.name)
	}

	// email_verified as a string, as some older Google tokens have it.
	id, err = v.Verify(ctx, srv.SignIDToken(with("email_verified", "true")), "")
	require.NoError(t, err)
	require.Equal(t, testUser, id.Email)
}

// The verifier's clock decides expiry.
func TestVerifyIDTokenClock(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	raw := srv.SignIDToken(srv.IDTokenClaims(testUser))
	_, err := newVerifier(t, srv, nil).Verify(context.Background(), raw, "")
	require.NoError(t, err)
	_, err = newVerifier(t, srv, later).Verify(context.Background(), raw, "")
	require.ErrorIs(t, err, ErrIDToken, "an hour-long token two hours on")
}

func TestNewIDTokenVerifierConfig(t *testing.T) {
	t.Parallel()
	_, err := NewIDTokenVerifier(IDTokenConfig{JWKSURL: "ftp://keys"})
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	require.ErrorContains(t, err, "ClientID")
	require.ErrorContains(t, err, "JWKSURL")
}

// VerifyToken reads the id_token of the token endpoint's answer and
// checks it was issued with its access token (at_hash).
func TestVerifyToken(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	v := newVerifier(t, srv, nil)
	ctx := context.Background()
	tok := signIn(t, srv, testUser, "n-1")
	id, err := v.VerifyToken(ctx, tok, "n-1")
	require.NoError(t, err)
	require.Equal(t, testUser, id.Email)

	swapped := (&oauth2.Token{AccessToken: srv.IssueToken(testUser).AccessToken}).WithExtra(map[string]any{"id_token": tok.Extra("id_token")})
	_, err = v.VerifyToken(ctx, swapped, "n-1")
	require.ErrorIs(t, err, ErrIDToken, "an id_token issued with another access token")
	_, err = v.VerifyToken(ctx, &oauth2.Token{AccessToken: "a"}, "")
	require.ErrorIs(t, err, ErrIDToken, "no id_token")
}

// signIn runs the authorization code flow on srv as account, with the
// default scopes and nonce, and returns the token.
func signIn(t *testing.T, srv *gmailtest.Server, account, nonce string) *oauth2.Token {
	t.Helper()
	srv.SetConsent(account, false)
	conf := srv.OAuthConfig(redirectURL, DefaultScopes()...)
	req := NewAuthRequest(conf, AuthOptions{LoginHint: testUser, Nonce: nonce})
	cb := authorize(t, srv, req)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	tok, err := Exchange(ctx, conf, cb.Get("code"), req.Verifier)
	require.NoError(t, err)
	return tok
}

// VerifySignIn binds a sign-in to the expected mailbox: the verified
// email must be it, and the profile the token opens the same.
func TestVerifySignIn(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	v := newVerifier(t, srv, nil)
	ctx := context.Background()
	api := Config{Endpoint: srv.Endpoint(), HTTPClient: srv.Client(), MaxRetries: -1}

	tok := signIn(t, srv, testUser, "n")
	id, err := VerifySignIn(ctx, tok, SignInCheck{Verifier: v, Nonce: "n", Expected: strings.ToUpper(testUser), API: api})
	require.NoError(t, err)
	require.Equal(t, testUser, id.Email)

	tok = signIn(t, srv, "victim@example.net", "n")
	_, err = VerifySignIn(ctx, tok, SignInCheck{Verifier: v, Nonce: "n", Expected: testUser, API: api})
	var mm *MailboxMismatchError
	require.ErrorAs(t, err, &mm)
	require.Equal(t, testUser, mm.Expected)
	require.Equal(t, "victim@example.net", mm.Got)

	srv.SetEmailVerified("unverified@example.net", false)
	tok = signIn(t, srv, "unverified@example.net", "n")
	_, err = VerifySignIn(ctx, tok, SignInCheck{Verifier: v, Nonce: "n", Expected: "unverified@example.net", API: api})
	require.ErrorIs(t, err, ErrEmailNotVerified)

	// An id_token of the expected account with a token of another
	// mailbox: the profile gives it away.
	claims := srv.IDTokenClaims(testUser)
	other := srv.IssueToken("victim@example.net").WithExtra(map[string]any{"id_token": srv.SignIDToken(claims)})
	_, err = VerifySignIn(ctx, other, SignInCheck{Verifier: v, Expected: testUser, API: api})
	require.ErrorAs(t, err, &mm)
	require.Equal(t, "victim@example.net", mm.Got)

	_, err = VerifySignIn(ctx, tok, SignInCheck{})
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrIDToken))
}
