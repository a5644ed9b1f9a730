package signin_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector/signin"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// A tenant connects its Gmail mailbox: Start binds the sign-in to the
// mailbox the tenant states, the user consents at Google (here the
// gmailtest fake), and Finish connects that mailbox as an integration.
// Another account is refused.
func Example() {
	ctx := context.Background()
	google := gmailtest.NewServer(gmailtest.Options{})
	defer google.Close()
	verifier, _ := gmail.NewIDTokenVerifier(gmail.IDTokenConfig{ClientID: "gmailtest-client", Issuer: google.Issuer(), JWKSURL: google.JWKSURL()})

	st, _ := memory.New(memory.Options{})
	defer st.Close()
	flow, err := signin.New(st, signin.Options{
		Providers: []signin.Provider{{
			Name: "gmail", Label: "Google",
			OAuth2: google.OAuthConfig("https://service.example/auth/google/callback", gmail.DefaultScopes()...),
			Authorize: func(conf *oauth2.Config, hint, nonce string) signin.AuthRequest {
				return signin.AuthRequest(*gmail.NewAuthRequest(conf, gmail.AuthOptions{LoginHint: hint, ForceConsent: true, Nonce: nonce}))
			},
			Exchange: gmail.Exchange,
			Verify: func(ctx context.Context, tok *oauth2.Token, expected, nonce string) (string, error) {
				id, err := gmail.VerifySignIn(ctx, tok, gmail.SignInCheck{Verifier: verifier, Nonce: nonce, Expected: expected, API: gmail.Config{Endpoint: google.Endpoint()}})
				if err != nil {
					return "", err
				}
				return id.Email, nil
			},
			Unverified: gmail.ErrEmailNotVerified, BadIdentity: gmail.ErrIDToken,
		}},
		Connected: func(_ context.Context, in *store.Integration, created bool) {
			fmt.Println("connected:", in.Name, "created:", created)
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}

	signIn := func(account string) (*signin.Result, error) {
		started, err := flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: "acme", Email: "support@example.com", Name: "Support"})
		if err != nil {
			return nil, err
		}
		// The user's browser at Google, which sends it back to the
		// callback with a code.
		google.SetConsent(account, false)
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(started.URL)
		if err != nil {
			return nil, err
		}
		_ = resp.Body.Close()
		callback, _ := url.Parse(resp.Header.Get("Location"))
		return flow.Finish(ctx, "gmail", signin.CallbackFrom(callback.Query()))
	}

	_, err = signIn("someone.else@example.net")
	fmt.Println(errors.Is(err, signin.ErrMismatch))
	res, err := signIn("support@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Integration.Provider, string(res.Integration.Config))
	// Output:
	// true
	// connected: Support created: true
	// gmail {"email":"support@example.com"}
}

// The outcome of a sign-in goes back to an allowed return URL in its
// query; a URL off the allow-list is refused at Start.
func ExampleWithOutcome() {
	allowed, _ := signin.ParseAllowList("https://app.example.com/oauth/done")
	if _, ok := allowed.Allows("https://evil.example/oauth/done"); !ok {
		fmt.Println("refused")
	}
	back, _ := allowed.Allows("https://app.example.com/oauth/done?session=s1")
	fmt.Println(signin.WithOutcome(back, "gmail", "int_1", ""))
	fmt.Println(signin.WithOutcome(back, "gmail", "", "oauth-mailbox-mismatch"))
	// Output:
	// refused
	// https://app.example.com/oauth/done?integration_id=int_1&provider=gmail&session=s1&status=connected
	// https://app.example.com/oauth/done?error=oauth-mailbox-mismatch&provider=gmail&session=s1&status=failed
}
