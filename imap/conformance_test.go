package imap

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

// The conformance suite on go-imap's in-memory server, once with the
// extensions the connector uses when it can (ESEARCH, BINARY) and once
// with bare IMAP4rev1 (SEARCH, BODY.PEEK[] for attachments). The
// in-memory server has no CONDSTORE; the Dovecot suite covers it.
func TestConformanceMemServer(t *testing.T) {
	t.Parallel()
	for name, caps := range map[string][]imap.Cap{
		"extensions": {imap.CapESearch, imap.CapBinary, imap.CapUIDPlus},
		"imap4rev1":  {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			connectortest.Run(t, func(t *testing.T) *connectortest.Env {
				srv := newMemServer(t, memOptions{caps: caps})
				adm := srv.admin()
				const folder = "Support"
				adm.create(folder)
				adm.create("Sent")
				sender := &recordingSender{}
				cfg := srv.config(folder)
				cfg.Sender = sender
				cfg.SentFolder = "Sent"
				cfg.BatchSize = 4
				env := &connectortest.Env{
					Connector: newConnector(t, cfg),
					BatchSize: cfg.BatchSize,
					Deliver: func(_ context.Context, raw []byte) error {
						_, err := appendRaw(adm.c, folder, raw)
						return err
					},
					Delete: func(_ context.Context, messageID string) error {
						uid, err := adm.uidOf(folder, messageID)
						if err != nil {
							return err
						}
						adm.expunge(folder, uid)
						return nil
					},
					Reset: func(context.Context) error {
						adm.recreate(folder)
						return nil
					},
					Sent: sender.Sent,
					BadCredentials: func() connector.Connector {
						bad := cfg
						bad.Password = "wrong"
						return newConnector(t, bad)
					},
				}
				return env
			})
		})
	}
}

func TestExpungeIsReportedByProviderRef(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Support")
	c := newConnector(t, srv.config("Support"))
	uid := adm.appendMsg("Support", testMessage("a"))
	first := syncAll(t, c, "")
	require.Len(t, first.messages, 1)
	adm.expunge("Support", uid)
	second := syncAll(t, c, first.cursor)
	require.Equal(t, []connector.Change{{Kind: connector.ChangeDeleted, ProviderRef: first.messages[0].ProviderRef, Reason: "expunged"}}, second.changes,
		"the connector itself reports an expunge by ProviderRef alone")
}
