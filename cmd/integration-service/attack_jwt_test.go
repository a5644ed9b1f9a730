package main

import (
	"encoding/base64"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// TestTokenHardening: only tokens of bounded size and lifetime, issued
// in the past, with each claim once, and with the issuer and audience the
// server is configured with, open the API — and the token subcommand
// mints such tokens with the same configuration.
func TestTokenHardening(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	env["JWT_ISSUER"] = "https://platform.example"
	env["JWT_AUDIENCE"] = "integration-service"
	env["JWT_MAX_TTL"] = "2h"
	in := start(t, env)
	c := newClient(t, in.base)

	good := func(m jwt.MapClaims) {
		m["iss"] = env["JWT_ISSUER"]
		m["aud"] = env["JWT_AUDIENCE"]
		m["iat"] = time.Now().Unix()
	}
	list := func(tok string) *reply {
		return c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tok, invalid: true})
	}
	require.Equal(t, http.StatusOK, list(tokenFor(t, "tenant-jwt", good)).status, "a well-formed token")
	require.Equal(t, http.StatusOK, list(signRaw(t, `{"alg":"HS256","typ":"JWT"}`,
		`{"sub":"agent-1","tenant_id":"tenant-a","iss":"https://platform.example","aud":"integration-service","exp":`+
			unix(time.Now().Add(time.Hour))+`}`)).status, "a token signed by hand")

	refused := map[string]string{
		"without iss and aud": tokenFor(t, "tenant-jwt"),
		"another issuer": tokenFor(t, "tenant-jwt", good, func(m jwt.MapClaims) {
			m["iss"] = "https://evil.example"
		}),
		"another audience": tokenFor(t, "tenant-jwt", good, func(m jwt.MapClaims) {
			m["aud"] = "another-service"
		}),
		"issued in the future": tokenFor(t, "tenant-jwt", good, func(m jwt.MapClaims) {
			m["iat"] = time.Now().Add(time.Hour).Unix()
		}),
		"a year's lifetime": tokenFor(t, "tenant-jwt", good, func(m jwt.MapClaims) {
			m["exp"] = time.Now().Add(365 * 24 * time.Hour).Unix()
		}),
		"a year's lifetime without iat": tokenFor(t, "tenant-jwt", good, func(m jwt.MapClaims) {
			delete(m, "iat")
			m["exp"] = time.Now().Add(365 * 24 * time.Hour).Unix()
		}),
		"lifetime over the maximum, counted from iat": tokenFor(t, "tenant-jwt", good, func(m jwt.MapClaims) {
			m["iat"] = time.Now().Add(-3 * time.Hour).Unix()
			m["exp"] = time.Now().Add(time.Minute).Unix()
		}),
		"over 8 KiB": tokenFor(t, "tenant-jwt", good, func(m jwt.MapClaims) {
			m["pad"] = strings.Repeat("x", 9<<10)
		}),
		"tenant_id twice": signRaw(t, `{"alg":"HS256","typ":"JWT"}`,
			`{"sub":"agent-1","tenant_id":"tenant-a","iss":"https://platform.example","aud":"integration-service","exp":`+
				unix(time.Now().Add(time.Hour))+`,"tenant_id":"tenant-b"}`),
		"alg twice": signRaw(t, `{"alg":"none","alg":"HS256","typ":"JWT"}`,
			`{"sub":"agent-1","tenant_id":"tenant-a","iss":"https://platform.example","aud":"integration-service","exp":`+
				unix(time.Now().Add(time.Hour))+`}`),
	}
	for name, tok := range refused {
		if r := list(tok); r.status != http.StatusUnauthorized {
			t.Errorf("%s: %d %s", name, r.status, r.body)
			continue
		}
	}

	// The token subcommand honours the server's issuer, audience and
	// maximum lifetime.
	run := func(args ...string) (string, int) {
		cmd := exec.Command(binPath, args...)
		cmd.Env = []string{"JWT_SECRET=" + testSecret, "JWT_ISSUER=" + env["JWT_ISSUER"], "JWT_AUDIENCE=" + env["JWT_AUDIENCE"], "JWT_MAX_TTL=2h"}
		out, _ := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), cmd.ProcessState.ExitCode()
	}
	tok, code := run("token", "-tenant", "tenant-cli", "-ttl", "30m")
	require.Equal(t, 0, code, tok)
	require.Equal(t, http.StatusOK, list(tok).status, "the subcommand's token")
	out, code := run("token", "-tenant", "tenant-cli", "-ttl", "3h")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "JWT_MAX_TTL")
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// signRaw signs a token whose header and claims are exactly the JSON
// given, as a client holding the secret could.
func signRaw(t *testing.T, header, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	sig, err := jwt.SigningMethodHS256.Sign(signing, []byte(testSecret))
	require.NoError(t, err)
	return signing + "." + enc.EncodeToString(sig)
}
