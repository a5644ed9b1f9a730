package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

// storeCalls calls every method of store.Store that reaches the database,
// with arguments that pass validation, so that what fails is the
// database.
func storeCalls(st *postgres.Store) map[string]func(ctx context.Context) error {
	const tenant = "tenant-u"
	id := store.NewID()
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	event := func() *store.Event {
		return &store.Event{ID: store.NewID(), TenantID: tenant, IntegrationID: id, Type: "message.received", Payload: json.RawMessage(`{"tenant_id":"tenant-u"}`), Status: store.EventPending, CreatedAt: at}
	}
	creds := connector.Credentials{Username: "u", Password: "pw"}
	touch := func(*store.Integration) error { return nil }
	return map[string]func(ctx context.Context) error{
		"Ping": st.Ping,
		"CreateIntegration": func(ctx context.Context) error {
			return st.CreateIntegration(ctx, &store.Integration{TenantID: tenant, Provider: "imap", Name: "Support", Config: json.RawMessage(`{}`)}, creds)
		},
		"GetIntegration":  func(ctx context.Context) error { _, err := st.GetIntegration(ctx, tenant, id); return err },
		"FindIntegration": func(ctx context.Context) error { _, err := st.FindIntegration(ctx, id); return err },
		"ListIntegrations": func(ctx context.Context) error {
			_, err := st.ListIntegrations(ctx, tenant, store.ListIntegrationsOptions{})
			return err
		},
		"ScanIntegrations": func(ctx context.Context) error {
			_, err := st.ScanIntegrations(ctx, store.ListIntegrationsOptions{})
			return err
		},
		"CountIntegrations":       func(ctx context.Context) error { _, err := st.CountIntegrations(ctx); return err },
		"CountTenantIntegrations": func(ctx context.Context) error { _, err := st.CountTenantIntegrations(ctx, tenant); return err },
		"UpdateIntegration":       func(ctx context.Context) error { _, err := st.UpdateIntegration(ctx, tenant, id, touch); return err },
		"UpdateIntegrationWithEvents": func(ctx context.Context) error {
			_, err := st.UpdateIntegrationWithEvents(ctx, tenant, id, func(*store.Integration) ([]*store.Event, error) { return nil, nil })
			return err
		},
		"DeleteIntegration": func(ctx context.Context) error { return st.DeleteIntegration(ctx, tenant, id) },
		"SetCredentials":    func(ctx context.Context) error { return st.SetCredentials(ctx, tenant, id, creds) },
		"Credentials":       func(ctx context.Context) error { _, err := st.Credentials(ctx, tenant, id); return err },
		"SyncState":         func(ctx context.Context) error { _, err := st.SyncState(ctx, tenant, id); return err },
		"CommitSync": func(ctx context.Context) error {
			_, err := st.CommitSync(ctx, &store.SyncCommit{TenantID: tenant, IntegrationID: id, Cursor: "c1"})
			return err
		},
		"GetMessage": func(ctx context.Context) error { _, err := st.GetMessage(ctx, tenant, id, store.NewID()); return err },
		"GetMessageByProviderID": func(ctx context.Context) error {
			_, err := st.GetMessageByProviderID(ctx, tenant, id, "INBOX/1/1")
			return err
		},
		"ListMessages": func(ctx context.Context) error {
			_, err := st.ListMessages(ctx, tenant, id, store.ListMessagesOptions{})
			return err
		},
		"CountMessages": func(ctx context.Context) error { _, err := st.CountMessages(ctx, tenant, id); return err },
		"CreateOutbox": func(ctx context.Context) error {
			_, _, err := st.CreateOutbox(ctx, &store.OutboxEntry{TenantID: tenant, IntegrationID: id, IdempotencyKey: "k", RequestHash: "h",
				Message: connector.OutboundMessage{To: []connector.Address{{Email: "a@example.com"}}, Subject: "s", Text: "t"}})
			return err
		},
		"GetOutbox": func(ctx context.Context) error { _, err := st.GetOutbox(ctx, tenant, id); return err },
		"UpdateOutbox": func(ctx context.Context) error {
			_, err := st.UpdateOutbox(ctx, tenant, id, func(*store.OutboxEntry) ([]*store.Event, error) { return nil, nil })
			return err
		},
		"PendingOutbox": func(ctx context.Context) error { _, err := st.PendingOutbox(ctx, tenant); return err },
		"InsertEvents":  func(ctx context.Context) error { return st.InsertEvents(ctx, event()) },
		"GetEvent":      func(ctx context.Context) error { _, err := st.GetEvent(ctx, tenant, id); return err },
		"ListEvents": func(ctx context.Context) error {
			_, err := st.ListEvents(ctx, tenant, store.ListEventsOptions{})
			return err
		},
		"RecentEvents": func(ctx context.Context) error {
			_, err := st.RecentEvents(ctx, store.EventPending, 10)
			return err
		},
		"ClaimEvents": func(ctx context.Context) error {
			_, err := st.ClaimEvents(ctx, at, 10, time.Minute)
			return err
		},
		"MarkEventDelivered": func(ctx context.Context) error { return st.MarkEventDelivered(ctx, id, at) },
		"MarkEventFailed":    func(ctx context.Context) error { return st.MarkEventFailed(ctx, id, at, "503") },
		"RedeliverEvent":     func(ctx context.Context) error { _, err := st.RedeliverEvent(ctx, tenant, id); return err },
		"CreateOAuthState": func(ctx context.Context) error {
			return st.CreateOAuthState(ctx, &store.OAuthState{State: "s", TenantID: tenant, Provider: "gmail", ExpiresAt: at})
		},
		"ConsumeOAuthState": func(ctx context.Context) error {
			_, err := st.ConsumeOAuthState(ctx, "s", at)
			return err
		},
		"DeleteExpiredOAuthStates": func(ctx context.Context) error { _, err := st.DeleteExpiredOAuthStates(ctx, at); return err },
		"PutSubscription": func(ctx context.Context) error {
			return st.PutSubscription(ctx, &store.Subscription{TenantID: tenant, IntegrationID: id, Provider: "gmail", Address: "a@example.com", Expiry: at})
		},
		"GetSubscription":    func(ctx context.Context) error { _, err := st.GetSubscription(ctx, tenant, id); return err },
		"DeleteSubscription": func(ctx context.Context) error { return st.DeleteSubscription(ctx, tenant, id) },
		"FindSubscription": func(ctx context.Context) error {
			_, err := st.FindSubscription(ctx, "outlook", "sub-1")
			return err
		},
		"FindSubscriptionsByAddress": func(ctx context.Context) error {
			_, err := st.FindSubscriptionsByAddress(ctx, "gmail", "a@example.com")
			return err
		},
		"FindSubscriptions": func(ctx context.Context) error {
			_, err := st.FindSubscriptions(ctx, "outlook", []string{"sub-1"})
			return err
		},
		"DueSubscriptions": func(ctx context.Context) error { _, err := st.DueSubscriptions(ctx, at, 10); return err },
	}
}

