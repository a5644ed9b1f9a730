package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// graphCollection is a Graph notification collection of one
// notification per subscription id, as short as Verify takes them.
func graphCollection(ids []string) []byte {
	type note struct {
		SubscriptionID string `json:"subscriptionId"`
		ClientState    string `json:"clientState"`
	}
	value := make([]note, len(ids))
	for i, id := range ids {
		value[i] = note{SubscriptionID: id, ClientState: "guess"}
	}
	b, _ := json.Marshal(map[string]any{"value": value})
	return b
}

// requireRateLimited checks a 429 of the unauthenticated routes.
func requireRateLimited(t *testing.T, r *reply) {
	t.Helper()
	p := r.requireProblem(t, http.StatusTooManyRequests)
	require.Equal(t, "urn:ucsp:problem:rate-limited", p.Type)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After in whole seconds")
	require.Positive(t, secs)
}

// TestUnauthenticatedRoutesRateLimited: the routes anyone may call are
// limited per client address (X-Forwarded-For from a trusted proxy
// tells clients apart here) and, for custom sources, per source; an
// unknown custom source id or Graph subscription costs its sender one
// request more. Before, none of them was limited at all.
func TestUnauthenticatedRoutesRateLimited(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"embedded", "production"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := baseEnv()
			if mode == "production" {
				env = productionEnv(t, env)
			}
			env["TRUSTED_PROXIES"] = "127.0.0.1"
			env["WEBHOOK_RATE_LIMIT_CLIENT"] = "20/h"
			env["WEBHOOK_RATE_LIMIT_TARGET"] = "5/h"
			in := start(t, env)
			c := newClient(t, in.base)
			tok := tokenFor(t, "tenant-limits")
			busy, busySecret := ingressSource(t, c, tok)
			quiet, quietSecret := ingressSource(t, c, tok)
			seq := 0
			deliver := func(client, id, secret string) *reply {
				seq++
				body := []byte(inbound(fmt.Sprintf("Delivery %d", seq), fmt.Sprintf("limits-%d@example.org", seq)))
				h := ingressSignature(t, secret, fmt.Sprintf("msg_limits_%d", seq), body)
				h["X-Forwarded-For"] = client
				return c.do(t, call{method: http.MethodPost, path: "/webhooks/custom/" + id, raw: body, header: h})
			}

			// Per source: the busy source takes 5 deliveries an hour, from
			// whichever client; the quiet one is not affected.
			for i := range 5 {
				r := deliver(fmt.Sprintf("198.51.100.%d", 10+i), busy, busySecret)
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			}
			requireRateLimited(t, deliver("198.51.100.20", busy, busySecret))
			require.Equal(t, http.StatusOK, deliver("198.51.100.20", quiet, quietSecret).status)

			// Per client: 20 requests an hour on every unauthenticated route
			// together (198.51.100.1 has made none yet).
			const client = "198.51.100.1"
			routes := []call{
				{method: http.MethodPost, path: "/webhooks/microsoft", raw: []byte(`{"value":[]}`)},
				{method: http.MethodPost, path: "/webhooks/gmail", raw: []byte(`{}`)},
				{method: http.MethodGet, path: "/auth/google/callback?state=x&code=y"},
			}
			for i := range 20 {
				cl := routes[i%len(routes)]
				cl.header = map[string]string{"X-Forwarded-For": client}
				cl.invalid = true
				r := c.do(t, cl)
				require.NotEqual(t, http.StatusTooManyRequests, r.status, "request %d: %s", i, r.body)
			}
			for _, cl := range append(routes, call{method: http.MethodPost, path: "/webhooks/custom/" + quiet, raw: []byte(`{}`)}) {
				cl.header = map[string]string{"X-Forwarded-For": client}
				cl.invalid = true
				requireRateLimited(t, c.do(t, cl))
			}
			require.Equal(t, http.StatusOK, deliver("198.51.100.2", quiet, quietSecret).status, "another client is not affected")

			// Unknown custom source ids cost twice: 10 of them spend 20.
			for i := range 10 {
				r := c.do(t, call{method: http.MethodPost, path: fmt.Sprintf("/webhooks/custom/00000000-0000-7000-8000-%012d", i), raw: []byte(`{}`), invalid: true,
					header: map[string]string{"X-Forwarded-For": "198.51.100.3"}})
				r.requireProblem(t, http.StatusNotFound)
			}
			requireRateLimited(t, deliver("198.51.100.3", quiet, quietSecret))

			// Unknown Graph subscriptions cost one each: a collection naming
			// 5 costs 6, so the fourth is refused.
			ids := []string{"sub-1", "sub-2", "sub-3", "sub-4", "sub-5"}
			for i := range 4 {
				r := c.do(t, call{method: http.MethodPost, path: "/webhooks/microsoft", raw: graphCollection(ids),
					header: map[string]string{"X-Forwarded-For": "198.51.100.4"}})
				if i < 3 {
					require.Equal(t, http.StatusAccepted, r.status, "collection %d: %s", i, r.body)
					continue
				}
				requireRateLimited(t, r)
			}
		})
	}
}
