package connector_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	var r connector.Registry // the zero value is ready
	require.Empty(t, r.Providers())

	var got connector.Config
	factory := func(_ context.Context, cfg connector.Config) (connector.Connector, error) {
		got = cfg
		return connectortest.NewMailbox(connectortest.MailboxOptions{}).Connect(connector.Credentials{}), nil
	}
	require.NoError(t, r.Register("memory", factory))
	require.NoError(t, r.Register("another", factory))
	require.ErrorContains(t, r.Register("memory", factory), "already registered")
	require.ErrorContains(t, r.Register("", factory), "empty provider name")
	require.ErrorContains(t, r.Register("nil", nil), "nil factory")
	require.Equal(t, []string{"another", "memory"}, r.Providers())
	require.True(t, r.Has("memory"))
	require.False(t, r.Has("gmail"))

	c, err := r.New(context.Background(), connector.Config{Provider: "memory", IntegrationID: "int-1"})
	require.NoError(t, err)
	require.NotNil(t, c)
	require.Equal(t, "int-1", got.IntegrationID)
	require.NotNil(t, got.Logger, "New fills in a default logger")

	logger := slog.New(slog.DiscardHandler)
	_, err = r.New(context.Background(), connector.Config{Provider: "memory", Logger: logger})
	require.NoError(t, err)
	require.Same(t, logger, got.Logger)

	_, err = r.New(context.Background(), connector.Config{Provider: "gmail"})
	require.ErrorIs(t, err, connector.ErrUnknownProvider)
	require.ErrorContains(t, err, `"gmail"`)
}

func TestRegistriesAreIndependent(t *testing.T) {
	t.Parallel()
	var a, b connector.Registry
	require.NoError(t, a.Register("x", func(context.Context, connector.Config) (connector.Connector, error) { return nil, nil }))
	require.False(t, b.Has("x"))
}

func TestRegistryConcurrentUse(t *testing.T) {
	t.Parallel()
	var r connector.Registry
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			name := string(rune('a' + i))
			_ = r.Register(name, func(context.Context, connector.Config) (connector.Connector, error) {
				return connectortest.NewMailbox(connectortest.MailboxOptions{}).Connect(connector.Credentials{}), nil
			})
			_, _ = r.New(context.Background(), connector.Config{Provider: "a"})
			_ = r.Providers()
		})
	}
	wg.Wait()
	require.Len(t, r.Providers(), 20)
}
