package syncrun_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
)

// TestNewChecksOptions: New reports every option it cannot run with,
// each by its field's name, and accepts the zero values of the others.
func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	_, err := syncrun.New(nil, nil, syncrun.Options{Providers: []string{"imap", ""}, MaxAttempts: -1})
	require.ErrorIs(t, err, syncrun.ErrInvalid)
	for _, want := range []string{"nil store", "nil broker", "Options.Connect", "Options.Providers", "Options.MaxAttempts"} {
		require.ErrorContains(t, err, want)
	}

	b := backends()["memory"](t)
	mbs := newMailboxes(connectortest.MailboxOptions{})
	r, err := syncrun.New(b.store, b.broker, syncrun.Options{Connect: mbs.connect})
	require.NoError(t, err)
	require.NotNil(t, r)
}
