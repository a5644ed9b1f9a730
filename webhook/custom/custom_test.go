package custom_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/custom"
)

// TestDelivery: a verified delivery is stored as an inbound message
// with a message.received event, stored and published; a replay of its
// webhook-id is acknowledged without processing; a new delivery of the
// same message_id stores nothing new and names the stored message; a
// message without message_id is identified by its webhook-id.
func TestDelivery(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			f := newFixture(t, b.store, b.replay)
			rec := f.push(t, f.id, f.secret, "msg_1", time.Now(), customBody)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			var out custom.Result
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
			require.False(t, out.Duplicate)
			require.Equal(t, "message-id:m42@example.org", out.ProviderID)

			m, err := f.st.GetMessage(t.Context(), "acme", f.id, out.ID)
			require.NoError(t, err)
			require.Equal(t, "Order 42", m.Subject)
			require.Equal(t, "ann@example.org", m.From[0].Email)
			require.Equal(t, "Where is it?", m.Text)
			require.Equal(t, "a.pdf", m.Attachments[0].Filename)
			require.Equal(t, "1", m.Attachments[0].ID)
			require.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), m.Date.UTC())
			evs := f.events(t)
			require.Len(t, evs, 1)
			require.Equal(t, syncrun.EventMessageReceived, evs[0].Type)
			require.Equal(t, f.id, evs[0].IntegrationID)
			require.Equal(t, 1, f.pub.len())

			rec = f.push(t, f.id, f.secret, "msg_1", time.Now(), customBody)
			require.Equal(t, http.StatusNoContent, rec.Code, "a replayed webhook-id is acknowledged")
			rec = f.push(t, f.id, f.secret, "msg_2", time.Now(), customBody)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			var dup custom.Result
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &dup))
			require.True(t, dup.Duplicate)
			require.Equal(t, out.ID, dup.ID)
			require.Equal(t, int64(1), f.messages(t))
			require.Len(t, f.events(t), 1, "announced once")
			require.Equal(t, 1, f.pub.len())

			rec = f.push(t, f.id, f.secret, "msg_3", time.Now(), `{"from":{"email":"b@example.org"},"text":"hi"}`)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
			require.Equal(t, "webhook:msg_3", out.ProviderID)
			require.Equal(t, int64(2), f.messages(t))
		})
	}
}

