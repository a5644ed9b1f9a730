package oauthtokens_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// TestNewChecksOptions: New reports every option it cannot run with,
// each by its field's name, and accepts the zero values of the others.
func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	_, err := oauthtokens.New(nil, oauthtokens.Options{
		Providers: map[string]oauthtokens.Provider{"": {}},
		LeaseTTL:  time.Microsecond, Margin: -1, Ahead: -1, RevokeTimeout: -1,
	})
	require.ErrorIs(t, err, oauthtokens.ErrInvalid)
	for _, want := range []string{"nil store", "Options.Providers names an empty provider", "Options.LeaseTTL", "Options.Margin", "Options.Ahead", "Options.RevokeTimeout"} {
		require.ErrorContains(t, err, want)
	}
	m, err := oauthtokens.New(backends()["memory"](t).store, oauthtokens.Options{})
	require.NoError(t, err)
	require.Nil(t, m.TokenSource("gmail", "acme", "id", &oauth2.Token{AccessToken: "a"}), "no provider: no source")
	_, err = m.Refresh(t.Context(), "gmail", "acme", "id", "a")
	require.ErrorIs(t, err, oauthtokens.ErrNoProvider)
}

// TestRefreshOnceAcrossProcesses: many callers in two processes (two
// Managers on one store and one lease store) replacing the same token at
// once cause one refresh at the provider; they all end with the token it
// saved, whose rotated refresh token is the only valid one.
func TestRefreshOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t), gmailtest.Options{})
			a, b := e.manager(), e.manager()
			in, tok := e.connect("acme", "support@example.com", time.Now().Add(time.Hour))

			calls := e.fake.Calls("oauth2.token")
			got, errs := make([]string, 8), make([]error, 8)
			var wg sync.WaitGroup
			for i := range got {
				m := a
				if i%2 == 1 {
					m = b
				}
				wg.Go(func() {
					fresh, err := m.Refresh(context.Background(), "gmail", "acme", in.ID, tok.AccessToken)
					if errs[i] = err; err == nil {
						got[i] = fresh.AccessToken
					}
				})
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, calls+1, e.fake.Calls("oauth2.token"), "one refresh for eight callers")
			for _, g := range got {
				require.NotEqual(t, tok.AccessToken, g)
				require.Equal(t, got[0], g, "every caller ends with the one new token")
			}
			saved := e.stored(in)
			require.Equal(t, got[0], saved.AccessToken)
			require.True(t, e.fake.RefreshTokenValid(saved.RefreshToken), "the rotated refresh token is saved")
			require.False(t, e.fake.RefreshTokenValid(tok.RefreshToken))
		})
	}
}

// TestTokenSource: the source gives the stored token while it is valid,
// refreshes (and saves) one about to expire or one the provider
// rejected, and fails with ErrAuth once the grant is revoked.
func TestTokenSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends()["memory"](t), gmailtest.Options{})
	m := e.manager()
	in, tok := e.connect("acme", "support@example.com", time.Now().Add(time.Hour))
	require.Nil(t, m.TokenSource("gmail", "acme", in.ID, nil), "no token: no source")
	require.Nil(t, m.TokenSource("outlook", "acme", in.ID, tok), "no Refresh: no source")
	src := m.TokenSource("gmail", "acme", in.ID, tok)
	calls := e.fake.Calls("oauth2.token")

	got, err := src.Token()
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, got.AccessToken, "valid: as it is")
	require.Equal(t, calls, e.fake.Calls("oauth2.token"))

	inv, ok := src.(connector.TokenInvalidator)
	require.True(t, ok)
	e.fake.ExpireToken(tok.AccessToken)
	require.True(t, inv.Invalidate(tok.AccessToken))
	got, err = src.Token()
	require.NoError(t, err)
	require.NotEqual(t, tok.AccessToken, got.AccessToken, "rejected: replaced")
	require.Equal(t, calls+1, e.fake.Calls("oauth2.token"))
	require.Equal(t, got.AccessToken, e.stored(in).AccessToken, "saved")
	require.True(t, inv.Invalidate(tok.AccessToken), "an old token's rejection: replaced already")

	soon, tok2 := e.connect("acme", "sales@example.com", time.Now().Add(30*time.Second))
	got, err = m.TokenSource("gmail", "acme", soon.ID, tok2).Token()
	require.NoError(t, err)
	require.NotEqual(t, tok2.AccessToken, got.AccessToken, "expiring within the margin: replaced")

	revoked, tok3 := e.connect("acme", "info@example.com", time.Now().Add(30*time.Second))
	e.fake.RevokeGrant("info@example.com")
	_, err = m.TokenSource("gmail", "acme", revoked.ID, tok3).Token()
	require.ErrorIs(t, err, connector.ErrAuth)
	require.Equal(t, tok3.RefreshToken, e.stored(revoked).RefreshToken, "nothing saved")

	bare := &oauth2.Token{AccessToken: "only-access", Expiry: time.Now().Add(time.Hour)}
	require.False(t, m.TokenSource("gmail", "acme", in.ID, bare).(connector.TokenInvalidator).Invalidate("only-access"), "nothing can replace it")
}

