package signin_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/outlook/outlooktest"
	"github.com/ucsp/integration/store"
)

// TestNewChecksOptions: New reports every option it cannot run with,
// each by its field's name.
func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	_, err := signin.New(nil, signin.Options{StateTTL: -1})
	require.ErrorIs(t, err, signin.ErrInvalidOptions)
	for _, want := range []string{"nil store", "Options.Providers is empty", "Options.StateTTL"} {
		require.ErrorContains(t, err, want)
	}
	st := stores()["memory"](t)
	_, err = signin.New(st, signin.Options{Providers: []signin.Provider{
		{Label: "Nameless"},
		{Name: "gmail", OAuth2: googleProvider(t, newEnv(t, st).fake, time.Now).OAuth2},
		{Name: "gmail"},
	}})
	require.ErrorIs(t, err, signin.ErrInvalidOptions)
	for _, want := range []string{"Options.Providers[0].Name is required", "Options.Providers[1].Authorize", "Options.Providers[1].Exchange",
		"Options.Providers[1].Verify", `Options.Providers[2].Name "gmail" is given twice`} {
		require.ErrorContains(t, err, want)
	}
	f, err := signin.New(st, signin.Options{Providers: []signin.Provider{{Name: "gmail"}}})
	require.NoError(t, err, "a provider without OAuth client needs nothing else")
	_, err = f.Start(t.Context(), signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "a@example.com"})
	e := requireKind(t, err, signin.ErrNotConfigured)
	require.Equal(t, "gmail sign-in is not configured on this server", e.Detail)
}

// TestSignIn: a sign-in bound to the mailbox the tenant states creates
// its integration with the tokens, once (the state is single-use), and
// tells Connected; a reauthorization gives the same integration new
// tokens and makes it active again; a second sign-in of the mailbox
// reconnects it rather than adding one; another tenant's is its own.
func TestSignIn(t *testing.T) {
	t.Parallel()
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t))
			ctx := t.Context()

			started, err := e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: " Support@Example.com ", Name: "Support"})
			require.NoError(t, err)
			require.WithinDuration(t, e.clock.Now().Add(signin.DefaultStateTTL), started.ExpiresAt, time.Second)
			link, err := url.Parse(started.URL)
			require.NoError(t, err)
			require.Equal(t, "Support@Example.com", link.Query().Get("login_hint"))
			require.NotEmpty(t, link.Query().Get("nonce"))
			require.Equal(t, "S256", link.Query().Get("code_challenge_method"))
			cb := consent(t, e.fake.Client(), e.fake.SetConsent, started.URL, "support@example.com")

			res, err := e.flow.Finish(ctx, "gmail", cb)
			require.NoError(t, err)
			require.True(t, res.Created)
			require.Nil(t, res.ReturnURL)
			in := res.Integration
			require.Equal(t, "acme", in.TenantID)
			require.Equal(t, "gmail", in.Provider)
			require.Equal(t, "Support", in.Name)
			require.JSONEq(t, `{"email":"support@example.com"}`, string(in.Config))
			creds, err := e.store.Credentials(ctx, "acme", in.ID)
			require.NoError(t, err)
			require.True(t, e.fake.RefreshTokenValid(creds.OAuth2.RefreshToken))
			require.Equal(t, []string{in.ID}, e.connectedIDs())

			_, err = e.flow.Finish(ctx, "gmail", cb)
			requireKind(t, err, signin.ErrState)
			require.Len(t, e.integrations(t, "acme"), 1, "a used state connects nothing more")

			_, err = e.store.UpdateIntegration(ctx, "acme", in.ID, func(in *store.Integration) error {
				in.Status, in.LastError = store.StatusNeedsReauth, "revoked"
				return nil
			})
			require.NoError(t, err)
			res, err = e.signIn(t, signin.StartRequest{TenantID: "acme", IntegrationID: in.ID}, "support@example.com")
			require.NoError(t, err)
			require.False(t, res.Created)
			require.Equal(t, in.ID, res.Integration.ID)
			require.Equal(t, store.StatusActive, res.Integration.Status)
			require.Empty(t, res.Integration.LastError)
			again, err := e.store.Credentials(ctx, "acme", in.ID)
			require.NoError(t, err)
			require.NotEqual(t, creds.OAuth2.RefreshToken, again.OAuth2.RefreshToken, "the new tokens")

			res, err = e.signIn(t, signin.StartRequest{TenantID: "acme", Email: "support@example.com"}, "support@example.com")
			require.NoError(t, err)
			require.False(t, res.Created, "the tenant's integration of the mailbox is reconnected")
			require.Equal(t, in.ID, res.Integration.ID)

			res, err = e.signIn(t, signin.StartRequest{TenantID: "globex", Email: "support@example.com"}, "support@example.com")
			require.NoError(t, err)
			require.True(t, res.Created, "another tenant's integration of the same mailbox")
			require.Equal(t, "Google support@example.com", res.Integration.Name, "the default name")
			require.Len(t, e.integrations(t, "acme"), 1)
			require.Len(t, e.connectedIDs(), 4)
		})
	}
}

