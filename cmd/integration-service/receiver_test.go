package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// eventReceiver is the EVENTS_WEBHOOK_URL of a suite's process: it
// verifies every delivery with a webhook.Verifier and answers the
// attempts of a message.received event from the script of its
// message's subject (then 200), and everything else with 200.
type eventReceiver struct {
	t        *testing.T
	srv      *httptest.Server
	secret   string
	verifier *webhook.Verifier

	mu         sync.Mutex
	script     map[string][]int // subject -> statuses
	attempts   map[string][]time.Time
	successes  map[string]int
	subjects   map[string]string // webhook-id -> message subject of a message.received
	messages   map[string]string // webhook-id -> stored message id of a message.received
	unverified int
}

func newEventReceiver(t *testing.T) *eventReceiver {
	t.Helper()
	s := webhook.GenerateSecret()
	v, err := webhook.NewVerifier([]webhook.Secret{s}, webhook.VerifierOptions{})
	require.NoError(t, err)
	rc := &eventReceiver{t: t, secret: s.Encode(), verifier: v,
		script: map[string][]int{}, attempts: map[string][]time.Time{}, successes: map[string]int{}, subjects: map[string]string{}, messages: map[string]string{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

// env points env's events at the receiver.
func (rc *eventReceiver) env(env map[string]string) map[string]string {
	env["EVENTS_WEBHOOK_URL"] = rc.srv.URL + "/events"
	env["EVENTS_WEBHOOK_SECRET"] = rc.secret
	return env
}

func (rc *eventReceiver) serve(w http.ResponseWriter, r *http.Request) {
	d, body, err := rc.verifier.VerifyRequest(r)
	if err != nil {
		rc.mu.Lock()
		rc.unverified++
		rc.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var env struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      struct {
			TenantID string `json:"tenant_id"`
			Message  struct {
				ID      string `json:"id"`
				Subject string `json:"subject"`
			} `json:"message"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Type == "" || env.Timestamp.IsZero() || env.Data.TenantID == "" {
		rc.t.Errorf("a delivery is not an event envelope: %s", body)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts[d.ID] = append(rc.attempts[d.ID], time.Now())
	if env.Type == "message.received" {
		rc.subjects[d.ID] = env.Data.Message.Subject
		rc.messages[d.ID] = env.Data.Message.ID
	}
	status := http.StatusOK
	if s := rc.script[env.Data.Message.Subject]; env.Type == "message.received" && len(s) > 0 {
		status, rc.script[env.Data.Message.Subject] = s[0], s[1:]
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "2")
	}
	if status < 300 {
		rc.successes[d.ID]++
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(strings.Repeat("x", status%7)))
}

// seen returns the attempts an event got and how many succeeded.
func (rc *eventReceiver) seen(id string) ([]time.Time, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]time.Time(nil), rc.attempts[id]...), rc.successes[id]
}

// received returns the webhook-ids of the message.received events
// delivered (answered 2xx) whose message has subject.
func (rc *eventReceiver) received(subject string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var ids []string
	for id, s := range rc.subjects {
		if s == subject && rc.successes[id] > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}
