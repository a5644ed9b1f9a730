package signin_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/signin"
)

func TestAllowList(t *testing.T) {
	t.Parallel()
	l, err := signin.ParseAllowList(" https://app.example.com/oauth/done/ , http://localhost:8080,,https://Admin.Example.org:443")
	require.NoError(t, err)
	require.Len(t, l, 3)
	for _, ok := range []string{"https://app.example.com/oauth/done/x?y=1", "http://localhost:8080/", "https://admin.example.org/x"} {
		_, allowed := l.Allows(ok)
		require.True(t, allowed, ok)
	}
	for _, bad := range []string{"https://app.example.com/oauth/donex", "https://app.example.com/oauth/done/../x", "https://evil.example/oauth/done", "javascript:alert(1)", ""} {
		_, allowed := l.Allows(bad)
		require.False(t, allowed, bad)
	}
	_, allowed := signin.AllowList(nil).Allows("https://app.example.com/")
	require.False(t, allowed, "no allow-list: nothing")

	_, err = signin.ParseAllowList("https://ok.example.com, app.example.com, https://app.example.com/?x=1,https://u@app.example.com")
	require.EqualError(t, err, `signin: not an allowed return URL: "app.example.com", "https://app.example.com/?x=1", "https://u@app.example.com" (use an origin, https://app.example.com, or an origin and a path, without user information, query or fragment)`)
}

func TestWithOutcome(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://app.example.com/done?session=s&status=forged&integration_id=forged")
	ok, _ := url.Parse(signin.WithOutcome(u, "gmail", "id-1", ""))
	require.Equal(t, url.Values{"session": {"s"}, "status": {"connected"}, "provider": {"gmail"}, "integration_id": {"id-1"}}, ok.Query())
	failed, _ := url.Parse(signin.WithOutcome(u, "outlook", "", "oauth-mailbox-mismatch"))
	require.Equal(t, url.Values{"session": {"s"}, "status": {"failed"}, "provider": {"outlook"}, "error": {"oauth-mailbox-mismatch"}}, failed.Query())
	require.Equal(t, "https://app.example.com/done?session=s&status=forged&integration_id=forged", u.String(), "u is not changed")
}
