package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// isolation: tenant B, on every route, with tenant A's ids, gets 404,
// exactly as for ids that do not exist, and changes nothing of A's.
func (s *suite) isolation(t *testing.T) {
	tokA, tokB := tokenFor(t, "tenant-a"), tokenFor(t, "tenant-b")
	a := s.create(t, tokA, s.mail.createBody("A's mailbox"))
	aCustom := s.create(t, tokA, map[string]any{"name": "A's form", "provider": "custom"})
	s.secrets = append(s.secrets, aCustom.WebhookSecret)
	s.sync(t, tokA, a.ID)
	aMsgs := s.waitMessages(t, tokA, a.ID, s.mail.n)
	r := s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + a.ID + "/messages", token: tokA,
		header: map[string]string{"Idempotency-Key": "a-1"},
		body:   map[string]any{"subject": "Hi", "text": "x", "to": []any{map[string]any{"email": "c@customer.example"}}}})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	s.sends++
	var aOut outbox
	r.decode(t, &aOut)
	b := s.create(t, tokB, s.mail.createBody("B's mailbox"))
	s.waitIdle(t)

	before := s.snapshot(t, tokA, a.ID, aCustom.ID, aOut.ID, aMsgs[0].ID)

	upd := s.mail.createBody("taken over")
	send := map[string]any{"subject": "Hi", "text": "x", "to": []any{map[string]any{"email": "c@customer.example"}}}
	key := map[string]string{"Idempotency-Key": "b-1"}
	missing := "01900000-0000-7000-8000-000000000000"
	for _, id := range []string{a.ID, aCustom.ID, missing, "not-an-id"} {
		for _, c := range []call{
			{method: http.MethodGet, path: "/api/v1/integrations/" + id},
			{method: http.MethodPut, path: "/api/v1/integrations/" + id, body: upd},
			{method: http.MethodDelete, path: "/api/v1/integrations/" + id},
			{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/test"},
			{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/sync"},
			{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/rotate-secret"},
			{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages"},
			{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/messages", body: send, header: key},
			{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages/" + aMsgs[0].ID},
			{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/outbox/" + aOut.ID},
		} {
			c.token = tokB
			p := s.c.do(t, c).requireProblem(t, http.StatusNotFound)
			require.Equal(t, "urn:ucsp:problem:not-found", p.Type, "%s %s", c.method, c.path)
		}
	}
	// B's own integration with A's message and outbox ids: 404 too.
	s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + b.ID + "/messages/" + aMsgs[0].ID, token: tokB}).requireProblem(t, http.StatusNotFound)
	s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + b.ID + "/outbox/" + aOut.ID, token: tokB}).requireProblem(t, http.StatusNotFound)
	// B's listing holds B's integration only.
	listB := s.list(t, tokB, "")
	require.Len(t, listB, 1)
	require.Equal(t, b.ID, listB[0].ID)
	// B may use the key A used: keys are per tenant.
	r = s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + b.ID + "/messages", token: tokB, body: send,
		header: map[string]string{"Idempotency-Key": "a-1"}})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Empty(t, r.header.Get("Idempotent-Replayed"))
	s.sends++

	s.waitIdle(t)
	require.Equal(t, before, s.snapshot(t, tokA, a.ID, aCustom.ID, aOut.ID, aMsgs[0].ID), "tenant A's data changed")
}

// snapshot reads everything of tenant A the isolation test could touch.
func (s *suite) snapshot(t *testing.T, tok, id, customID, outboxID, msgID string) []string {
	t.Helper()
	var out []string
	for _, path := range []string{
		"/api/v1/integrations?limit=500",
		"/api/v1/integrations/" + id,
		"/api/v1/integrations/" + customID,
		"/api/v1/integrations/" + id + "/messages?limit=500",
		"/api/v1/integrations/" + id + "/messages/" + msgID,
		"/api/v1/integrations/" + id + "/outbox/" + outboxID,
	} {
		r := s.c.do(t, call{method: http.MethodGet, path: path, token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
		out = append(out, string(r.body))
	}
	return out
}
