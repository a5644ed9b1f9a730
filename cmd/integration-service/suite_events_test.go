package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// event is the part of an EventRecord the tests read.
type event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Status    string          `json:"status"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error"`
	Data      json.RawMessage `json:"data"`
}

// subject returns a message.received event's message subject.
func (e event) subject() string {
	var d struct {
		Message struct {
			Subject string `json:"subject"`
		} `json:"message"`
	}
	_ = json.Unmarshal(e.Data, &d)
	return d.Message.Subject
}

// push sends body to a custom source's webhook, signed with secret (as
// webhook-id id), and returns the reply; mutate changes the headers.
func (s *suite) push(t *testing.T, integrationID, secret, id string, at time.Time, body string, invalid bool, mutate ...func(map[string]string)) *reply {
	t.Helper()
	sec, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	h, err := signer.Sign(id, at, []byte(body))
	require.NoError(t, err)
	hdr := map[string]string{}
	for k := range h {
		hdr[k] = h.Get(k)
	}
	for _, m := range mutate {
		m(hdr)
	}
	return s.c.do(t, call{method: http.MethodPost, path: "/webhooks/custom/" + integrationID, raw: []byte(body), header: hdr, invalid: invalid})
}

// events lists the tenant's events with query, every page.
func (s *suite) events(t *testing.T, tok, query string) []event {
	t.Helper()
	var all []event
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/events?" + strings.TrimPrefix(q, "&"), token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var p struct {
			Data       []event `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		r.decode(t, &p)
		all = append(all, p.Data...)
		if p.NextCursor == nil {
			return all
		}
		cursor = *p.NextCursor
	}
}

// customSource creates a custom source for tenant and returns its id
// and secret.
func (s *suite) customSource(t *testing.T, tok string) (string, string) {
	t.Helper()
	in := s.create(t, tok, map[string]any{"name": "Contact form", "provider": "custom"})
	s.secrets = append(s.secrets, in.WebhookSecret)
	return in.ID, in.WebhookSecret
}

func inbound(subject, messageID string) string {
	b, _ := json.Marshal(map[string]any{
		"from": map[string]any{"name": "Ann", "email": "ann@example.org"}, "to": []any{map[string]any{"email": "help@example.com"}},
		"subject": subject, "text": "body of " + subject, "message_id": messageID, "date": "2026-01-02T03:04:05Z",
		"attachments": []any{map[string]any{"filename": "a.pdf", "content_type": "application/pdf", "size": 10}},
	})
	return string(b)
}

func (s *suite) customWebhooks(t *testing.T) {
	tok := tokenFor(t, "tenant-hooks")
	id, secret := s.customSource(t, tok)
	msgs := func() []message {
		r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages", token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var p messagePage
		r.decode(t, &p)
		return p.Data
	}

	// Every bad delivery: 401 (or 404 for another integration's id),
	// problem+json, and nothing stored.
	other := webhook.GenerateSecret().Encode()
	now := time.Now()
	body := inbound("Refused", "refused@example.org")
	s.push(t, id, other, "bad_1", now, body, false).requireProblem(t, http.StatusUnauthorized)
	s.push(t, id, secret, "bad_2", now.Add(-10*time.Minute), body, false).requireProblem(t, http.StatusUnauthorized)
	s.push(t, id, secret, "bad_3", now.Add(10*time.Minute), body, false).requireProblem(t, http.StatusUnauthorized)
	s.push(t, id, secret, "bad_4", now, body, false, func(h map[string]string) {
		h["Webhook-Signature"] = "v1,AAAA" + h["Webhook-Signature"][7:]
	}).requireProblem(t, http.StatusUnauthorized)
	s.push(t, id, secret, "bad_5", now, body, false, func(h map[string]string) { h["Webhook-Signature"] = "v1,not-base64!" }).requireProblem(t, http.StatusUnauthorized)
	s.push(t, id, secret, "bad_6", now, body, true, func(h map[string]string) { delete(h, "Webhook-Timestamp") }).requireProblem(t, http.StatusUnauthorized)
	tampered := s.push(t, id, secret, "bad_7", now, body, false, func(h map[string]string) {
		h["Webhook-Id"] = "bad_7x" // signed for bad_7
	})
	tampered.requireProblem(t, http.StatusUnauthorized)
	s.push(t, "00000000-0000-4000-8000-000000000000", secret, "bad_8", now, body, false).requireProblem(t, http.StatusNotFound)
	imap := s.create(t, tok, s.mail.createBody("Mailbox"))
	s.push(t, imap.ID, secret, "bad_9", now, body, false).requireProblem(t, http.StatusNotFound)
	require.Empty(t, msgs())
	require.Empty(t, s.events(t, tok, "integration_id="+id))
	for _, ev := range s.events(t, tok, "integration_id="+imap.ID) {
		require.NotEqual(t, "message.received", ev.Type, "a delivery to a mailbox integration's id was stored") // its own first sync announces sync.completed
	}

	// A verified delivery: stored, announced, delivered to the platform.
	r := s.push(t, id, secret, "msg_ok", time.Now(), inbound("Order 42", "o42@example.org"), false)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var ing struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	}
	r.decode(t, &ing)
	require.False(t, ing.Duplicate)
	got := msgs()
	require.Len(t, got, 1)
	require.Equal(t, ing.ID, got[0].ID)
	require.Equal(t, "Order 42", got[0].Subject)
	require.Equal(t, "o42@example.org", got[0].MessageID)
	r = s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages/" + ing.ID, token: tok})
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, string(r.body), "body of Order 42")

	// The same webhook-id again: acknowledged, not processed. The same
	// message under a new webhook-id: a duplicate, stored once.
	r = s.push(t, id, secret, "msg_ok", time.Now(), inbound("Order 42", "o42@example.org"), false)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	r = s.push(t, id, secret, "msg_ok_again", time.Now(), inbound("Order 42", "o42@example.org"), false)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.decode(t, &ing)
	require.True(t, ing.Duplicate)
	require.Len(t, msgs(), 1)

	var evs []event
	require.Eventually(t, func() bool {
		evs = s.events(t, tok, "status=delivered&integration_id="+id)
		return len(evs) == 1
	}, 20*time.Second, 50*time.Millisecond, "the message.received event is delivered")
	require.Equal(t, "message.received", evs[0].Type)
	require.Equal(t, "Order 42", evs[0].subject())
	tries, ok := s.rcv.seen(evs[0].ID)
	require.Len(t, tries, 1)
	require.Equal(t, 1, ok)
	require.Len(t, s.events(t, tok, "integration_id="+id), 1, "announced once")
}

// eventDelivery: the delivery scenarios, run at once on three
// messages whose events the receiver answers from scripts.
func (s *suite) eventDelivery(t *testing.T) {
	tok := tokenFor(t, "tenant-events")
	id, secret := s.customSource(t, tok)
	s.rcv.mu.Lock()
	s.rcv.script["Retry after"] = []int{http.StatusTooManyRequests}
	s.rcv.script["Server errors"] = []int{500, 500, 500}
	s.rcv.script["Refused"] = []int{http.StatusBadRequest}
	s.rcv.mu.Unlock()
	for i, subject := range []string{"Retry after", "Server errors", "Refused"} {
		r := s.push(t, id, secret, fmt.Sprintf("ev_%d", i), time.Now(), inbound(subject, fmt.Sprintf("ev%d@example.org", i)), false)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}
	bySubject := func(status string) map[string]event {
		out := map[string]event{}
		for _, e := range s.events(t, tok, "status="+status) {
			out[e.subject()] = e
		}
		return out
	}
	var delivered, dead map[string]event
	require.Eventually(t, func() bool {
		delivered, dead = bySubject("delivered"), bySubject("dead")
		return len(delivered) == 2 && len(dead) == 1
	}, 30*time.Second, 100*time.Millisecond, "two delivered, one dead")

	ra := delivered["Retry after"]
	tries, ok := s.rcv.seen(ra.ID)
	require.Len(t, tries, 2, "429, then delivered")
	require.Equal(t, 1, ok, "delivered once")
	require.GreaterOrEqual(t, tries[1].Sub(tries[0]), 2*time.Second, "Retry-After: 2 honoured")
	require.Equal(t, 2, ra.Attempts)

	se := delivered["Server errors"]
	tries, ok = s.rcv.seen(se.ID)
	require.Len(t, tries, 4, "500 three times, then delivered on the fourth try")
	require.Equal(t, 1, ok)
	require.Equal(t, 4, se.Attempts)

	rf, found := dead["Refused"]
	require.True(t, found)
	tries, _ = s.rcv.seen(rf.ID)
	require.Len(t, tries, 1, "a 400 is not retried")
	require.Contains(t, rf.LastError, "400")

	// Redelivery of the dead event: 202, then delivered with the same
	// webhook-id.
	r := s.c.do(t, call{method: http.MethodPost, path: "/api/v1/events/" + rf.ID + "/redeliver", token: tok})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	var again event
	r.decode(t, &again)
	require.Equal(t, "pending", again.Status)
	require.Eventually(t, func() bool {
		_, ok := s.rcv.seen(rf.ID)
		return ok == 1
	}, 20*time.Second, 50*time.Millisecond, "redelivered")
	require.Eventually(t, func() bool { return len(bySubject("dead")) == 0 }, 10*time.Second, 50*time.Millisecond)

	// Tenancy, filters and paging.
	s.c.do(t, call{method: http.MethodPost, path: "/api/v1/events/" + rf.ID + "/redeliver", token: tokenFor(t, "tenant-hooks")}).requireProblem(t, http.StatusNotFound)
	require.Len(t, s.events(t, tok, "limit=1"), 3, "three events, one per page")
	require.Len(t, s.events(t, tok, "integration_id="+id), 3)
	s.c.do(t, call{method: http.MethodGet, path: "/api/v1/events?status=lost", token: tok, invalid: true}).requireProblem(t, http.StatusBadRequest)
	s.rcv.mu.Lock()
	require.Zero(t, s.rcv.unverified, "every delivery verified with webhook.Verifier")
	s.rcv.mu.Unlock()
}