// TestFinishRefusals: another account than the expected one, an
// address Google does not vouch for, a denied consent, a forged, used,
// expired or foreign state, a refused code, a missing parameter and a
// reauthorization whose integration became another mailbox each create
// and change nothing, and are told apart by their kind. The refused
// account's grant is not revoked.
func TestFinishRefusals(t *testing.T) {
	t.Parallel()
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t), func(o *signin.Options) { o.Providers = append(o.Providers, signin.Provider{Name: "outlook"}) })
			ctx := t.Context()
			start := func(req signin.StartRequest) string {
				req.Provider, req.TenantID = "gmail", "acme"
				started, err := e.flow.Start(ctx, req)
				require.NoError(t, err)
				return started.URL
			}

			_, err := e.signIn(t, signin.StartRequest{TenantID: "acme", Email: "support@example.com"}, "victim@example.net")
			fail := requireKind(t, err, signin.ErrMismatch)
			require.Equal(t, "the account that signed in is victim@example.net, but this sign-in link is for support@example.com; nothing was connected: sign in as support@example.com", fail.Detail)
			var mm *signin.MailboxMismatchError
			require.ErrorAs(t, err, &mm)
			require.True(t, e.fake.Authorized("victim@example.net"), "dropped, not revoked")

			e.fake.SetEmailVerified("support@example.com", false)
			_, err = e.signIn(t, signin.StartRequest{TenantID: "acme", Email: "support@example.com"}, "support@example.com")
			fail = requireKind(t, err, signin.ErrMismatch)
			require.Equal(t, "Google does not vouch for the address of the account that signed in; nothing was connected", fail.Detail)
			e.fake.SetEmailVerified("support@example.com", true)

			e.fake.SetConsent("support@example.com", true)
			cb := follow(t, e.fake.Client(), start(signin.StartRequest{Email: "support@example.com"}))
			require.Equal(t, "access_denied", cb.Error)
			_, err = e.flow.Finish(ctx, "gmail", cb)
			fail = requireKind(t, err, signin.ErrDenied)
			require.Equal(t, "Google sign-in was not completed (access_denied); nothing was connected", fail.Detail)

			cb = consent(t, e.fake.Client(), e.fake.SetConsent, start(signin.StartRequest{Email: "support@example.com"}), "support@example.com")
			_, err = e.flow.Finish(ctx, "gmail", signin.Callback{State: "forged", Code: cb.Code})
			fail = requireKind(t, err, signin.ErrState)
			require.Nil(t, fail.ReturnURL)
			_, err = e.flow.Finish(ctx, "outlook", cb)
			requireKind(t, err, signin.ErrState) // a state of another provider, consumed
			_, err = e.flow.Finish(ctx, "gmail", cb)
			requireKind(t, err, signin.ErrState)
			_, err = e.flow.Finish(ctx, "yahoo", cb)
			requireKind(t, err, signin.ErrNotConfigured)

			cb = consent(t, e.fake.Client(), e.fake.SetConsent, start(signin.StartRequest{Email: "support@example.com"}), "support@example.com")
			cb.Code = "a-code-google-never-issued"
			_, err = e.flow.Finish(ctx, "gmail", cb)
			requireKind(t, err, signin.ErrRefused)

			cb = consent(t, e.fake.Client(), e.fake.SetConsent, start(signin.StartRequest{Email: "support@example.com"}), "support@example.com")
			e.clock.advance(signin.DefaultStateTTL + time.Minute)
			_, err = e.flow.Finish(ctx, "gmail", cb)
			requireKind(t, err, signin.ErrState)

			_, err = e.flow.Finish(ctx, "gmail", signin.Callback{Code: "x"})
			fail = requireKind(t, err, signin.ErrInvalid)
			require.Equal(t, "the state parameter is missing", fail.Detail)
			cb = consent(t, e.fake.Client(), e.fake.SetConsent, start(signin.StartRequest{Email: "support@example.com"}), "support@example.com")
			_, err = e.flow.Finish(ctx, "gmail", signin.Callback{State: cb.State})
			fail = requireKind(t, err, signin.ErrInvalid)
			require.Equal(t, "the code parameter is missing", fail.Detail)
			require.Empty(t, e.integrations(t, "acme"))
			require.Empty(t, e.connectedIDs())

			// The integration a reauthorization is for became another
			// mailbox meanwhile.
			res, err := e.signIn(t, signin.StartRequest{TenantID: "acme", Email: "support@example.com"}, "support@example.com")
			require.NoError(t, err)
			id := res.Integration.ID
			cb = consent(t, e.fake.Client(), e.fake.SetConsent, start(signin.StartRequest{IntegrationID: id}), "support@example.com")
			_, err = e.store.UpdateIntegration(ctx, "acme", id, func(in *store.Integration) error {
				in.Config = []byte(`{"email":"sales@example.com"}`)
				return nil
			})
			require.NoError(t, err)
			_, err = e.flow.Finish(ctx, "gmail", cb)
			fail = requireKind(t, err, signin.ErrConflict)
			require.Equal(t, "the Google account signed in is support@example.com, but the integration is sales@example.com; sign in as sales@example.com", fail.Detail)
			require.Len(t, e.connectedIDs(), 1)
		})
	}
}

