package gmail

import (
	"context"
	"testing"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// The conformance suite against the fake Gmail server: delivery is
// messages.insert into INBOX, deletion messages.delete, a reset expires
// the mailbox's history (history.list answers 404).
func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, func(t *testing.T) *connectortest.Env {
		f := newFixture(t, gmailtest.Options{}, nil)
		return &connectortest.Env{
			Connector: f.c,
			BatchSize: f.cfg.BatchSize,
			Deliver: func(_ context.Context, raw []byte) error {
				_, err := f.mb.Insert(raw)
				return err
			},
			Delete: func(_ context.Context, messageID string) error {
				return f.mb.DeleteByMessageID(messageID)
			},
			Reset: func(context.Context) error {
				f.mb.ExpireHistory()
				return nil
			},
			Sent: func(context.Context) ([][]byte, error) { return f.mb.Sent(), nil },
			BadCredentials: func() connector.Connector {
				bad := f.cfg
				bad.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "not-a-token"})
				return newConnector(t, bad)
			},
		}
	})
}
