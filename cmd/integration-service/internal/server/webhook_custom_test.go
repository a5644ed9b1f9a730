package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/custom"
)

// customFixture is an embedded App with one custom source.
type customFixture struct {
	app    *App
	h      http.Handler
	tok    string
	id     string
	secret string
}

func newCustomFixture(t *testing.T, env map[string]string) *customFixture {
	t.Helper()
	return customFixtureOn(t, newTestApp(t, env))
}

// customFixtureOn creates a custom source of tenant-c on app.
func customFixtureOn(t testing.TB, app *App) *customFixture {
	t.Helper()
	f := &customFixture{app: app, h: app.Handler(RoleAll)}
	var err error
	f.tok, err = NewToken([]byte(testSecret), "tenant-c", "agent", "", time.Hour)
	require.NoError(t, err)
	rec := f.api(t, http.MethodPost, "/api/v1/integrations", `{"name":"form","provider":"custom"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var in struct {
		ID            string `json:"id"`
		WebhookSecret string `json:"webhook_secret"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &in))
	f.id, f.secret = in.ID, in.WebhookSecret
	return f
}

func (f *customFixture) api(t testing.TB, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// push posts body to the custom route signed with secret as webhook-id
// msgID at ts; mutate may change the request before it is sent.
func (f *customFixture) push(t testing.TB, id, secret, msgID string, ts time.Time, body string, mutate ...func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	s, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(s)
	require.NoError(t, err)
	hdr, err := signer.Sign(msgID, ts, []byte(body))
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/custom/"+id, strings.NewReader(body))
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	for _, m := range mutate {
		m(req)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *customFixture) messages(t testing.TB) int64 {
	t.Helper()
	n, err := f.app.store.CountMessages(context.Background(), "tenant-c", f.id)
	require.NoError(t, err)
	return n
}

func (f *customFixture) events(t testing.TB) []*store.Event {
	t.Helper()
	p, err := f.app.store.ListEvents(context.Background(), "tenant-c", store.ListEventsOptions{})
	require.NoError(t, err)
	return p.Items
}

const customBody = `{"from":{"name":"Ann","email":"ann@example.org"},"to":[{"email":"help@example.com"}],"subject":"Order 42","text":"Where is it?","message_id":"m42@example.org","date":"2026-01-02T03:04:05Z","attachments":[{"filename":"a.pdf","content_type":"application/pdf","size":12}]}`

// TestCustomWebhook: a verified push is stored as an inbound message
// with a message.received event; a replay of its webhook-id is
// acknowledged without processing; a new delivery of the same
// message_id stores nothing new.
func TestCustomWebhook(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, nil)
	rec := f.push(t, f.id, f.secret, "msg_1", time.Now(), customBody)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out custom.Result
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.False(t, out.Duplicate)
	require.Equal(t, "message-id:m42@example.org", out.ProviderID)

	m, err := f.app.store.GetMessage(context.Background(), "tenant-c", f.id, out.ID)
	require.NoError(t, err)
	require.Equal(t, "Order 42", m.Subject)
	require.Equal(t, "ann@example.org", m.From[0].Email)
	require.Equal(t, "Where is it?", m.Text)
	require.Equal(t, "a.pdf", m.Attachments[0].Filename)
	require.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), m.Date.UTC())
	evs := f.events(t)
	require.Len(t, evs, 1)
	require.Equal(t, syncrun.EventMessageReceived, evs[0].Type)
	require.Equal(t, f.id, evs[0].IntegrationID)

	rec = f.push(t, f.id, f.secret, "msg_1", time.Now(), customBody)
	require.Equal(t, http.StatusNoContent, rec.Code, "a replayed webhook-id is acknowledged")
	rec = f.push(t, f.id, f.secret, "msg_2", time.Now(), customBody)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.True(t, out.Duplicate)
	require.Equal(t, int64(1), f.messages(t))
	require.Len(t, f.events(t), 1, "announced once")

	// Without message_id, the webhook-id identifies the message.
	rec = f.push(t, f.id, f.secret, "msg_3", time.Now(), `{"from":{"email":"b@example.org"},"text":"hi"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.Equal(t, "webhook:msg_3", out.ProviderID)
	require.Equal(t, int64(2), f.messages(t))
}

// TestCustomWebhookRefused: every bad delivery is refused with the
// right status and stores nothing.
func TestCustomWebhookRefused(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, nil)
	other := webhook.GenerateSecret().Encode()
	now := time.Now()
	for name, c := range map[string]struct {
		status int
		rec    func() *httptest.ResponseRecorder
	}{
		"wrong secret": {401, func() *httptest.ResponseRecorder { return f.push(t, f.id, other, "a1", now, customBody) }},
		"tampered body": {401, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a2", now, customBody, func(r *http.Request) {
				r.Body = httpBody(strings.Replace(customBody, "42", "43", 1))
			})
		}},
		"stale timestamp": {401, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a3", now.Add(-6*time.Minute), customBody)
		}},
		"future timestamp": {401, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a4", now.Add(6*time.Minute), customBody)
		}},
		"missing signature": {401, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a5", now, customBody, func(r *http.Request) { r.Header.Del("webhook-signature") })
		}},
		"malformed signature": {401, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a6", now, customBody, func(r *http.Request) { r.Header.Set("webhook-signature", "v1,@@@") })
		}},
		"unknown integration": {404, func() *httptest.ResponseRecorder {
			return f.push(t, "00000000-0000-4000-8000-000000000000", f.secret, "a7", now, customBody)
		}},
		"invalid message": {422, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a8", now, `{"from":{"email":"not an address"},"text":"x"}`)
		}},
		"unknown field": {400, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a9", now, `{"from":{"email":"a@example.org"},"text":"x","bogus":1}`)
		}},
		"unknown type": {422, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a11", now, `{"type":"note","from":{"email":"a@example.org"},"text":"x"}`)
		}},
		"conversation without conversation_id": {422, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a12", now, `{"type":"conversation.message","author":{"email":"a@example.org"},"text":"x"}`)
		}},
		"conversation with a message's field": {422, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a13", now, `{"type":"conversation.message","conversation_id":"c1","author":{"email":"a@example.org"},"text":"x","message_id":"m@x"}`)
		}},
		"message with a conversation's field": {422, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a14", now, `{"from":{"email":"a@example.org"},"text":"x","conversation_id":"c1"}`)
		}},
		"too large": {413, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a10", now, `{"text":"`+strings.Repeat("x", 2<<20)+`"}`)
		}},
	} {
		rec := c.rec()
		require.Equal(t, c.status, rec.Code, "%s: %s", name, rec.Body.String())
		require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), name)
		require.NotContains(t, rec.Body.String(), f.secret)
	}
	require.Zero(t, f.messages(t))
	require.Empty(t, f.events(t))
}

// TestCustomWebhookRotationAndProviders: a rotated secret takes effect
// at once (the cached verifier is dropped), and an integration that is
// not a custom source is 404.
func TestCustomWebhookRotationAndProviders(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, nil)
	require.Equal(t, http.StatusOK, f.push(t, f.id, f.secret, "r1", time.Now(), customBody).Code)
	rec := f.api(t, http.MethodPost, "/api/v1/integrations/"+f.id+"/rotate-secret", "")
	require.Equal(t, http.StatusOK, rec.Code)
	var rotated struct {
		WebhookSecret string `json:"webhook_secret"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rotated))
	require.Equal(t, http.StatusUnauthorized, f.push(t, f.id, f.secret, "r2", time.Now(), customBody).Code, "old secret")
	require.Equal(t, http.StatusOK, f.push(t, f.id, rotated.WebhookSecret, "r3", time.Now(), customBody).Code, "new secret")

	rec = f.api(t, http.MethodPut, "/api/v1/integrations/"+f.id, `{"name":"form","status":"disabled"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusConflict, f.push(t, f.id, rotated.WebhookSecret, "r4", time.Now(), customBody).Code, "disabled")

	imap := &store.Integration{TenantID: "tenant-c", Provider: "imap", Name: "box"}
	require.NoError(t, f.app.store.CreateIntegration(context.Background(), imap, connectorCreds()))
	require.Equal(t, http.StatusNotFound, f.push(t, imap.ID, f.secret, "r5", time.Now(), customBody).Code)
	require.Equal(t, http.StatusNotFound, f.push(t, "not-an-id", f.secret, "r6", time.Now(), customBody).Code)
}

// TestCustomWebhookVersionRace: a commit by another replica (which
// moves the integration's sync version under this process's
// remembered one) costs a retry, not a failed delivery.
func TestCustomWebhookVersionRace(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, nil)
	ctx := context.Background()
	require.Equal(t, http.StatusOK, f.push(t, f.id, f.secret, "v1", time.Now(), customBody).Code)
	st, err := f.app.store.SyncState(ctx, "tenant-c", f.id)
	require.NoError(t, err)
	_, err = f.app.store.CommitSync(ctx, &store.SyncCommit{TenantID: "tenant-c", IntegrationID: f.id, Version: st.Version, Cursor: "elsewhere"})
	require.NoError(t, err)
	rec := f.push(t, f.id, f.secret, "v2", time.Now(), `{"from":{"email":"c@example.org"},"text":"after the race"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, int64(2), f.messages(t))
}