// TestStartChecks: Start reports every wrong parameter at once, by its
// name, and starts nothing; the tenant's room is asked only for a new
// mailbox, and asked again at Finish.
func TestStartChecks(t *testing.T) {
	t.Parallel()
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, open(t), func(o *signin.Options) {
				o.CheckName = func(name string) (string, error) {
					if name == "bad!" {
						return "", errors.New("must not shout")
					}
					return name, nil
				}
			})
			ctx := t.Context()
			fields := func(err error) []signin.FieldError {
				t.Helper()
				return requireKind(t, err, signin.ErrInvalid).Fields
			}
			_, err := e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", Name: "bad!", Email: "not-an-address", ReturnURL: "https://app.example.com/"})
			require.Equal(t, []signin.FieldError{
				{Field: "name", Message: "must not shout"},
				{Field: "email", Message: "must be an email address"},
				{Field: "return_url", Message: "is not accepted: this server allows no return URL (OAUTH_RETURN_URLS)"},
			}, fields(err))
			_, err = e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "  "})
			require.Equal(t, []signin.FieldError{{Field: "email", Message: "is required: the address of the mailbox that must sign in"}}, fields(err))

			res, err := e.signIn(t, signin.StartRequest{TenantID: "acme", Email: "support@example.com"}, "support@example.com")
			require.NoError(t, err)
			id := res.Integration.ID
			_, err = e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "globex", IntegrationID: id})
			require.Equal(t, []signin.FieldError{{Field: "integration_id", Message: "must name a gmail integration of the tenant"}}, fields(err), "another tenant's")
			_, err = e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", IntegrationID: id, Email: "sales@example.com"})
			require.Equal(t, []signin.FieldError{{Field: "email", Message: "must be the address of the integration reauthorized, or be left out"}}, fields(err))

			full := fmt.Errorf("%w: the tenant has 1 integration", signin.ErrQuota)
			e.setRoom(full)
			_, err = e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "sales@example.com"})
			requireKind(t, err, signin.ErrQuota)
			require.ErrorIs(t, err, full, "the refusal is the cause")
			for _, req := range []signin.StartRequest{{IntegrationID: id}, {Email: "SUPPORT@example.com"}} {
				req.Provider, req.TenantID = "gmail", "acme"
				_, err = e.flow.Start(ctx, req)
				require.NoError(t, err, "reconnecting the tenant's mailbox takes no room")
			}
			down := errors.New("cannot count")
			e.setRoom(down)
			_, err = e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "sales@example.com"})
			var fail *signin.Error
			require.ErrorAs(t, err, &fail)
			require.Nil(t, fail.Kind, "a failure to find out is no refusal")
			require.ErrorIs(t, err, down)

			// The room is gone while the user signs in.
			e.setRoom(nil)
			started, err := e.flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "sales@example.com"})
			require.NoError(t, err)
			e.setRoom(full)
			_, err = e.flow.Finish(ctx, "gmail", consent(t, e.fake.Client(), e.fake.SetConsent, started.URL, "sales@example.com"))
			requireKind(t, err, signin.ErrQuota)
			require.Len(t, e.integrations(t, "acme"), 1)
		})
	}
}

