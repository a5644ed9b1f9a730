package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// TestEventDataCarriesTenant: an event's data is built once, with its
// tenant, when the event is stored: GET /api/v1/events shows the same
// data the platform receives, tenant_id included.
func TestEventDataCarriesTenant(t *testing.T) {
	t.Parallel()
	secret := webhook.GenerateSecret()
	verifier, err := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{})
	require.NoError(t, err)
	var (
		mu        sync.Mutex
		delivered = map[string]json.RawMessage{} // webhook-id -> data
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, body, err := verifier.VerifyRequest(r)
		if err != nil {
			t.Errorf("a delivery failed verification: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Errorf("a delivery is not an envelope: %v", err)
		}
		mu.Lock()
		delivered[d.ID] = env.Data
		mu.Unlock()
	}))
	t.Cleanup(rcv.Close)

	env := baseEnv()
	env["EVENTS_WEBHOOK_URL"], env["EVENTS_WEBHOOK_SECRET"] = rcv.URL+"/events", secret.Encode()
	in := start(t, env)
	s := &suite{c: newClient(t, in.base), in: in}
	tok := tokenFor(t, "tenant-data")
	id, src := s.customSource(t, tok)
	r := s.push(t, id, src, "msg_data", time.Now(), inbound("With its tenant", "with-tenant@example.org"), false)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	var got event
	require.Eventually(t, func() bool {
		for _, ev := range s.events(t, tok, "integration_id="+id) {
			if ev.Type == "message.received" && ev.Status == "delivered" {
				got = ev
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "the event was never delivered")

	var data struct {
		TenantID string `json:"tenant_id"`
	}
	require.NoError(t, json.Unmarshal(got.Data, &data))
	require.Equal(t, "tenant-data", data.TenantID, "the API's data: %s", got.Data)
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, delivered, got.ID, "delivered with the event's id as webhook-id")
	require.JSONEq(t, string(delivered[got.ID]), string(got.Data), "the API shows the data delivered")
}
