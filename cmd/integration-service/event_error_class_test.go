package main

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// TestEventErrorsClassified: when the platform's receiver answers 500
// with its own text, or refuses the connection, the event's last error
// as its tenant sees it (GET /api/v1/events) and as the dashboard shows
// it is a class ("http_5xx: 500", "connect_refused"), never the
// receiver's words nor the network error's addresses.
func TestEventErrorsClassified(t *testing.T) {
	t.Parallel()
	const marker = "MARKER-receiver-text db-7.internal:5432 is down"
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(marker))
	}))
	t.Cleanup(rcv.Close)
	refused := "http://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/events"

	for _, tc := range []struct{ name, url, class string }{
		{"500", rcv.URL + "/events", "http_5xx: 500"},
		{"refused", refused, "connect_refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := dashEnv(map[string]string{"EVENTS_WEBHOOK_URL": tc.url, "EVENTS_WEBHOOK_SECRET": webhook.GenerateSecret().Encode()})
			in := start(t, env)
			s := &suite{c: newClient(t, in.base), in: in}
			tok := tokenFor(t, "tenant-classes")
			id, secret := s.customSource(t, tok)
			r := s.push(t, id, secret, "msg_classified", time.Now(), inbound("Classified", "classified@example.org"), false)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)

			var got event
			require.Eventually(t, func() bool {
				for _, ev := range s.events(t, tok, "") {
					if ev.Type == "message.received" && ev.Attempts > 0 {
						got = ev
						return true
					}
				}
				return false
			}, 30*time.Second, 100*time.Millisecond, "the delivery was never tried")
			require.Equal(t, tc.class, got.LastError)
			for _, leak := range []string{"MARKER", "db-7", "127.0.0.1", "dial", "refused:"} {
				require.NotContains(t, got.LastError, leak)
			}

			page := newDashBrowser(t, in.base).do(http.MethodGet, "/dashboard?tenant=tenant-classes", nil, nil,
				map[string]string{"Authorization": "Bearer " + dashToken})
			require.Equal(t, http.StatusOK, page.status)
			require.Contains(t, page.body, tc.class)
			require.NotContains(t, page.body, "MARKER")
			require.NotContains(t, page.body, "db-7")
		})
	}
}
