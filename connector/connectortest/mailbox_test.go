package connectortest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

// The suite runs against the in-memory mailbox: the reference every real
// connector is held to.
func TestMailboxConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, func(t *testing.T) *connectortest.Env {
		mb := connectortest.NewMailbox(connectortest.MailboxOptions{BatchSize: 4, Password: "right"})
		return &connectortest.Env{
			Connector: mb.Connect(connector.Credentials{Password: "right"}),
			BatchSize: 4,
			Deliver: func(_ context.Context, raw []byte) error {
				_, err := mb.Deliver(raw)
				return err
			},
			Delete: func(_ context.Context, messageID string) error { return mb.DeleteByMessageID(messageID) },
			Reset:  func(context.Context) error { mb.Reset(); return nil },
			Sent:   func(context.Context) ([][]byte, error) { return mb.Sent(), nil },
			BadCredentials: func() connector.Connector {
				return mb.Connect(connector.Credentials{Password: "wrong"})
			},
		}
	})
}

func TestMailboxFlagsAndFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mb := connectortest.NewMailbox(connectortest.MailboxOptions{})
	c := mb.Connect(connector.Credentials{})
	id, err := mb.Deliver(connectortest.NewTestMessage("x", 1).Raw())
	require.NoError(t, err)

	var cur connector.Cursor
	require.NoError(t, c.Sync(ctx, "", func(_ context.Context, b *connector.Batch) error { cur = b.Cursor; return nil }))
	require.NoError(t, mb.SetFlags(id, connector.FlagSeen, connector.FlagFlagged))
	var changes []connector.Change
	require.NoError(t, c.Sync(ctx, cur, func(_ context.Context, b *connector.Batch) error {
		changes = append(changes, b.Changes...)
		return nil
	}))
	require.Equal(t, []connector.Change{{Kind: connector.ChangeFlags, ProviderID: id, Flags: []string{connector.FlagSeen, connector.FlagFlagged}}}, changes)
	require.ErrorIs(t, mb.SetFlags("nope"), connector.ErrNotFound)
	require.ErrorIs(t, mb.Delete("nope"), connector.ErrNotFound)

	injected := connector.TemporaryError("memory: sync", errors.New("connection reset"))
	mb.FailNext(injected)
	require.ErrorIs(t, c.Test(ctx), connector.ErrTemporary)
	require.NoError(t, c.Test(ctx), "FailNext fails one call only")
	require.Equal(t, 1, mb.Len())
}
