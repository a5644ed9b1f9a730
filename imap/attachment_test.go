package imap

import (
	"context"
	"io"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func TestFetchAttachment(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.4\x00\x01\x02\xff binary content that is not text")
	for name, caps := range map[string][]imap.Cap{"BINARY": {imap.CapBinary, imap.CapESearch}, "BODY.PEEK": {}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := newMemServer(t, memOptions{caps: caps})
			adm := srv.admin()
			adm.appendMsg("INBOX", testMessage("before"))
			adm.appendMsg("INBOX", attachmentMessage("att", pdf))
			adm.appendMsg("INBOX", testMessage("after"))
			c := newConnector(t, srv.config())
			r := syncAll(t, c, "")
			m := r.byMessageID("att@example.test")
			require.NotNil(t, m)
			ids := map[string]string{}
			for _, a := range m.Attachments {
				ids[a.Filename] = a.ID
			}
			require.Equal(t, "2", ids["report.pdf"])
			require.Equal(t, "3.2", ids["data.csv"], "an attachment inside an attached message")

			read := func(id, part string) []byte {
				rc, err := c.FetchAttachment(ctx, id, part)
				require.NoError(t, err)
				defer func() { _ = rc.Close() }()
				b, err := io.ReadAll(rc)
				require.NoError(t, err)
				return b
			}
			for _, id := range []string{m.ProviderRef, m.ProviderID} {
				require.Equal(t, pdf, read(id, "2"))
				require.Equal(t, "a,b,c\r\n1,2,3=4", string(read(id, "3.2")))
			}

			for _, part := range []string{"9", "2.1", "0", "x", "", "1.0", "02"} {
				_, err := c.FetchAttachment(ctx, m.ProviderRef, part)
				require.ErrorIs(t, err, connector.ErrNotFound, "part %q", part)
			}
			_, err := c.FetchAttachment(ctx, "INBOX/AAAAAAAAAAAAAAAAAAAAAA", "2")
			require.ErrorIs(t, err, connector.ErrNotFound)
			_, err = c.FetchAttachment(ctx, "nonsense", "2")
			require.ErrorIs(t, err, connector.ErrNotFound)

			// After renumbering, the ref is stale but the ProviderID works.
			adm.recreate("INBOX")
			_, err = c.FetchAttachment(ctx, m.ProviderRef, "2")
			require.ErrorIs(t, err, connector.ErrNotFound)
			require.ErrorContains(t, err, "renumbered")
			require.Equal(t, pdf, read(m.ProviderID, "2"))
		})
	}
}
