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

// eventReceiver is the platform of a test: it verifies every delivery
// with a webhook.Verifier and records, by stored message id, the
// webhook-ids of the message.received events that announce it.
type eventReceiver struct {
	srv      *httptest.Server
	secret   webhook.Secret
	verifier *webhook.Verifier

	mu        sync.Mutex
	announced map[string]map[string]bool // message id -> webhook-ids
	refused   []string                   // why deliveries were refused
}

func newEventReceiver(t *testing.T) *eventReceiver {
	t.Helper()
	rcv := &eventReceiver{secret: webhook.GenerateSecret(), announced: map[string]map[string]bool{}}
	v, err := webhook.NewVerifier([]webhook.Secret{rcv.secret}, webhook.VerifierOptions{})
	require.NoError(t, err)
	rcv.verifier = v
	rcv.srv = httptest.NewServer(http.HandlerFunc(rcv.serve))
	t.Cleanup(rcv.srv.Close)
	return rcv
}

// config points cfg's events at the receiver.
func (rcv *eventReceiver) config(cfg config) config {
	cfg.EventsURL = rcv.srv.URL + "/events?token=in-the-url"
	cfg.EventsSecret = rcv.secret.Encode()
	return cfg
}

func (rcv *eventReceiver) serve(w http.ResponseWriter, r *http.Request) {
	d, body, err := rcv.verifier.VerifyRequest(r)
	var env struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      struct {
			TenantID string `json:"tenant_id"`
			Message  struct {
				ID string `json:"id"`
			} `json:"message"`
		} `json:"data"`
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	switch {
	case err != nil:
		rcv.refused = append(rcv.refused, "signature: "+err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	case json.Unmarshal(body, &env) != nil, env.Type != "message.received", env.Timestamp.IsZero(),
		env.Data.TenantID != tenant, env.Data.Message.ID == "":
		rcv.refused = append(rcv.refused, "not a message.received of "+tenant+": "+string(body))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if rcv.announced[env.Data.Message.ID] == nil {
		rcv.announced[env.Data.Message.ID] = map[string]bool{}
	}
	rcv.announced[env.Data.Message.ID][d.ID] = true
	w.WriteHeader(http.StatusNoContent)
}

// requireAnnounced waits until each of messages was announced, and
// checks that each was announced by one event (one webhook-id: a
// redelivery has the same) and that nothing else came. A nil receiver
// checks nothing.
func (rcv *eventReceiver) requireAnnounced(t *testing.T, messages []string) {
	t.Helper()
	if rcv == nil {
		return
	}
	require.Eventually(t, func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return len(rcv.announced) >= len(messages)
	}, 15*time.Second, 20*time.Millisecond, "not every message was announced")
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	require.Empty(t, rcv.refused)
	require.Len(t, rcv.announced, len(messages), "an event per stored message, no other")
	for _, id := range messages {
		require.Len(t, rcv.announced[id], 1, "message %s: one event", id)
	}
}