// TestReturnURL: a return URL under the allow-list goes to the end of
// the sign-in, whatever the outcome; one off it is refused at Start.
func TestReturnURL(t *testing.T) {
	t.Parallel()
	allowed, err := signin.ParseAllowList("https://app.example.com/oauth/done")
	require.NoError(t, err)
	e := newEnv(t, stores()["memory"](t), func(o *signin.Options) { o.ReturnURLs = allowed })
	back := "https://app.example.com/oauth/done/gmail?session=s1"

	res, err := e.signIn(t, signin.StartRequest{TenantID: "acme", Email: "support@example.com", ReturnURL: back}, "support@example.com")
	require.NoError(t, err)
	require.Equal(t, back, res.ReturnURL.String())
	_, err = e.signIn(t, signin.StartRequest{TenantID: "acme", Email: "support@example.com", ReturnURL: back}, "victim@example.net")
	fail := requireKind(t, err, signin.ErrMismatch)
	require.Equal(t, back, fail.ReturnURL.String())

	_, err = e.flow.Start(t.Context(), signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "support@example.com", ReturnURL: "https://app.example.com/oauth/donex"})
	require.Equal(t, []signin.FieldError{{Field: "return_url", Message: "must be an http(s) URL under one of the server's allowed return URLs (OAUTH_RETURN_URLS)"}},
		requireKind(t, err, signin.ErrInvalid).Fields)
}

// TestOutlookSignIn: Microsoft's sign-in is bound through Graph's /me:
// the expected account connects, another is refused.
func TestOutlookSignIn(t *testing.T) {
	t.Parallel()
	fake := outlooktest.NewServer(outlooktest.Options{})
	t.Cleanup(fake.Close)
	st := stores()["memory"](t)
	p := microsoftProvider(fake)
	p.Label = ""
	f, err := signin.New(st, signin.Options{Providers: []signin.Provider{p}, Logger: quiet()})
	require.NoError(t, err)
	signIn := func(account string) (*signin.Result, error) {
		started, err := f.Start(t.Context(), signin.StartRequest{Provider: "outlook", TenantID: "acme", Email: "support@contoso.com"})
		require.NoError(t, err)
		return f.Finish(t.Context(), "outlook", consent(t, fake.Client(), fake.SetConsent, started.URL, account))
	}
	_, err = signIn("victim@fabrikam.com")
	requireKind(t, err, signin.ErrMismatch)
	res, err := signIn("support@contoso.com")
	require.NoError(t, err)
	require.True(t, res.Created)
	require.Equal(t, "outlook support@contoso.com", res.Integration.Name, "no Label: the provider's name")
	require.JSONEq(t, `{"email":"support@contoso.com"}`, string(res.Integration.Config), "the default settings")
}

// TestSweep: the states of abandoned sign-ins are removed once expired.
func TestSweep(t *testing.T) {
	t.Parallel()
	e := newEnv(t, stores()["memory"](t))
	for range 2 {
		_, err := e.flow.Start(t.Context(), signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "support@example.com"})
		require.NoError(t, err)
	}
	n, err := e.flow.Sweep(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "not expired yet")
	e.clock.advance(signin.DefaultStateTTL + time.Second)
	n, err = e.flow.Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, n)
}
