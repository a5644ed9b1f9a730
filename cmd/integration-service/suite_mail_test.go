package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type message struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	MessageID  string `json:"message_id"`
	Subject    string `json:"subject"`
	Text       string `json:"text"`
}

type messagePage struct {
	Data       []message `json:"data"`
	NextCursor *string   `json:"next_cursor"`
}

type outbox struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	MessageID string `json:"message_id"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

// sync enqueues a sync of the integration and counts the job it starts.
func (s *suite) sync(t *testing.T, tok, id string) {
	t.Helper()
	r := s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/sync", token: tok})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	var res struct {
		JobID     string `json:"job_id"`
		Duplicate bool   `json:"duplicate"`
	}
	r.decode(t, &res)
	require.NotEmpty(t, res.JobID)
	if !res.Duplicate {
		s.syncRuns++
	}
}

// waitMessages waits until the integration has n messages and returns them.
func (s *suite) waitMessages(t *testing.T, tok, id string, n int) []message {
	t.Helper()
	var page messagePage
	require.Eventually(t, func() bool {
		r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages?limit=500", token: tok})
		page = messagePage{}
		r.decode(t, &page)
		return r.status == http.StatusOK && len(page.Data) == n
	}, 30*time.Second, 50*time.Millisecond, "waiting for %d messages", n)
	return page.Data
}

func (s *suite) syncMessages(t *testing.T) {
	tok := tokenFor(t, "tenant-mail")
	for _, subj := range []string{"Order 1", "Order 2", "Order 3"} {
		s.mail.deliver(t, subj)
	}
	in := s.create(t, tok, s.mail.createBody("Mailbox"))
	path := "/api/v1/integrations/" + in.ID

	r := s.c.do(t, call{method: http.MethodPost, path: path + "/test", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var res struct {
		OK          bool        `json:"ok"`
		Integration integration `json:"integration"`
	}
	r.decode(t, &res)
	require.True(t, res.OK, "%s", r.body)
	require.Equal(t, "ok", res.Integration.Health.Status)

	s.sync(t, tok, in.ID)
	msgs := s.waitMessages(t, tok, in.ID, 3)
	for i, m := range msgs {
		require.Equal(t, "Order "+string(rune('1'+i)), m.Subject)
		require.Empty(t, m.Text, "listings leave the bodies out")
	}

	r = s.c.do(t, call{method: http.MethodGet, path: path + "/messages?limit=2", token: tok})
	var page messagePage
	r.decode(t, &page)
	require.Len(t, page.Data, 2)
	require.NotNil(t, page.NextCursor)
	r = s.c.do(t, call{method: http.MethodGet, path: path + "/messages?include_deleted=true&limit=2&cursor=" + *page.NextCursor, token: tok})
	var page2 messagePage
	r.decode(t, &page2)
	require.Len(t, page2.Data, 1)
	require.Nil(t, page2.NextCursor)
	require.Equal(t, msgs[2].ID, page2.Data[0].ID)

	r = s.c.do(t, call{method: http.MethodGet, path: path + "/messages/" + msgs[0].ID, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var full message
	r.decode(t, &full)
	require.Equal(t, "m1@customer.example", full.MessageID)
	require.Equal(t, "Hello, message 1.", strings.TrimSpace(full.Text))

	// A new message comes in with the next sync, once.
	s.mail.deliver(t, "Order 4")
	s.sync(t, tok, in.ID)
	msgs = s.waitMessages(t, tok, in.ID, 4)
	require.Equal(t, "Order 4", msgs[3].Subject)
	s.waitIdle(t)
	require.Len(t, s.waitMessages(t, tok, in.ID, 4), 4, "a sync stores nothing twice")
}

func (s *suite) send(t *testing.T) {
	tok := tokenFor(t, "tenant-mail")
	ins := s.list(t, tok, "provider=imap")
	require.Len(t, ins, 1)
	id := ins[0].ID
	path := "/api/v1/integrations/" + id + "/messages"
	msgs := s.waitMessages(t, tok, id, 4)
	body := map[string]any{
		"to":                  []any{map[string]any{"name": "Customer", "email": "customer@customer.example"}},
		"text":                "We are on it.",
		"subject":             "",
		"reply_to_message_id": msgs[0].ID,
	}

	p := s.c.do(t, call{method: http.MethodPost, path: path, token: tok, body: body, invalid: true}).requireProblem(t, http.StatusBadRequest)
	require.Equal(t, []string{"Idempotency-Key"}, p.fields())

	key := map[string]string{"Idempotency-Key": "reply-1"}
	r := s.c.do(t, call{method: http.MethodPost, path: path, token: tok, body: body, header: key})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Empty(t, r.header.Get("Idempotent-Replayed"))
	var first outbox
	r.decode(t, &first)
	require.Equal(t, "pending", first.Status)
	require.True(t, strings.HasSuffix(first.MessageID, "@example.com"), first.MessageID)
	require.Equal(t, "/api/v1/integrations/"+id+"/outbox/"+first.ID, r.header.Get("Location"))
	s.sends++

	// The same key and the same request (however it is spelled): the
	// first result again, and nothing new.
	raw := `{ "subject": "", "text": "We are on it.", "reply_to_message_id": "` + msgs[0].ID + `",
		"to": [ {"email": "customer@customer.example", "name": "Customer"} ] }`
	r = s.c.do(t, call{method: http.MethodPost, path: path, token: tok, raw: []byte(raw), header: key})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	var again outbox
	r.decode(t, &again)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, first.MessageID, again.MessageID)

	// The same key with another request: 409.
	body["text"] = "Something else."
	p = s.c.do(t, call{method: http.MethodPost, path: path, token: tok, body: body, header: key}).requireProblem(t, http.StatusConflict)
	require.Equal(t, "urn:ucsp:problem:idempotency-conflict", p.Type)

	// A message that cannot be sent is refused before it is stored.
	p = s.c.do(t, call{method: http.MethodPost, path: path, token: tok, header: map[string]string{"Idempotency-Key": "reply-2"},
		body: map[string]any{"subject": "No one", "text": "x", "from": map[string]any{"email": "other@example.com"}}}).requireProblem(t, http.StatusUnprocessableEntity)
	require.ElementsMatch(t, []string{"from.email", "to"}, p.fields())
	p = s.c.do(t, call{method: http.MethodPost, path: path, token: tok, header: map[string]string{"Idempotency-Key": "reply-3"},
		body: map[string]any{"subject": "x", "text": "x", "to": []any{map[string]any{"email": "a@b.example"}}, "reply_to_message_id": "01900000-0000-7000-8000-000000000000"}}).requireProblem(t, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"reply_to_message_id"}, p.fields())

	// The send job runs; this integration has no SMTP settings, so the
	// provider refuses it for good and the entry says so.
	var got outbox
	require.Eventually(t, func() bool {
		r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/outbox/" + first.ID, token: tok})
		got = outbox{}
		r.decode(t, &got)
		return r.status == http.StatusOK && got.Status == "failed"
	}, 30*time.Second, 50*time.Millisecond, "outbox entry: %+v", got)
	require.Equal(t, first.MessageID, got.MessageID)
	require.Contains(t, got.LastError, "unsupported")

	// The integration itself is not blamed for a message it cannot send.
	r = s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id, token: tok})
	var in integration
	r.decode(t, &in)
	require.Equal(t, "active", in.Status)
}

// waitIdle waits until no job is pending, running or waiting to retry.
func (s *suite) waitIdle(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		r := s.c.do(t, call{method: http.MethodGet, path: "/health/queue-stats", token: testAdminToken})
		var st struct {
			Queues []struct {
				Pending, Active, Scheduled, Retry int
			} `json:"queues"`
		}
		r.decode(t, &st)
		for _, q := range st.Queues {
			if q.Pending+q.Active+q.Scheduled+q.Retry > 0 {
				return false
			}
		}
		return r.status == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "the queue did not drain")
}