// requireUnavailable checks that every call fails with
// store.ErrUnavailable, and with nothing else the store knows.
func requireUnavailable(t *testing.T, st *postgres.Store) {
	t.Helper()
	for name, call := range storeCalls(st) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := call(ctx)
		cancel()
		require.ErrorIs(t, err, store.ErrUnavailable, "%s: %v", name, err)
		for _, other := range []error{store.ErrNotFound, store.ErrConflict, store.ErrInvalid} {
			require.NotErrorIs(t, err, other, name)
		}
		require.Contains(t, err.Error(), "postgres: ", "%s: the driver's message is kept", name)
	}
}

// A database nobody listens for: every call is store.ErrUnavailable.
func TestUnavailableConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	pool, err := pgxpool.New(context.Background(), "postgres://u@"+addr+"/db?connect_timeout=5")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	requireUnavailable(t, newStore(t, pool, newKeyring(t)))
}

// A server that takes the connection and never answers: the connection
// times out before it is made, store.ErrUnavailable.
func TestUnavailableConnectTimeout(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	pool, err := pgxpool.New(context.Background(), "postgres://u@"+l.Addr().String()+"/db?connect_timeout=1&sslmode=disable")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	st := newStore(t, pool, newKeyring(t))
	_, err = st.GetIntegration(context.Background(), "tenant-u", store.NewID())
	require.ErrorIs(t, err, store.ErrUnavailable)
}

// A store whose pool is closed: every call is store.ErrUnavailable.
func TestUnavailableClosedPool(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st := newStore(t, pool, newKeyring(t))
	pool.Close()
	requireUnavailable(t, st)
}

// A reachable database's own errors are not store.ErrUnavailable.
func TestReachableIsNotUnavailable(t *testing.T) {
	t.Parallel()
	st := newStore(t, pgtest.Pool(t), newKeyring(t))
	for name, call := range storeCalls(st) {
		err := call(testContext(t))
		require.False(t, errors.Is(err, store.ErrUnavailable), "%s: %v", name, err)
	}
}

// A connection lost in the middle of a transaction (the server ends it,
// as at a restart): the call is store.ErrUnavailable, whichever
// statement found it lost.
func TestUnavailableMidTransaction(t *testing.T) {
	t.Parallel()
	cfg := pgtest.Config(t)
	app := "unavailable-" + store.NewID()
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	pool := pgtest.NewPool(t, cfg)
	ctx := testContext(t)
	_, err := postgres.Migrate(ctx, pool)
	require.NoError(t, err)
	st := newStore(t, pool, newKeyring(t))
	admin := pgtest.Pool(t)
	cut := func() error {
		// The timeout makes pg_terminate_backend wait for the backend to end.
		_, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = $1`, app)
		return err
	}
	in := newIntegration(t, st, "tenant-u", connector.Credentials{Username: "u", Password: "pw"})

	_, err = st.UpdateIntegration(ctx, in.TenantID, in.ID, func(*store.Integration) error { return cut() })
	require.ErrorIs(t, err, store.ErrUnavailable)

	sync, err := st.SyncState(ctx, in.TenantID, in.ID)
	require.NoError(t, err, "the pool connects again")
	_, err = st.CommitSync(ctx, &store.SyncCommit{
		TenantID: in.TenantID, IntegrationID: in.ID, Version: sync.Version, Cursor: "c1",
		Events: func([]*store.Message) ([]*store.Event, error) {
			ev, err := store.NewEvent(in.TenantID, in.ID, "integration.synced", map[string]any{})
			if err != nil {
				return nil, err
			}
			return []*store.Event{ev}, cut()
		},
	})
	require.ErrorIs(t, err, store.ErrUnavailable)
}
