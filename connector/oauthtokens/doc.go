// Package oauthtokens keeps the OAuth 2.0 tokens of a deployment's
// mailbox integrations (Gmail, Outlook) in its store, for every process
// of the deployment at once: the token source a connector uses, the
// refresh of a token ahead of its expiry, and the revocation of a
// deleted integration's grant. It works with any store that keeps
// credentials (store/memory, store/postgres, your own) and any
// queue/lease store.
//
// Providers rotate refresh tokens: Google and Microsoft may answer a
// refresh with a new refresh token and refuse the old one from then on.
// Two processes that refresh the same integration's token at once would
// each use the old one, and one of them would end with a dead grant. So
// a Manager refreshes a token of an integration in one process at a time
// (it holds the integration's lease in Options.Leases — a
// lease.RedisStore shared by the processes — while it refreshes), saves
// the new token, rotated refresh token included, before anyone uses it,
// and the processes that waited take the token it saved.
//
// It is not the sign-in (connector/signin obtains the first token), and
// it imports no provider SDK: a Provider is the provider package's
// functions bound to the deployment's OAuth client.
//
// # Composing a Manager
//
//	conf := gmail.OAuth2Config(clientID, clientSecret, callbackURL)
//	tokens, err := oauthtokens.New(st, oauthtokens.Options{
//		Providers: map[string]oauthtokens.Provider{
//			"gmail": {
//				Refresh: func(ctx context.Context, t *oauth2.Token) (*oauth2.Token, error) { return gmail.Refresh(ctx, conf, t) },
//				Revoke:  func(ctx context.Context, t *oauth2.Token) error { return gmail.Revoke(ctx, nil, "", t) },
//			},
//		},
//		Leases:  lease.NewRedisStore(rdb, "myapp:oauth"),
//		Refused: func(ctx context.Context, in *store.Integration, err error) { runner.MarkIntegration(ctx, in, store.StatusNeedsReauth, err) },
//	})
//
// A connector of an integration gets its token source from it:
//
//	creds, err := st.Credentials(ctx, in.TenantID, in.ID)
//	c, err := registry.New(ctx, connector.Config{
//		Provider: in.Provider, Settings: in.Config, Credentials: creds,
//		TokenSource: tokens.TokenSource(in.Provider, in.TenantID, in.ID, creds.OAuth2),
//	})
//
// The source gives the stored token while it is valid for
// Options.Margin (a minute), and else Refresh's; a connector told by
// its provider that the token is rejected (connector.TokenInvalidator)
// gets a new one on its next call.
//
// # Ahead of expiry
//
// RefreshDue refreshes every active integration's token that expires
// within Options.Ahead (15 minutes), so that a sync seldom waits for a
// refresh and a revoked grant is found before mail is due: it goes to
// Options.Refused. Run it as the JobRefresh job:
//
//	tokens.Register(&mux)
//	worker, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{
//		Periodic: []queue.Periodic{tokens.Schedule(5 * time.Minute)},
//	})
//
// # Revocation
//
// Revoker, called before an integration is deleted, returns what
// revokes its grant once it is: Google's grant is an account's whole
// grant to the client, which another integration of the same mailbox (in
// another tenant, say) may hold, so nothing is revoked while one
// remains. Microsoft has no revocation of one grant.
package oauthtokens
