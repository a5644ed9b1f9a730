package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/testenv"
)

// TestRunAgainstDovecot syncs the test user's INBOX, which is shared
// read-only data (nothing here writes to it), and checks the output against
// what the server itself reports: the first subjects in UID order, and the
// folder's message count.
func TestRunAgainstDovecot(t *testing.T) {
	t.Parallel()
	addr, user, password := testenv.IMAP(t)
	const folder, maxShown = "INBOX", 20

	// What the server says, read on a connection of the test's own that
	// selects the folder read-only.
	c, err := imapclient.DialInsecure(addr, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Login(user, password).Wait())
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(t, err)
	require.Positive(t, sel.NumMessages, "the test needs a non-empty %s", folder)
	shown := min(maxShown, int(sel.NumMessages))
	var first imap.SeqSet
	first.AddRange(1, uint32(shown))
	fetched, err := c.Fetch(first, &imap.FetchOptions{Envelope: true}).Collect()
	require.NoError(t, err)
	require.Len(t, fetched, shown)

	var out bytes.Buffer
	err = run(t.Context(), config{Addr: addr, User: user, Password: password, Folder: folder, Security: "none", Max: maxShown}, &out)
	require.NoError(t, err, out.String())

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, shown+1, "%d subjects and a count", shown)
	for i, m := range fetched {
		require.Equal(t, fmt.Sprintf("%5d  %s", i+1, m.Envelope.Subject), lines[i], "message %d", i+1)
	}
	require.Equal(t, fmt.Sprintf("%d messages in %s", sel.NumMessages, folder), lines[shown])
}

func TestRunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(t.Context(), config{Addr: "imap.example.com", User: "u", Folder: "INBOX"}, &out)
	require.ErrorContains(t, err, "-addr")

	// No user and no password: imap.New names both fields, and nothing
	// is dialled (the address would not answer).
	err = run(t.Context(), config{Addr: "127.0.0.1:1", Folder: "INBOX", Security: "none"}, &out)
	var ce *connector.ValidationError
	require.True(t, errors.As(err, &ce), "want a *connector.ValidationError, got %v", err)
	require.ErrorContains(t, err, "Username")
	require.Empty(t, out.String())
}
