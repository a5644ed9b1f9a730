package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/outlook/outlooktest"
	"github.com/ucsp/integration/store"
)

// googleMailbox is the address the suite's Gmail fake knows.
const googleMailbox = "support@example.com"

// withGoogle starts a Gmail and Google OAuth fake for the test and
// points env's Google endpoints at it.
func withGoogle(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	fake := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(fake.Close)
	fake.AddUser(googleMailbox)
	env["GOOGLE_CLIENT_ID"], env["GOOGLE_CLIENT_SECRET"] = "gmailtest-client", "gmailtest-secret"
	env["GOOGLE_AUTH_URL"], env["GOOGLE_TOKEN_URL"] = fake.OAuthEndpoint().AuthURL, fake.OAuthEndpoint().TokenURL
	env["GMAIL_API_URL"] = fake.URL
	env["GOOGLE_ISSUER"], env["GOOGLE_JWKS_URL"], env["GOOGLE_REVOKE_URL"] = fake.Issuer(), fake.JWKSURL(), fake.RevokeURL()
	return env
}

// googleOAuth connects a Gmail mailbox the way an API client does:
// GET /auth/google/authorize (JSON), the user's consent (the fake's),
// then Google's redirect to GET /auth/google/callback, which creates
// the integration; the same callback again is refused and creates
// nothing.
func (s *suite) googleOAuth(t *testing.T) {
	tok := tokenFor(t, "tenant-google")
	back := s.consent(t, tok, "/auth/google/authorize?name=Support&email="+googleMailbox)
	require.Equal(t, "/auth/google/callback", back.Path)

	r := s.c.do(t, call{method: http.MethodGet, path: back.RequestURI()})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	s.requireNoSecret(t, r)
	s.syncRuns++ // its first sync, of an empty mailbox
	var in integration
	r.decode(t, &in)
	require.Equal(t, "gmail", in.Provider)
	require.Equal(t, "Support", in.Name)
	require.Equal(t, string(store.StatusActive), in.Status)
	require.Equal(t, googleMailbox, in.Config["email"])

	r = s.c.do(t, call{method: http.MethodGet, path: back.RequestURI()})
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	var p problemBody
	r.decode(t, &p)
	require.Equal(t, "urn:ucsp:problem:oauth-state", p.Type)
	r = s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations?provider=gmail", token: tok})
	require.Equal(t, http.StatusOK, r.status)
	var page struct {
		Data []integration `json:"data"`
	}
	r.decode(t, &page)
	require.Len(t, page.Data, 1, "a replayed callback creates nothing")
}

// microsoftMailbox is the address the suite's Graph fake knows.
const microsoftMailbox = "support@contoso.com"

// withMicrosoft starts a Graph and identity platform fake for the test
// and points env's Microsoft endpoints at it. The fake makes the
// subscription handshake against the binary over plain HTTP.
func withMicrosoft(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	fake := outlooktest.NewServer(outlooktest.Options{AllowHTTPNotificationURLs: true})
	t.Cleanup(fake.Close)
	fake.AddUser(microsoftMailbox)
	ep := fake.OAuthEndpoint("common")
	env["MICROSOFT_CLIENT_ID"], env["MICROSOFT_CLIENT_SECRET"] = "outlooktest-client", "outlooktest-secret"
	env["MICROSOFT_AUTH_URL"], env["MICROSOFT_TOKEN_URL"] = ep.AuthURL, ep.TokenURL
	env["GRAPH_API_URL"] = fake.Endpoint()
	return env
}

// microsoftOAuth connects an Outlook mailbox through the binary's
// /auth/microsoft routes (its Graph subscription is made against the
// binary's own /webhooks/microsoft), then answers Graph's validation
// handshake on both notification URLs as Graph would send it.
func (s *suite) microsoftOAuth(t *testing.T) {
	tok := tokenFor(t, "tenant-google")
	back := s.consent(t, tok, "/auth/microsoft/authorize?email="+microsoftMailbox)
	require.Equal(t, "/auth/microsoft/callback", back.Path)
	r := s.c.do(t, call{method: http.MethodGet, path: back.RequestURI()})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	s.requireNoSecret(t, r)
	s.syncRuns++
	var in integration
	r.decode(t, &in)
	require.Equal(t, "outlook", in.Provider)
	require.Equal(t, microsoftMailbox, in.Config["email"])

	for _, path := range []string{"/webhooks/microsoft", "/webhooks/microsoft/lifecycle"} {
		r = s.c.do(t, call{method: http.MethodPost, path: path + "?validationToken=Validation%3A+Testing+client+application"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "Validation: Testing client application", string(r.body))
	}
}

// consent starts a sign-in at authorize (JSON), follows the fake
// provider's consent and returns the callback URL it redirects to.
func (s *suite) consent(t *testing.T, tok, authorize string) *url.URL {
	t.Helper()
	r := s.c.do(t, call{method: http.MethodGet, path: authorize, token: tok, header: map[string]string{"Accept": "application/json"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var started struct {
		URL string `json:"url"`
	}
	r.decode(t, &started)
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirects.Get(started.URL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return back
}
