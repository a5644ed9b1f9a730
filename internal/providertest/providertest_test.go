package providertest

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	type fault struct {
		op string
		n  int
	}
	var q Faults[fault]
	match := func(op string) func(*fault) bool {
		return func(f *fault) bool { return f.op == "" || f.op == op }
	}
	q.Add(fault{op: "a", n: 1}, 0)
	q.Add(fault{op: "b", n: 2}, 2)
	require.Nil(t, q.Take(match("c")))
	require.Equal(t, 1, q.Take(match("a")).n)
	require.Nil(t, q.Take(match("a")), "Times 0 means once")
	require.Equal(t, 2, q.Take(match("b")).n)
	got := q.Take(match("b"))
	require.Equal(t, 2, got.n)
	got.n = 99 // a copy: the queue is not changed
	require.Nil(t, q.Take(match("b")))

	q.Add(fault{n: 3}, -1)
	for range 5 {
		require.Equal(t, 3, q.Take(match("x")).n, "a negative Times hits every call")
	}
	q.Clear()
	require.Nil(t, q.Take(match("x")))
}

func TestTokens(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tokens := NewTokens("at-", "rt-", time.Hour, func() time.Time { return now })
	tok := tokens.Issue("jane")
	require.True(t, strings.HasPrefix(tok.AccessToken, "at-"))
	require.True(t, strings.HasPrefix(tok.RefreshToken, "rt-"))
	require.Equal(t, now.Add(time.Hour), tok.Expiry)
	require.Equal(t, int64(3600), tok.ExpiresIn)
	user, ok := tokens.User(tok.AccessToken)
	require.True(t, ok)
	require.Equal(t, "jane", user)
	_, ok = tokens.User("unknown")
	require.False(t, ok)

	now = now.Add(time.Hour + time.Second)
	_, ok = tokens.User(tok.AccessToken)
	require.False(t, ok, "expired")

	other := tokens.NewAccess("jane")
	tokens.Expire(other.AccessToken)
	_, ok = tokens.User(other.AccessToken)
	require.False(t, ok, "expired early")

	rt := tokens.Refresh(tok.RefreshToken)
	require.NotNil(t, rt)
	require.Equal(t, "jane", rt.User)
	bob := tokens.Issue("bob")
	tokens.RevokeUser("jane")
	require.Nil(t, tokens.Refresh(tok.RefreshToken))
	_, ok = tokens.User(bob.AccessToken)
	require.True(t, ok, "other users keep their tokens")
	require.NotNil(t, tokens.Refresh(bob.RefreshToken))
}

func TestRequestHelpers(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	_, ok := BearerToken(r)
	require.False(t, ok)
	r.Header.Set("Authorization", "Bearer ")
	_, ok = BearerToken(r)
	require.False(t, ok)
	r.Header.Set("Authorization", "Bearer abc")
	tok, ok := BearerToken(r)
	require.True(t, ok)
	require.Equal(t, "abc", tok)

	form := httptest.NewRequest("POST", "/token", strings.NewReader(url.Values{"client_id": {"id"}, "client_secret": {"secret"}}.Encode()))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.NoError(t, form.ParseForm())
	require.True(t, ClientAuthenticated(form, "id", "secret"))
	require.False(t, ClientAuthenticated(form, "id", "other"))
	basic := httptest.NewRequest("POST", "/token", nil)
	basic.SetBasicAuth("id", "secret")
	require.NoError(t, basic.ParseForm())
	require.True(t, ClientAuthenticated(basic, "id", "secret"))

	v := oauth2.GenerateVerifier()
	require.True(t, PKCEMatches(oauth2.S256ChallengeFromVerifier(v), v))
	require.False(t, PKCEMatches(oauth2.S256ChallengeFromVerifier(v), v+"x"))
	require.False(t, PKCEMatches("", ""))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.True(t, Sleep(ctx, 0))
	require.False(t, Sleep(ctx, time.Hour))
}
