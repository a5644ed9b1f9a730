package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/store"
)

// newOAuth makes the mailboxes' OAuth: the sign-in flow of Google and
// Microsoft (connector/signin) and the tokens of their integrations
// (connector/oauthtokens), refreshed one at a time per integration
// across processes (a lease in Redis in production).
func (a *App) newOAuth() (err error) {
	a.signin, err = signin.New(a.store, signin.Options{
		Providers:  []signin.Provider{googleSignIn(a.cfg, a.now), microsoftSignIn(a.cfg)},
		ReturnURLs: a.cfg.OAuthReturnURLs,
		CheckName: func(name string) (string, error) {
			name, errs := checkName(name, nil)
			if len(errs) > 0 {
				return "", errors.New(errs[0].Message)
			}
			return name, nil
		},
		Room: func(ctx context.Context, tenant string) error {
			err := a.quotas.integration(ctx, tenant)
			if q := (*quotaExceeded)(nil); errors.As(err, &q) {
				return fmt.Errorf("%w: %w", signin.ErrQuota, err)
			}
			return err
		},
		Connected: func(ctx context.Context, in *store.Integration, created bool) {
			if created {
				takeMark(ctx, a.syncs, a.logger, in)
			}
			a.push.Start(ctx, in)
			if _, err := a.syncs.Trigger(ctx, in.TenantID, in.ID); err != nil {
				a.logger.WarnContext(ctx, "enqueueing a new mailbox's first sync failed; the sweep will", "integration_id", in.ID, "error", err)
			}
		},
		Now:    a.now,
		Logger: a.logger,
	})
	if err != nil {
		return err
	}
	a.tokens, err = oauthtokens.New(a.store, oauthtokens.Options{
		Providers: map[string]oauthtokens.Provider{providerGmail: googleTokens(a.cfg), providerOutlook: microsoftTokens(a.cfg)},
		Leases:    a.leases("oauth"),
		Refused: func(ctx context.Context, in *store.Integration, err error) {
			a.syncs.MarkIntegration(ctx, in, store.StatusNeedsReauth, err)
		},
		Now:    a.now,
		Logger: a.logger,
	})
	return err
}
