package pushwatch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/pushwatch"
)

// TestGmailPush: a push names a mailbox, whatever its case: every
// integration of it with a watch, in every tenant, gets a sync; one of
// another provider or another mailbox does not; a push for no watched
// mailbox triggers nothing and is no error.
func TestGmailPush(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b *backend) {
		e := newEnv(t, b, pushwatch.Options{})
		acme := e.integration(t, "acme", "gmail", "Support@Shared.example")
		globex := e.integration(t, "globex", "gmail", "support@shared.example")
		other := e.integration(t, "acme", "gmail", "sales@shared.example")
		graph := e.integration(t, "acme", "outlook", "support@shared.example")
		e.m.Start(t.Context(), acme)
		e.m.Start(t.Context(), globex)
		e.m.Start(t.Context(), other)
		e.m.Start(t.Context(), graph)

		n, err := e.m.GmailPush(t.Context(), "SUPPORT@shared.example")
		require.NoError(t, err)
		require.Equal(t, 2, n)
		require.ElementsMatch(t, []string{"acme/" + acme.ID, "globex/" + globex.ID}, e.tr.got())

		for _, addr := range []string{"nobody@shared.example", ""} {
			n, err = e.m.GmailPush(t.Context(), addr)
			require.NoError(t, err)
			require.Zero(t, n)
		}
		require.Len(t, e.tr.got(), 2)
	})
}
