package connectortest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// deliver puts test messages from..to-1 into the mailbox.
func (s *suite) deliver(t *testing.T, from, to int) []TestMessage {
	t.Helper()
	var out []TestMessage
	for n := from; n < to; n++ {
		m := NewTestMessage(s.run, n)
		require.NoError(t, s.Deliver(s.ctx, m.Raw()), "deliver message %d", n)
		out = append(out, m)
	}
	return out
}

// syncResult is everything one Sync handed out.
type syncResult struct {
	batches  []*connector.Batch
	messages []*connector.Message
	changes  []connector.Change
	cursor   connector.Cursor // the last batch's, or the cursor synced from
}

func (r *syncResult) messageIDs() []string {
	ids := make([]string, len(r.messages))
	for i, m := range r.messages {
		ids[i] = m.MessageID
	}
	return ids
}

func (r *syncResult) byMessageID(id string) *connector.Message {
	for _, m := range r.messages {
		if m.MessageID == id {
			return m
		}
	}
	return nil
}

func (s *suite) sync(t *testing.T, from connector.Cursor) *syncResult {
	t.Helper()
	r := &syncResult{cursor: from}
	err := s.Connector.Sync(s.ctx, from, func(_ context.Context, b *connector.Batch) error {
		require.False(t, b.Cursor.IsZero(), "a batch must carry a cursor")
		r.batches = append(r.batches, b)
		r.messages = append(r.messages, b.Messages...)
		r.changes = append(r.changes, b.Changes...)
		r.cursor = b.Cursor
		return nil
	})
	require.NoError(t, err)
	return r
}

func ids(ms []TestMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.MessageID
	}
	return out
}

// requireSameSet checks that got holds exactly the ids in want, each
// at least once, and nothing else.
func requireSameSet(t *testing.T, want, got []string, what string) {
	t.Helper()
	w := slices.Clone(want)
	slices.Sort(w)
	g := slices.Compact(slices.Sorted(slices.Values(got)))
	require.Equal(t, w, g, what)
}

func checkTest(t *testing.T, s *suite) {
	require.NoError(t, s.Connector.Test(s.ctx))
	require.NotEmpty(t, s.Connector.Provider())
}

func checkBadCredentials(t *testing.T, s *suite) {
	if s.BadCredentials == nil {
		t.Skip("Env.BadCredentials not set")
	}
	bad := s.BadCredentials()
	require.ErrorIs(t, bad.Test(s.ctx), connector.ErrAuth)
	err := bad.Sync(s.ctx, "", func(context.Context, *connector.Batch) error {
		t.Error("a connector with rejected credentials handed out a batch")
		return nil
	})
	require.ErrorIs(t, err, connector.ErrAuth)
}

func checkInitialSync(t *testing.T, s *suite) {
	sent := s.deliver(t, 0, 2*s.BatchSize+3)
	r := s.sync(t, "")
	requireSameSet(t, ids(sent), r.messageIDs(), "an initial sync must report every message")
	require.GreaterOrEqual(t, len(r.batches), 3, "%d messages with BatchSize %d must come in several batches", len(sent), s.BatchSize)
	for _, b := range r.batches {
		require.LessOrEqual(t, len(b.Messages), s.BatchSize, "a batch holds more messages than Env.BatchSize")
	}
	providerIDs := map[string]string{}
	for _, m := range r.messages {
		require.NotEmpty(t, m.ProviderID, "message %s has no provider id", m.MessageID)
		if prev, ok := providerIDs[m.MessageID]; ok {
			require.Equal(t, prev, m.ProviderID, "one message, two provider ids")
		}
		for mid, pid := range providerIDs {
			if mid != m.MessageID {
				require.NotEqual(t, pid, m.ProviderID, "two messages share a provider id")
			}
		}
		providerIDs[m.MessageID] = m.ProviderID
	}
}

func checkFields(t *testing.T, s *suite) {
	sent := s.deliver(t, 0, 4) // 2 is a reply; 3 has HTML and an attachment
	r := s.sync(t, "")
	for _, want := range sent {
		got := r.byMessageID(want.MessageID)
		require.NotNil(t, got, "message %s not synced", want.MessageID)
		require.Equal(t, want.Subject, got.Subject)
		require.Equal(t, []connector.Address{{Name: want.FromName, Email: want.From}}, got.From)
		require.Equal(t, []connector.Address{{Name: "Support", Email: want.To}}, got.To)
		require.True(t, want.Date.Equal(got.Date), "date: want %v, got %v", want.Date, got.Date)
		require.Equal(t, normalizeNewlines(want.Text), normalizeNewlines(got.Text))
		if want.InReplyTo != "" {
			require.Equal(t, []string{want.InReplyTo}, got.InReplyTo)
			require.Equal(t, want.References, got.References)
		} else {
			require.Empty(t, got.InReplyTo)
			require.Empty(t, got.References)
		}
		if want.HTML != "" {
			require.Equal(t, want.HTML, got.HTML)
		}
		if want.Attachment != nil {
			require.Len(t, got.Attachments, 1)
			a := got.Attachments[0]
			require.NotEmpty(t, a.ID)
			require.Equal(t, want.Filename, a.Filename)
			require.Equal(t, want.ContentType, a.ContentType)
			if a.Size != 0 {
				require.EqualValues(t, len(want.Attachment), a.Size)
			}
			if a.Content != nil {
				require.Equal(t, want.Attachment, a.Content)
			}
		} else {
			require.Empty(t, got.Attachments)
		}
		require.Positive(t, got.Size, "Size")
	}
}