// TestRefreshWaitsForTheHolder: while another process holds an
// integration's lease, Refresh takes the token that process saved, or
// gives up with ErrTemporary when its context ends first; a stored token
// without a refresh token is ErrAuth.
func TestRefreshWaitsForTheHolder(t *testing.T) {
	t.Parallel()
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t), gmailtest.Options{})
			leases := e.b.leases()
			m := e.manager(func(o *oauthtokens.Options) { o.Leases = leases })
			in, tok := e.connect("acme", "support@example.com", time.Now().Add(time.Hour))
			held, err := e.b.leases().Acquire(t.Context(), "oauth-refresh:"+in.ID, "another-process", time.Minute)
			require.NoError(t, err)
			require.True(t, held)

			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			_, err = m.Refresh(ctx, "gmail", "acme", in.ID, tok.AccessToken)
			require.ErrorIs(t, err, connector.ErrTemporary)
			require.ErrorIs(t, err, context.DeadlineExceeded)

			calls := e.fake.Calls("oauth2.token")
			type result struct {
				tok *oauth2.Token
				err error
			}
			done := make(chan result)
			go func() {
				fresh, err := m.Refresh(t.Context(), "gmail", "acme", in.ID, tok.AccessToken)
				done <- result{fresh, err}
			}()
			holders := &oauth2.Token{AccessToken: "the-holders", RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(time.Hour)}
			require.NoError(t, e.b.store.SetCredentials(t.Context(), "acme", in.ID, connector.Credentials{OAuth2: holders}))
			res := <-done
			require.NoError(t, res.err)
			require.Equal(t, "the-holders", res.tok.AccessToken)
			require.Equal(t, calls, e.fake.Calls("oauth2.token"), "no refresh of its own")

			require.NoError(t, e.b.store.SetCredentials(t.Context(), "acme", in.ID, connector.Credentials{OAuth2: &oauth2.Token{AccessToken: "x"}}))
			require.NoError(t, leases.Release(t.Context(), "oauth-refresh:"+in.ID, "another-process"))
			_, err = m.Refresh(t.Context(), "gmail", "acme", in.ID, "x")
			require.ErrorIs(t, err, connector.ErrAuth)
			require.ErrorIs(t, err, oauthtokens.ErrNoRefreshToken)
		})
	}
}

// TestRefreshDue: the job refreshes the active integrations' tokens
// that expire within 15 minutes, and no other; a revoked grant goes to
// Refused.
func TestRefreshDue(t *testing.T) {
	t.Parallel()
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t), gmailtest.Options{})
			m := e.manager()
			due, dueTok := e.connect("acme", "support@example.com", time.Now().Add(10*time.Minute))
			later, laterTok := e.connect("acme", "sales@example.com", time.Now().Add(time.Hour))
			revoked, _ := e.connect("globex", "info@example.com", time.Now().Add(5*time.Minute))
			e.fake.RevokeGrant("info@example.com")
			disabled, disabledTok := e.connect("globex", "old@example.com", time.Now().Add(time.Minute))
			_, err := e.b.store.UpdateIntegration(t.Context(), "globex", disabled.ID, func(in *store.Integration) error {
				in.Status = store.StatusDisabled
				return nil
			})
			require.NoError(t, err)
			imap := &store.Integration{TenantID: "acme", Provider: "imap", Name: "IMAP"}
			require.NoError(t, e.b.store.CreateIntegration(t.Context(), imap, connector.Credentials{OAuth2: &oauth2.Token{AccessToken: "x", Expiry: time.Now()}}))

			var mux queue.Mux
			m.Register(&mux)
			require.Equal(t, oauthtokens.JobRefresh, m.Schedule(time.Minute).Type)
			n, err := m.RefreshDue(t.Context())
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.NotEqual(t, dueTok.AccessToken, e.stored(due).AccessToken)
			require.True(t, e.fake.RefreshTokenValid(e.stored(due).RefreshToken))
			require.Equal(t, laterTok.AccessToken, e.stored(later).AccessToken, "not due")
			require.Equal(t, disabledTok.AccessToken, e.stored(disabled).AccessToken, "not active")
			require.Equal(t, []string{revoked.ID}, e.refusedIDs())

			n, err = m.RefreshDue(t.Context())
			require.NoError(t, err)
			require.Zero(t, n, "nothing due any more")
		})
	}
}

// TestRevoker: deleting a gmail integration revokes its grant, unless
// another integration of the mailbox (another tenant's) holds it still;
// a provider without Revoke, and an integration that is not there,
// revoke nothing.
func TestRevoker(t *testing.T) {
	t.Parallel()
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t), gmailtest.Options{})
			m := e.manager()
			ctx := t.Context()
			a, _ := e.connect("acme", "support@example.com", time.Now().Add(time.Hour))
			b, _ := e.connect("globex", "Support@Example.com", time.Now().Add(time.Hour))
			calls := e.fake.Calls("oauth2.revoke")

			revoke := m.Revoker(ctx, "acme", a.ID)
			require.NoError(t, e.b.store.DeleteIntegration(ctx, "acme", a.ID))
			revoke(ctx)
			require.Equal(t, calls, e.fake.Calls("oauth2.revoke"), "globex's integration holds the grant")
			require.True(t, e.fake.Authorized("support@example.com"))

			revoke = m.Revoker(ctx, "globex", b.ID)
			require.NoError(t, e.b.store.DeleteIntegration(ctx, "globex", b.ID))
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			revoke(cancelled) // the request's context may be done: the revocation is not
			require.Equal(t, calls+1, e.fake.Calls("oauth2.revoke"))
			require.False(t, e.fake.Authorized("support@example.com"))

			m.Revoker(ctx, "acme", "missing")(ctx)
			ms := &store.Integration{TenantID: "acme", Provider: "outlook", Name: "MS", Config: []byte(`{"email":"a@contoso.com"}`)}
			require.NoError(t, e.b.store.CreateIntegration(ctx, ms, connector.Credentials{OAuth2: &oauth2.Token{AccessToken: "a", RefreshToken: "r"}}))
			m.Revoker(ctx, "acme", ms.ID)(ctx)
			require.Equal(t, calls+1, e.fake.Calls("oauth2.revoke"), "nothing else revoked")
		})
	}
}
