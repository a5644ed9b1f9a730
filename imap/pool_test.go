package imap

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func TestConnectionsAreLimitedAndReused(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	func() {
		adm := newAdmin(t, srv.addr, testUser, testPassword)
		deliverN(adm, "INBOX", "pool", 30)
		_ = adm.c.Logout().Wait()
	}()
	p := newProxy(t, srv.addr, nil)
	cfg := srv.config()
	cfg.Host, cfg.Port = splitAddr(t, p.addr())
	cfg.MaxConnections = 2
	cfg.BatchSize = 4
	c := newConnector(t, cfg)
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			n := 0
			err := c.Sync(ctx, "", func(context.Context, *connector.Batch) error { n++; return nil })
			require.NoError(t, err)
			require.Equal(t, 8, n)
		})
	}
	wg.Wait()
	require.LessOrEqual(t, int(p.count.Load()), 2, "at most MaxConnections connections")
	require.Equal(t, 2, c.Stats().Connections)

	before := p.count.Load()
	for range 5 {
		syncAll(t, c, "")
	}
	require.Equal(t, before, p.count.Load(), "pooled connections are reused")
}
