package pushwatch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/pushwatch"
)

// TestNewChecksOptions: New reports every option it cannot run with,
// each by its field's name, and accepts the zero values of the others.
func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	_, err := pushwatch.New(nil, nil, pushwatch.Options{
		GraphNotificationURL: "/webhooks/microsoft", RenewBefore: -1, MaxAttempts: -1,
	})
	require.ErrorIs(t, err, pushwatch.ErrInvalid)
	for _, want := range []string{"nil store", "nil broker", "Options.Connect", "Options.Trigger", "Options.Failures",
		"Options.GraphNotificationURL", "Options.RenewBefore", "Options.MaxAttempts"} {
		require.ErrorContains(t, err, want)
	}
	_, err = pushwatch.New(nil, nil, pushwatch.Options{GraphLifecycleURL: "https://example.com/lifecycle"})
	require.ErrorContains(t, err, "Options.GraphLifecycleURL needs Options.GraphNotificationURL")
	_, err = pushwatch.New(nil, nil, pushwatch.Options{GraphNotificationURL: "https://example.com/n", GraphLifecycleURL: "ftp://example.com/l"})
	require.ErrorContains(t, err, "Options.GraphLifecycleURL")
	require.NotContains(t, err.Error(), "Options.GraphNotificationURL \"")

	b := backends()["memory"](t)
	p := newProvider(newClock().now)
	tr := &triggers{}
	m, err := pushwatch.New(b.store, b.broker, pushwatch.Options{Connect: p.connect, Trigger: tr.trigger, Failures: nopFailures{}})
	require.NoError(t, err)
	require.NotNil(t, m)
}
