package storetest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var credentialTests = map[string]func(*testing.T, *Harness){
	"RoundTrip": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		creds := connector.Credentials{
			OAuth2: &oauth2.Token{
				AccessToken: "ya29.access", RefreshToken: "1//refresh", TokenType: "Bearer",
				Expiry: base.Add(time.Hour),
			},
			Username: "jane@example.com",
		}
		in := newIntegration(tenantA, "gmail", "Jane")
		require.NoError(t, h.Store.CreateIntegration(ctx, in, creds))
		got, err := h.Store.Credentials(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, "ya29.access", got.OAuth2.AccessToken)
		require.Equal(t, "1//refresh", got.OAuth2.RefreshToken)
		require.Equal(t, "Bearer", got.OAuth2.TokenType)
		require.True(t, creds.OAuth2.Expiry.Equal(got.OAuth2.Expiry))
		require.Equal(t, "jane@example.com", got.Username)

		rotated := connector.Credentials{Username: "jane", Password: "n3w-pässword", AppSecret: "whsec_abc"}
		require.NoError(t, h.Store.SetCredentials(ctx, tenantA, in.ID, rotated))
		got, err = h.Store.Credentials(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, rotated, got)
	},
	"EmptyCredentials": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := newIntegration(tenantA, "custom", "Hook")
		require.NoError(t, h.Store.CreateIntegration(ctx, in, connector.Credentials{}))
		got, err := h.Store.Credentials(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.True(t, got.IsZero())
	},
	"NotInIntegrationValue": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := newIntegration(tenantA, "imap", "Jane")
		require.NoError(t, h.Store.CreateIntegration(ctx, in, connector.Credentials{Password: "sekrit-pw-9931"}))
		got, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		b, err := json.Marshal(got)
		require.NoError(t, err)
		require.NotContains(t, string(b), "sekrit-pw-9931")
	},
	"NoPlaintextAtRest": func(t *testing.T, h *Harness) {
		if h.Dump == nil {
			t.Skip("the harness cannot dump what the store holds at rest")
		}
		ctx := ctxFor(t)
		secrets := []string{
			"pw-Plaintext-5b1f0c", "ya29.AccessToken-77e2", "1//RefreshToken-a9d3",
			"whsec_AppSecret-c0ffee", "pkce-Verifier-0d15ea5e", "oauth-State-feed5eed",
			"graph-ClientState-5ca1ab1e",
		}
		in := newIntegration(tenantA, "gmail", "Secretive")
		require.NoError(t, h.Store.CreateIntegration(ctx, in, connector.Credentials{
			Password: secrets[0], AppSecret: secrets[3],
			OAuth2: &oauth2.Token{AccessToken: secrets[1], RefreshToken: secrets[2]},
		}))
		other := newIntegration(tenantA, "imap", "Other")
		require.NoError(t, h.Store.CreateIntegration(ctx, other, connector.Credentials{}))
		require.NoError(t, h.Store.SetCredentials(ctx, tenantA, other.ID, connector.Credentials{Password: secrets[0]}))
		require.NoError(t, h.Store.CreateOAuthState(ctx, &store.OAuthState{
			State: secrets[5], TenantID: tenantA, Provider: "gmail", CodeVerifier: secrets[4],
			ExpiresAt: time.Now().Add(time.Hour),
		}))
		require.NoError(t, h.Store.PutSubscription(ctx, &store.Subscription{
			TenantID: tenantA, IntegrationID: other.ID, Provider: "outlook", ID: "graph-sub-visible",
			ClientState: secrets[6], Expiry: time.Now().Add(time.Hour),
		}))

		dump, err := h.Dump(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, dump)
		text := string(dump)
		require.Contains(t, text, "Secretive", "the dump does not hold the store's rows")
		require.Contains(t, text, "graph-sub-visible", "the dump does not hold the subscriptions")
		for _, s := range secrets {
			for _, form := range []string{s, hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s)), strings.TrimRight(base64.RawURLEncoding.EncodeToString([]byte(s)), "=")} {
				require.NotContains(t, text, form, "secret %q found at rest", s)
			}
		}
	},
}