func normalizeNewlines(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			continue
		}
		out = append(out, s[i])
	}
	return string(slices.Clip(out))
}

func checkIncremental(t *testing.T, s *suite) {
	s.deliver(t, 0, 5)
	first := s.sync(t, "")
	require.Len(t, slices.Compact(slices.Sorted(slices.Values(first.messageIDs()))), 5)
	more := s.deliver(t, 5, 8)
	second := s.sync(t, first.cursor)
	requireSameSet(t, ids(more), second.messageIDs(), "an incremental sync must report the new messages and only them")
	third := s.sync(t, second.cursor)
	require.Empty(t, third.messages, "nothing was delivered since the last cursor")
}

func checkNothingNew(t *testing.T, s *suite) {
	empty := s.sync(t, "")
	require.Empty(t, empty.messages)
	s.deliver(t, 0, 2)
	r := s.sync(t, empty.cursor)
	require.Len(t, r.messages, 2, "messages delivered after a sync of an empty mailbox")
	again := s.sync(t, r.cursor)
	require.Empty(t, again.messages)
}

var errStop = errors.New("connectortest: handler stopped on purpose")

func checkResume(t *testing.T, s *suite) {
	sent := s.deliver(t, 0, 2*s.BatchSize+2)
	var committed *connector.Batch
	err := s.Connector.Sync(s.ctx, "", func(_ context.Context, b *connector.Batch) error {
		if committed != nil {
			return errStop // the "crash": this batch is never committed
		}
		committed = b
		return nil
	})
	require.ErrorIs(t, err, errStop)
	require.NotNil(t, committed)
	var first []string
	for _, m := range committed.Messages {
		first = append(first, m.MessageID)
	}
	require.NotEmpty(t, first)

	rest := s.sync(t, committed.Cursor)
	for _, id := range rest.messageIDs() {
		require.NotContains(t, first, id, "a resumed sync repeated a committed batch's message")
	}
	requireSameSet(t, ids(sent), append(first, rest.messageIDs()...), "the committed batch and the resumed sync together must cover every message")
}

func checkHandlerErrorStops(t *testing.T, s *suite) {
	s.deliver(t, 0, 2*s.BatchSize+1)
	calls := 0
	err := s.Connector.Sync(s.ctx, "", func(context.Context, *connector.Batch) error {
		calls++
		return errStop
	})
	require.ErrorIs(t, err, errStop)
	require.Equal(t, 1, calls, "Sync went on after the handler failed")
}

func checkCancelled(t *testing.T, s *suite) {
	s.deliver(t, 0, 2)
	ctx, cancel := context.WithCancel(s.ctx)
	cancel()
	start := time.Now()
	err := s.Connector.Sync(ctx, "", func(context.Context, *connector.Batch) error {
		t.Error("a sync with a cancelled context handed out a batch")
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 10*time.Second, "Sync must return promptly when cancelled")
}

func checkDeletion(t *testing.T, s *suite) {
	if s.Delete == nil {
		t.Skip("Env.Delete not set")
	}
	sent := s.deliver(t, 0, 3)
	r := s.sync(t, "")
	victim := r.byMessageID(sent[1].MessageID)
	require.NotNil(t, victim)
	require.NoError(t, s.Delete(s.ctx, sent[1].MessageID))
	after := s.sync(t, r.cursor)
	require.Empty(t, after.messages)
	// A deletion names the message by ProviderID, or, when the provider
	// no longer knows the id (an IMAP expunge reports a UID only), by the
	// ProviderRef it was last reported with (see connector.Change).
	var deleted []string
	for _, c := range after.changes {
		if c.Kind != connector.ChangeDeleted {
			continue
		}
		switch {
		case c.ProviderID != "":
			deleted = append(deleted, c.ProviderID)
		case c.ProviderRef != "" && c.ProviderRef == victim.ProviderRef:
			deleted = append(deleted, victim.ProviderID)
		default:
			deleted = append(deleted, "ref:"+c.ProviderRef)
		}
	}
	require.Equal(t, []string{victim.ProviderID}, slices.Compact(deleted),
		"the deletion must be reported by provider id, or by the provider ref the message was reported with")
}

func checkResync(t *testing.T, s *suite) {
	if s.Reset == nil {
		t.Skip("Env.Reset not set")
	}
	sent := s.deliver(t, 0, 3)
	r := s.sync(t, "")
	require.NoError(t, s.Reset(s.ctx))
	again := s.sync(t, r.cursor)
	require.NotEmpty(t, again.batches)
	first := again.batches[0]
	require.True(t, slices.ContainsFunc(first.Changes, func(c connector.Change) bool { return c.Kind == connector.ChangeResync }),
		"the first batch after an unusable cursor must carry a ChangeResync")
	requireSameSet(t, ids(sent), again.messageIDs(), "a resync reports every message again")
	after := s.sync(t, again.cursor)
	require.Empty(t, after.messages)
}
