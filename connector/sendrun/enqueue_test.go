package sendrun_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/store"
)

// TestEnqueueIdempotent: a key stores one entry and one job; the same
// key with the same request returns that entry and enqueues nothing
// more; with another request it is a conflict; a fingerprint of the
// caller's (an HTTP body) decides instead of the message.
func TestEnqueueIdempotent(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, newBackend(t), nil)
			ctx := t.Context()
			e := f.enqueue(t, "order-1", 1)
			require.Equal(t, store.OutboxPending, e.Status)
			require.True(t, strings.HasSuffix(e.Message.MessageID, "@example.com"), e.Message.MessageID)
			require.EqualValues(t, 1, f.pending(t))

			again, created, err := f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "order-1", Message: message(1)})
			require.NoError(t, err)
			require.False(t, created)
			require.Equal(t, e.ID, again.ID)
			require.Equal(t, e.Message.MessageID, again.Message.MessageID, "the Message-ID is fixed when stored")
			require.EqualValues(t, 1, f.pending(t), "one job per entry")

			_, _, err = f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "order-1", Message: message(2)})
			require.ErrorIs(t, err, store.ErrIdempotencyConflict)

			fp := sendrun.Fingerprint(f.in.ID, map[string]string{"body": "as the client sent it"})
			first, created, err := f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "order-2", Fingerprint: fp, Message: message(3)})
			require.NoError(t, err)
			require.True(t, created)
			second, created, err := f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "order-2", Fingerprint: fp, Message: message(3)})
			require.NoError(t, err)
			require.False(t, created)
			require.Equal(t, first.ID, second.ID)
			require.EqualValues(t, 2, f.pending(t))

			_, _, err = f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: "00000000-0000-4000-8000-000000000000", IdempotencyKey: "order-3", Message: message(4)})
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
}

// TestEnqueueRefusesBadKeys: a key that cannot be one is a *KeyError
// that says why, and nothing is stored or enqueued.
func TestEnqueueRefusesBadKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t, backends()["memory"](t), nil)
	for key, reason := range map[string]string{
		"":                       "is required",
		strings.Repeat("k", 256): "must be at most 255 characters",
		"with space":             "must be printable ASCII without spaces",
		"naïve":                  "must be printable ASCII without spaces",
	} {
		_, _, err := f.r.Enqueue(t.Context(), &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: key, Message: message(1)})
		var ke *sendrun.KeyError
		require.True(t, errors.As(err, &ke), "%q: %v", key, err)
		require.Equal(t, reason, ke.Reason)
	}
	require.NoError(t, sendrun.CheckIdempotencyKey(strings.Repeat("k", 255)))
	require.Zero(t, f.pending(t))
}

// TestReplyTo: a reply takes the threading of the stored message it
// answers; an id that is no message of the integration is
// ErrNotAMessage.
func TestReplyTo(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	f := newFixture(t, b, nil)
	ctx := t.Context()
	st, err := b.store.SyncState(ctx, "acme", f.in.ID)
	require.NoError(t, err)
	res, err := b.store.CommitSync(ctx, &store.SyncCommit{
		TenantID: "acme", IntegrationID: f.in.ID, Version: st.Version, Cursor: "c1",
		Messages: []*connector.Message{{
			ProviderID: "p1", MessageID: "q1@example.org", References: []string{"q0@example.org"},
			ThreadID: "t1", Subject: "Where is my order?", From: []connector.Address{{Email: "ann@example.org"}},
		}},
	})
	require.NoError(t, err)
	msg := message(1)
	msg.Subject = ""
	require.NoError(t, f.r.ReplyTo(ctx, "acme", f.in.ID, res.Inserted[0].ID, &msg))
	require.Equal(t, "q1@example.org", msg.InReplyTo)
	require.Equal(t, []string{"q0@example.org", "q1@example.org"}, msg.References)
	require.Equal(t, "t1", msg.ThreadID)
	require.Equal(t, "p1", msg.ReplyToProviderID)
	require.Equal(t, "Re: Where is my order?", msg.Subject)

	require.ErrorIs(t, f.r.ReplyTo(ctx, "acme", f.in.ID, "00000000-0000-4000-8000-000000000000", &msg), sendrun.ErrNotAMessage)
	require.ErrorIs(t, f.r.ReplyTo(ctx, "acme", f.in.ID, "not an id", &msg), sendrun.ErrNotAMessage)
}

// TestOptions: New reports every invalid option at once, each by name.
func TestOptions(t *testing.T) {
	t.Parallel()
	_, err := sendrun.New(nil, nil, sendrun.Options{MaxAttempts: -1})
	require.ErrorIs(t, err, sendrun.ErrInvalid)
	for _, name := range []string{"nil store", "nil broker", "Options.Connect", "Options.MaxAttempts"} {
		require.ErrorContains(t, err, name)
	}
}
