package gmailtest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/gmail/gmailtest"
)

// With the openid scope the token endpoint answers an id_token, as
// Google does: RS256 under a key id the JWKS publishes, for the client,
// with the account's email (scope email), email_verified, at_hash and
// the authorization's nonce. Without openid there is none.
func TestIDTokenWire(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	srv.SetConsent(user, false)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())

	conf := srv.OAuthConfig(callback, "openid", "email", "https://www.googleapis.com/auth/gmail.readonly")
	tok, err := conf.Exchange(ctx, consent(t, srv, conf, oauth2.SetAuthURLParam("nonce", "n-1")))
	require.NoError(t, err)
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	var header map[string]string
	decodeSegment(t, parts[0], &header)
	require.Equal(t, "RS256", header["alg"])
	var claims map[string]any
	decodeSegment(t, parts[1], &claims)
	require.Equal(t, srv.Issuer(), claims["iss"])
	require.Equal(t, "gmailtest-client", claims["aud"])
	require.Equal(t, user, claims["email"])
	require.Equal(t, true, claims["email_verified"])
	require.Equal(t, "n-1", claims["nonce"])
	require.NotEmpty(t, claims["at_hash"])
	require.Len(t, claims["sub"], 21)

	resp, err := srv.Client().Get(srv.JWKSURL())
	require.NoError(t, err)
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&set))
	_ = resp.Body.Close()
	require.Len(t, set.Keys, 1)
	require.Equal(t, header["kid"], set.Keys[0]["kid"])
	require.Equal(t, "RSA", set.Keys[0]["kty"])

	plain := srv.OAuthConfig(callback, "https://www.googleapis.com/auth/gmail.readonly")
	tok, err = plain.Exchange(ctx, consent(t, srv, plain))
	require.NoError(t, err)
	require.Nil(t, tok.Extra("id_token"))
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// The revocation endpoint answers as Google's: POST token=..., 200 {}
// and the grant's tokens refused; 400 invalid_token for a token it does
// not know (or revoked already); GET is not served.
func TestRevokeEndpoint(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(user)
	post := func(token string) (int, string) {
		resp, err := srv.Client().PostForm(srv.RevokeURL(), url.Values{"token": {token}})
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	status, body := post(tok.RefreshToken)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "{}", body)
	require.False(t, srv.Authorized(user))
	require.False(t, srv.RefreshTokenValid(tok.RefreshToken))
	status, body = post(tok.AccessToken)
	require.Equal(t, http.StatusBadRequest, status)
	require.JSONEq(t, `{"error":"invalid_token","error_description":"Token expired or revoked"}`, body)
	status, _ = post("never-issued")
	require.Equal(t, http.StatusBadRequest, status)
	resp, err := srv.Client().Get(srv.RevokeURL() + "?token=x")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.NotEqual(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 3, srv.Calls("oauth2.revoke"))
}
