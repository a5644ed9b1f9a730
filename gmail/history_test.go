package gmail

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// A history record that gives a message without its labels makes the
// message be fetched, and reported only if it is in scope; a reported
// message's label changes are dropped (it carries its current labels),
// another's kept.
func TestHistoryRecordWithoutLabels(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	inbox := f.insert(t, "inbox", 1)[0]
	sent := f.insert(t, "sent", 1, "SENT")[0]
	other := f.insert(t, "other", 1)[0]
	b := newHistoryBatch(f.c)
	b.add(&gmailapi.History{Id: 10, LabelsAdded: []*gmailapi.HistoryLabelAdded{{
		Message: &gmailapi.Message{Id: inbox, LabelIds: []string{"INBOX", "STARRED"}}, LabelIds: []string{"STARRED"},
	}, {
		Message: &gmailapi.Message{Id: other, LabelIds: []string{"INBOX", "STARRED"}}, LabelIds: []string{"STARRED"},
	}}})
	b.add(&gmailapi.History{Id: 11, MessagesAdded: []*gmailapi.HistoryMessageAdded{
		{Message: &gmailapi.Message{Id: inbox}}, {Message: &gmailapi.Message{Id: sent}},
	}})
	var got *connector.Batch
	require.NoError(t, b.flush(context.Background(), "gmail1:h:11", func(_ context.Context, batch *connector.Batch) error {
		got = batch
		return nil
	}))
	require.Len(t, got.Messages, 1)
	require.Equal(t, inbox, got.Messages[0].ProviderID)
	require.Equal(t, []connector.Change{{
		Kind: connector.ChangeFlags, ProviderID: other, Labels: []string{"INBOX", "STARRED"}, Flags: []string{connector.FlagSeen, connector.FlagFlagged},
	}}, got.Changes)
	require.True(t, b.empty())
}
