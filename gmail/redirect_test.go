package gmail

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
)

// The bearer token goes only to the origin the connector was pointed
// at: the API redirecting a call to another host gets it there without
// the Authorization header; a redirect within the same origin keeps it.
func TestRedirectDropsTokenOnOtherHost(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)

	var mu sync.Mutex
	var got []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, `{"error":{"code":401,"message":"no credentials","status":"UNAUTHENTICATED"}}`, http.StatusUnauthorized)
	}))
	t.Cleanup(other.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/profile") && r.URL.Query().Get("hop") == "":
			// First a hop within the same origin, then one away.
			http.Redirect(w, r, r.URL.Path+"?hop=same", http.StatusTemporaryRedirect)
		case r.URL.Query().Get("hop") == "same":
			mu.Lock()
			got = append(got, "same-origin:"+r.Header.Get("Authorization"))
			mu.Unlock()
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(front.Close)

	c := newConnector(t, Config{Email: testUser, TokenSource: staticToken(tok.AccessToken), Endpoint: front.URL, MaxRetries: -1})
	_, err := c.Profile(context.Background())
	require.Error(t, err, "the other host refused the call")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"same-origin:Bearer " + tok.AccessToken, ""}, got)
}
