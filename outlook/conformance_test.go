package outlook

import (
	"context"
	"testing"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// The conformance suite against the fake Graph: delivery is an insert
// into the inbox, deletion a hard delete, a reset expires every delta
// token (410 syncStateNotFound).
func TestConformance(t *testing.T) {
	t.Parallel()
	connectortest.Run(t, func(t *testing.T) *connectortest.Env {
		f := newFixture(t, outlooktest.Options{}, nil)
		return &connectortest.Env{
			Connector: f.c,
			BatchSize: f.cfg.BatchSize,
			Deliver: func(_ context.Context, raw []byte) error {
				_, err := f.mb.Insert(raw, outlooktest.Inbox)
				return err
			},
			Delete: func(_ context.Context, messageID string) error {
				return f.mb.DeleteByMessageID(messageID)
			},
			Reset: func(context.Context) error {
				f.mb.ExpireDeltaTokens()
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
