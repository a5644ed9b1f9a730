package oauthtokens

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// JobRefresh is the type of the job that runs RefreshDue (HandleRefresh).
const JobRefresh = "refresh-tokens"

// RefreshDue refreshes the token of every active integration of a
// provider with Refresh that expires within Options.Ahead, and returns
// how many it refreshed: so that a sync or a send seldom waits for a
// refresh, and a revoked grant is found before mail is due. A refused
// grant (connector.ErrAuth) goes to Options.Refused; other failures are
// logged and left for the next round, or the next use. The error is the
// store's, listing the integrations.
func (m *Manager) RefreshDue(ctx context.Context) (int, error) {
	names := make([]string, 0, len(m.providers))
	for name, p := range m.providers {
		if p.Refresh != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	n := 0
	for _, provider := range names {
		opts := store.ListIntegrationsOptions{Provider: provider, Status: store.StatusActive, ListOptions: store.ListOptions{Limit: store.MaxLimit}}
		for {
			page, err := m.store.ScanIntegrations(ctx, opts)
			if err != nil {
				return n, err
			}
			for _, in := range page.Items {
				if m.refreshDue(ctx, in) {
					n++
				}
			}
			if page.NextCursor == "" {
				break
			}
			opts.Cursor = page.NextCursor
		}
	}
	return n, nil
}

// refreshDue refreshes in's token if it expires within m.ahead, and
// reports whether it did.
func (m *Manager) refreshDue(ctx context.Context, in *store.Integration) bool {
	creds, err := m.store.Credentials(ctx, in.TenantID, in.ID)
	if err != nil || creds.OAuth2 == nil || usable(creds.OAuth2, "", m.now().Add(m.ahead)) {
		return false // gone meanwhile, no token, or not due
	}
	_, err = m.Refresh(ctx, in.Provider, in.TenantID, in.ID, creds.OAuth2.AccessToken)
	switch {
	case err == nil:
		return true
	case errors.Is(err, connector.ErrAuth) && m.refused != nil:
		m.refused(ctx, in, err)
	case errors.Is(err, connector.ErrAuth):
		m.logger.WarnContext(ctx, "oauthtokens: the grant of an integration is refused; it needs a new sign-in", "integration_id", in.ID, "error", err)
	default:
		m.logger.WarnContext(ctx, "oauthtokens: refreshing a token ahead of expiry failed", "integration_id", in.ID, "error", err)
	}
	return false
}

// HandleRefresh is the handler of JobRefresh: RefreshDue.
func (m *Manager) HandleRefresh(ctx context.Context, _ *queue.Job) error {
	_, err := m.RefreshDue(ctx)
	return err
}

// Register adds HandleRefresh to mux for JobRefresh.
func (m *Manager) Register(mux *queue.Mux) {
	mux.HandleFunc(JobRefresh, m.HandleRefresh)
}

// Schedule returns the periodic enqueue of JobRefresh every every, one
// attempt each (the next round retries), for queue.WorkerConfig.Periodic.
// every should be well under Options.Ahead.
func (m *Manager) Schedule(every time.Duration) queue.Periodic {
	return queue.Periodic{Name: JobRefresh, Every: every, Type: JobRefresh, Options: []queue.Option{queue.MaxAttempts(1)}}
}
