package server

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/signin"
)

func TestReturnAllowList(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(func(k string) string {
		return map[string]string{"JWT_SECRET": testSecret, "OAUTH_RETURN_URLS": " https://app.example.com/oauth/done/ , http://localhost:8080,https://Admin.Example.org:443"}[k]
	})
	require.NoError(t, err)
	l := cfg.OAuthReturnURLs
	require.Len(t, l, 3)
	for _, ok := range []string{
		"https://app.example.com/oauth/done",
		"https://app.example.com/oauth/done/",
		"https://app.example.com/oauth/done/gmail?session=1#top",
		"https://APP.example.com:443/oauth/done",
		"http://localhost:8080/",
		"http://localhost:8080/anything/at/all",
		"https://admin.example.org/x",
	} {
		_, allowed := l.Allows(ok)
		require.True(t, allowed, ok)
	}
	for _, bad := range []string{
		"https://app.example.com/oauth/donex",
		"https://app.example.com/oauth",
		"https://app.example.com/oauth/done/../x",
		"https://app.example.com/oauth/done/%2e%2e/x",
		"https://app.example.com/oauth/done/%2fx",
		"https://app.example.com/oauth/done\\..\\x",
		"https://app.example.com.evil.example/oauth/done",
		"https://evil.example/oauth/done",
		"http://app.example.com/oauth/done",
		"https://app.example.com:444/oauth/done",
		"https://u:p@app.example.com/oauth/done",
		"//app.example.com/oauth/done",
		"/oauth/done",
		"javascript:alert(1)",
		"http://localhost:8081/",
		"http://localhost/",
		"",
	} {
		_, allowed := l.Allows(bad)
		require.False(t, allowed, bad)
	}
	var none signin.AllowList
	_, allowed := none.Allows("https://app.example.com/")
	require.False(t, allowed, "no allow-list: nothing")
}

func TestReturnAllowListConfigErrors(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"app.example.com", "ftp://app.example.com", "https://app.example.com/?x=1", "https://app.example.com/#f", "https://u@app.example.com", "https://app.example.com/a/../b", "https://"} {
		_, err := LoadConfig(func(k string) string {
			return map[string]string{"JWT_SECRET": testSecret, "OAUTH_RETURN_URLS": "https://ok.example.com," + v}[k]
		})
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, v)
		require.ErrorContains(t, err, "OAUTH_RETURN_URLS", v)
	}
}

// Without OAUTH_RETURN_URLS every return_url is refused at authorize,
// and nothing is started.
func TestAuthorizeWithoutReturnAllowList(t *testing.T) {
	t.Parallel()
	e := newGmailEnv(t)
	req, err := http.NewRequest(http.MethodGet, e.base+"/auth/google/authorize?email=support@example.com&return_url="+url.QueryEscape("https://app.example.com/done"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), `"field":"return_url"`)
}