// TestCustomWebhookConversationMessage: a conversation.message body is
// stored as an inbound message of the conversation's thread, with its
// message.received event; a redelivery of its event_id under another
// webhook-id stores and announces nothing new.
func TestCustomWebhookConversationMessage(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, nil)
	body := `{"type":"conversation.message","conversation_id":"ticket-7","event_id":"evt-1",` +
		`"author":{"name":"Ann","email":"ann@example.org"},"subject":"Broken order","text":"It arrived broken.",` +
		`"created_at":"2026-03-04T05:06:07+01:00","attachments":[{"filename":"photo.jpg","content_type":"image/jpeg","size":2048}]}`
	rec := f.push(t, f.id, f.secret, "c1", time.Now(), body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out custom.Result
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.False(t, out.Duplicate)
	require.Equal(t, "event:evt-1", out.ProviderID)

	m, err := f.app.store.GetMessage(context.Background(), "tenant-c", f.id, out.ID)
	require.NoError(t, err)
	require.Equal(t, "ticket-7", m.ThreadID)
	require.Equal(t, "ann@example.org", m.From[0].Email)
	require.Equal(t, "Ann", m.From[0].Name)
	require.Equal(t, "Broken order", m.Subject)
	require.Equal(t, "It arrived broken.", m.Text)
	require.True(t, m.Date.Equal(time.Date(2026, 3, 4, 4, 6, 7, 0, time.UTC)), "date %s", m.Date)
	require.Len(t, m.Attachments, 1)
	require.Equal(t, "photo.jpg", m.Attachments[0].Filename)

	rec = f.push(t, f.id, f.secret, "c2", time.Now(), body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.True(t, out.Duplicate)
	require.Equal(t, m.ID, out.ID)
	require.Equal(t, int64(1), f.messages(t))
	events := f.events(t)
	require.Len(t, events, 1)
	require.Equal(t, syncrun.EventMessageReceived, events[0].Type)
	require.Contains(t, string(events[0].Payload), `"thread_id":"ticket-7"`)
}