// TestConversationMessage: a conversation.message body is stored as an
// inbound message of the conversation's thread; a redelivery of its
// event_id under another webhook-id stores and announces nothing new.
func TestConversationMessage(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	f := newFixture(t, b.store, b.replay)
	body := `{"type":"conversation.message","conversation_id":"ticket-7","event_id":"evt-1",` +
		`"author":{"name":"Ann","email":"ann@example.org"},"subject":"Broken order","text":"It arrived broken.",` +
		`"created_at":"2026-03-04T05:06:07+01:00","attachments":[{"filename":"photo.jpg","content_type":"image/jpeg","size":2048}]}`
	rec := f.push(t, f.id, f.secret, "c1", time.Now(), body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out custom.Result
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.Equal(t, "event:evt-1", out.ProviderID)
	m, err := f.st.GetMessage(t.Context(), "acme", f.id, out.ID)
	require.NoError(t, err)
	require.Equal(t, "ticket-7", m.ThreadID)
	require.Equal(t, "Ann", m.From[0].Name)
	require.True(t, m.Date.Equal(time.Date(2026, 3, 4, 4, 6, 7, 0, time.UTC)), "date %s", m.Date)

	rec = f.push(t, f.id, f.secret, "c2", time.Now(), body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	require.True(t, out.Duplicate)
	require.Equal(t, m.ID, out.ID)
	require.Equal(t, int64(1), f.messages(t))
	require.Len(t, f.events(t), 1)
}

// TestRefused: every bad delivery is refused with WriteResponse's
// status, its problem never echoes the secret, and nothing is stored.
func TestRefused(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	f := newFixture(t, b.store, b.replay)
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
		"missing signature": {401, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a5", now, customBody, func(r *http.Request) { r.Header.Del("webhook-signature") })
		}},
		"not JSON": {415, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a6", now, customBody, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") })
		}},
		"invalid message": {422, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a8", now, `{"from":{"email":"not an address"},"text":"x"}`)
		}},
		"unknown field": {400, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a9", now, `{"from":{"email":"a@example.org"},"text":"x","bogus":1}`)
		}},
		"empty body": {400, func() *httptest.ResponseRecorder { return f.push(t, f.id, f.secret, "a15", now, " ") }},
		"unknown type": {422, func() *httptest.ResponseRecorder {
			return f.push(t, f.id, f.secret, "a11", now, `{"type":"note","from":{"email":"a@example.org"},"text":"x"}`)
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

// TestIngestErrors: Ingest, for deployments that verify deliveries
// themselves, reports typed errors: field by field for an invalid
// message, the decoder's complaint for a malformed body, ErrDisabled
// for a disabled source.
func TestIngestErrors(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	f := newFixture(t, b.store, b.replay)
	in, err := f.st.FindIntegration(t.Context(), f.id)
	require.NoError(t, err)

	_, err = f.sources.Ingest(t.Context(), in, "d1", []byte(`{"from":{"email":"x"},"to":[{"email":"ok@example.org"},{"email":"bad"}],"attachments":[{"size":-1}]}`))
	var ve *connector.ValidationError
	require.ErrorAs(t, err, &ve)
	var fields []string
	for _, fe := range ve.Fields {
		fields = append(fields, fe.Field)
	}
	require.Equal(t, []string{"from.email", "to[1].email", "text", "attachments[0].size"}, fields)

	_, err = f.sources.Ingest(t.Context(), in, "d2", []byte(`{"text":1}`))
	var de *custom.DecodeError
	require.ErrorAs(t, err, &de)
	_, err = f.sources.Ingest(t.Context(), in, "d3", nil)
	require.ErrorIs(t, err, custom.ErrEmptyBody)

	res, err := f.sources.Ingest(t.Context(), in, "d4", []byte(`{"from":{"email":"ann@example.org"},"subject":"Hi\r\nBcc: x@example.org"}`))
	require.NoError(t, err)
	m, err := f.st.GetMessage(t.Context(), "acme", f.id, res.ID)
	require.NoError(t, err)
	require.NotContains(t, m.Subject, "\n", "sanitized as mail is")

	disabled := *in
	disabled.Status = store.StatusDisabled
	_, err = f.sources.Ingest(t.Context(), &disabled, "d5", []byte(customBody))
	require.ErrorIs(t, err, custom.ErrDisabled)
	require.Equal(t, int64(1), f.messages(t))
}

// TestSourceLookup: an unknown id, another provider's integration and a
// malformed id are store.ErrNotFound; a source is cached until Forget,
// so that a rotated secret takes effect at once.
func TestSourceLookup(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	f := newFixture(t, b.store, b.replay)
	ctx := t.Context()
	_, err := f.sources.Source(ctx, "00000000-0000-4000-8000-000000000000")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = f.sources.Source(ctx, "not-an-id")
	require.ErrorIs(t, err, store.ErrNotFound)
	imap := &store.Integration{TenantID: "acme", Provider: "imap", Name: "box"}
	require.NoError(t, f.st.CreateIntegration(ctx, imap, connector.Credentials{Password: "p"}))
	_, err = f.sources.Source(ctx, imap.ID)
	require.ErrorIs(t, err, store.ErrNotFound)

	src, err := f.sources.Source(ctx, f.id)
	require.NoError(t, err)
	require.Equal(t, f.id, src.Integration().ID)
	require.Equal(t, http.StatusOK, f.push(t, f.id, f.secret, "r1", time.Now(), customBody).Code)

	rotated := webhook.GenerateSecret().Encode()
	require.NoError(t, f.st.SetCredentials(ctx, "acme", f.id, connector.Credentials{AppSecret: rotated}))
	require.Equal(t, http.StatusUnauthorized, f.push(t, f.id, rotated, "r2", time.Now(), customBody).Code, "cached until forgotten")
	f.sources.Forget(f.id)
	require.Equal(t, http.StatusUnauthorized, f.push(t, f.id, f.secret, "r3", time.Now(), customBody).Code, "old secret")
	require.Equal(t, http.StatusOK, f.push(t, f.id, rotated, "r4", time.Now(), customBody).Code, "new secret")
}

// TestVersionRace: a commit by another process (which moves the
// source's sync version under the one remembered) costs a retry, not a
// failed delivery.
func TestVersionRace(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			f := newFixture(t, b.store, b.replay)
			ctx := t.Context()
			require.Equal(t, http.StatusOK, f.push(t, f.id, f.secret, "v1", time.Now(), customBody).Code)
			st, err := f.st.SyncState(ctx, "acme", f.id)
			require.NoError(t, err)
			_, err = f.st.CommitSync(ctx, &store.SyncCommit{TenantID: "acme", IntegrationID: f.id, Version: st.Version, Cursor: "elsewhere"})
			require.NoError(t, err)
			rec := f.push(t, f.id, f.secret, "v2", time.Now(), `{"from":{"email":"c@example.org"},"text":"after the race"}`)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, int64(2), f.messages(t))
		})
	}
}

// TestRespond: Options.Respond writes every answer.
func TestRespond(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	var answered []error
	f := newFixture(t, b.store, b.replay, func(o *custom.Options) {
		o.Respond = func(w http.ResponseWriter, _ *http.Request, res *custom.Result, err error) {
			answered = append(answered, err)
			if err != nil {
				w.WriteHeader(http.StatusTeapot)
				return
			}
			w.WriteHeader(http.StatusCreated)
		}
	})
	require.Equal(t, http.StatusCreated, f.push(t, f.id, f.secret, "x1", time.Now(), customBody).Code)
	require.Equal(t, http.StatusTeapot, f.push(t, f.id, f.secret, "x2", time.Now(), `{}`).Code)
	require.Len(t, answered, 2)
	require.NoError(t, answered[0])
	var ve *connector.ValidationError
	require.True(t, errors.As(answered[1], &ve))
}

// TestOptions: New reports every invalid option at once, each by name.
func TestOptions(t *testing.T) {
	t.Parallel()
	_, err := custom.New(nil, custom.Options{MaxBodyBytes: -1})
	require.ErrorIs(t, err, custom.ErrInvalid)
	require.ErrorContains(t, err, "nil store")
	require.ErrorContains(t, err, "Options.MaxBodyBytes")
}
