package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// badInput: malformed, mistyped, unknown, oversized and unauthorised
// requests each get the right 4xx problem+json and change nothing.
func (s *suite) badInput(t *testing.T) {
	tenant := "tenant-bad"
	tok := tokenFor(t, tenant)
	existing := s.create(t, tok, s.mail.createBody("Keep me"))
	item := "/api/v1/integrations/" + existing.ID
	before := s.list(t, tok, "")

	valid := `{"name":"x","provider":"custom"}`
	huge := `{"name":"x","provider":"custom","config":{"pad":"` + strings.Repeat("a", maxBody) + `"}}`
	type tc struct {
		name, raw, ctype string
		status           int
		fields           []string
	}
	bodies := []tc{
		{"malformed JSON", `{"name":`, "", 400, []string{"body"}},
		{"not JSON", `hello`, "", 400, []string{"body"}},
		{"empty body", ``, "", 400, []string{"body"}},
		{"an array", `[]`, "", 400, []string{"body"}},
		{"two values", valid + valid, "", 400, []string{"body"}},
		{"unknown field", `{"name":"x","provider":"custom","owner":"me"}`, "", 400, []string{"owner"}},
		{"unknown credentials field", `{"name":"x","provider":"imap","credentials":{"token":"t"}}`, "", 400, []string{"credentials.token"}},
		{"wrong type", `{"name":5,"provider":"custom"}`, "", 400, []string{"name"}},
		{"wrong nested type", `{"name":"x","provider":"imap","credentials":{"password":true}}`, "", 400, []string{"credentials.password"}},
		{"oversized", huge, "", 413, nil},
		{"not application/json", valid, "text/plain", 415, nil},
		{"missing name", `{"provider":"custom"}`, "", 422, []string{"name"}},
		{"unknown provider", `{"name":"x","provider":"pop3"}`, "", 422, []string{"provider"}},
		{"config not an object", `{"name":"x","provider":"custom","config":"x"}`, "", 422, []string{"config"}},
		{"imap without config or password", `{"name":"x","provider":"imap"}`, "", 422, []string{"config"}},
		{"imap without password", `{"name":"x","provider":"imap","config":{"email":"a@example.com","imap":{"host":"127.0.0.1"}}}`, "", 422, []string{"credentials"}},
		{"imap without host", `{"name":"x","provider":"imap","config":{"email":"a@example.com","imap":{}},"credentials":{"password":"p"}}`, "", 422, []string{"config.imap.host"}},
		{"imap unknown setting", `{"name":"x","provider":"imap","config":{"email":"a@example.com","imap":{"host":"h","tls":1}},"credentials":{"password":"p"}}`, "", 422, []string{"config"}},
	}
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		path := "/api/v1/integrations"
		if method == http.MethodPut {
			path = item
		}
		cases := bodies
		if method == http.MethodPut {
			cases = []tc{
				{"provider change", `{"name":"x","provider":"custom"}`, "", 422, []string{"provider", "config"}},
				// These configs name another port, security and login than
				// the stored one: without credentials, that is refused too.
				{"empty name", `{"name":" ","config":{"email":"a@example.com","imap":{"host":"127.0.0.1"}}}`, "", 422, []string{"name", "credentials"}},
				{"status not settable", `{"name":"x","status":"needs_reauth","config":{"email":"a@example.com","imap":{"host":"127.0.0.1"}}}`, "", 422, []string{"status", "credentials"}},
				{"imap without config", `{"name":"x"}`, "", 422, []string{"config"}},
			}
			for _, c := range bodies {
				if c.status != http.StatusUnprocessableEntity {
					cases = append(cases, c)
				}
			}
		}
		for _, c := range cases {
			p := s.c.do(t, call{method: method, path: path, token: tok, raw: []byte(c.raw), contentType: c.ctype, invalid: true}).requireProblem(t, c.status)
			if c.fields != nil {
				require.Equal(t, c.fields, p.fields(), "%s %s: %+v", method, c.name, p)
			}
			require.NotEmpty(t, p.RequestID)
		}
	}

	// Query parameters.
	for _, q := range []string{"limit=0", "limit=x", "limit=501", "cursor=bogus", "page=2", "provider=pop3", "status=gone", "limit=1&limit=2"} {
		p := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations?" + q, token: tok, invalid: true}).requireProblem(t, http.StatusBadRequest)
		require.Len(t, p.Errors, 1, q)
	}
	s.c.do(t, call{method: http.MethodGet, path: item + "/messages?include_deleted=maybe", token: tok, invalid: true}).requireProblem(t, http.StatusBadRequest)
	s.c.do(t, call{method: http.MethodPost, path: item + "/messages", token: tok, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)},
		body: map[string]any{"subject": "x"}, invalid: true}).requireProblem(t, http.StatusBadRequest)

	// Routes and methods that do not exist.
	s.c.do(t, call{method: http.MethodGet, path: "/api/v1/nothing", token: tok}).requireProblem(t, http.StatusNotFound)
	r := s.c.do(t, call{method: http.MethodPatch, path: item, token: tok, raw: []byte(valid)})
	r.requireProblem(t, http.StatusMethodNotAllowed)
	require.Equal(t, "GET, PUT, DELETE", r.header.Get("Allow"))

	// Authentication: each bad token is a 401 and creates nothing, for the
	// tenant it names either.
	other := []byte("another-secret-another-secret-0123456789")
	sign := func(m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, claims).SignedString(key)
		require.NoError(t, err)
		return s
	}
	claims := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "agent-1", "tenant_id": tenant, "exp": time.Now().Add(time.Hour).Unix()}
		mut(c)
		return c
	}
	none := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(func(jwt.MapClaims) {}))
	auths := map[string]string{
		"missing":             "",
		"not bearer":          "Basic dXNlcjpwYXNz",
		"empty bearer":        "Bearer ",
		"garbage":             "Bearer not.a.jwt",
		"expired":             "Bearer " + tokenFor(t, tenant, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"no exp":              "Bearer " + tokenFor(t, tenant, func(c jwt.MapClaims) { delete(c, "exp") }),
		"no tenant":           "Bearer " + tokenFor(t, tenant, func(c jwt.MapClaims) { delete(c, "tenant_id") }),
		"no sub":              "Bearer " + tokenFor(t, tenant, func(c jwt.MapClaims) { delete(c, "sub") }),
		"not yet valid":       "Bearer " + tokenFor(t, tenant, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }),
		"forged":              "Bearer " + sign(jwt.SigningMethodHS256, other, claims(func(jwt.MapClaims) {})),
		"alg none":            "Bearer " + none,
		"wrong alg HS512":     "Bearer " + sign(jwt.SigningMethodHS512, []byte(testSecret), claims(func(jwt.MapClaims) {})),
		"tampered tenant":     "Bearer " + tamper(t, tokenFor(t, "tenant-other"), tenant),
		"tenant_id not a str": "Bearer " + tokenFor(t, tenant, func(c jwt.MapClaims) { c["tenant_id"] = 42 }),
	}
	for name, h := range auths {
		for _, c := range []call{
			{method: http.MethodGet, path: "/api/v1/integrations"},
			{method: http.MethodPost, path: "/api/v1/integrations", raw: []byte(valid)},
			{method: http.MethodDelete, path: item},
		} {
			if h != "" {
				c.header = map[string]string{"Authorization": h}
			}
			c.invalid = true
			r := s.c.do(t, c)
			p := r.requireProblem(t, http.StatusUnauthorized)
			require.Equal(t, "urn:ucsp:problem:unauthorized", p.Type, name)
			require.True(t, strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer"), name)
		}
	}

	require.Equal(t, before, s.list(t, tok, ""), "bad requests changed the tenant's integrations")
}

// tamper replaces the payload of a signed token with one naming another
// tenant, keeping the signature.
func tamper(t *testing.T, token, tenant string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	claims := jwt.MapClaims{"sub": "agent-1", "tenant_id": tenant, "exp": time.Now().Add(time.Hour).Unix()}
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SigningString()
	require.NoError(t, err)
	return strings.Split(forged, ".")[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
}
