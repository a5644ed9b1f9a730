package oauthtokens_test

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/oauthtokens"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/queue/lease"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// A connector's token source refreshes a token about to expire and
// saves it, rotated refresh token included, before the connector uses
// it (here against the gmailtest fake, which rotates refresh tokens).
func ExampleManager_TokenSource() {
	ctx := context.Background()
	google := gmailtest.NewServer(gmailtest.Options{RotateRefreshTokens: true})
	defer google.Close()
	conf := google.OAuthConfig("https://service.example/auth/google/callback")

	st, _ := memory.New(memory.Options{})
	defer st.Close()
	tokens, err := oauthtokens.New(st, oauthtokens.Options{
		Providers: map[string]oauthtokens.Provider{"gmail": {
			Refresh: func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
				return gmail.Refresh(ctx, conf, tok)
			},
		}},
		Leases: lease.NewMemoryStore(), // a lease.RedisStore across processes
	})
	if err != nil {
		panic(err)
	}

	// A mailbox whose access token expires in 30 seconds.
	tok := google.IssueToken("support@example.com")
	tok.Expiry = time.Now().Add(30 * time.Second)
	in := &store.Integration{TenantID: "acme", Provider: "gmail", Name: "Support", Config: []byte(`{"email":"support@example.com"}`)}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{OAuth2: tok})

	src := tokens.TokenSource(in.Provider, in.TenantID, in.ID, tok)
	fresh, err := src.Token()
	if err != nil {
		panic(err)
	}
	saved, _ := st.Credentials(ctx, "acme", in.ID)
	fmt.Println("refreshed:", fresh.AccessToken != tok.AccessToken)
	fmt.Println("saved before use:", saved.OAuth2.RefreshToken == fresh.RefreshToken)
	fmt.Println("the old refresh token works:", google.RefreshTokenValid(tok.RefreshToken))
	// Output:
	// refreshed: true
	// saved before use: true
	// the old refresh token works: false
}

// RefreshDue, run by a periodic job, refreshes the tokens that expire
// within 15 minutes and reports the grants it found refused.
func ExampleManager_RefreshDue() {
	ctx := context.Background()
	google := gmailtest.NewServer(gmailtest.Options{})
	defer google.Close()
	conf := google.OAuthConfig("https://service.example/auth/google/callback")
	st, _ := memory.New(memory.Options{})
	defer st.Close()
	tokens, _ := oauthtokens.New(st, oauthtokens.Options{
		Providers: map[string]oauthtokens.Provider{"gmail": {
			Refresh: func(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
				return gmail.Refresh(ctx, conf, tok)
			},
		}},
		Refused: func(_ context.Context, in *store.Integration, err error) {
			fmt.Println("needs a new sign-in:", in.Name)
		},
	})
	for _, name := range []string{"support", "sales"} {
		tok := google.IssueToken(name + "@example.com")
		tok.Expiry = time.Now().Add(10 * time.Minute)
		_ = st.CreateIntegration(ctx, &store.Integration{TenantID: "acme", Provider: "gmail", Name: name}, connector.Credentials{OAuth2: tok})
	}
	google.RevokeGrant("sales@example.com")

	n, err := tokens.RefreshDue(ctx)
	fmt.Println("refreshed:", n, err)
	// Output:
	// needs a new sign-in: sales
	// refreshed: 1 <nil>
}
