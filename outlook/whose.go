package outlook

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// Whose returns the address of the mailbox tok opens: what Microsoft
// Graph says of the token's user (GET /me: mail, else
// userPrincipalName, as Profile.Address), read with tok alone, before
// any mailbox is named (an OAuth callback learning which mailbox was
// just connected). api says how Graph is reached: its HTTPClient,
// Endpoint, MaxConcurrency, MaxRetries and Logger are used; its Email,
// TokenSource and Limiter are not (the limits are per mailbox, the very
// thing asked). A rejected token is an ErrAuth error; other failures
// keep the connector's error kinds.
func Whose(ctx context.Context, tok *oauth2.Token, api Config) (string, error) {
	const op = "outlook: whose token"
	if tok == nil || tok.AccessToken == "" {
		return "", connector.AuthError(op, errors.New("no access token"))
	}
	api.Email, api.Limiter, api.TokenSource = "", nil, oauth2.StaticTokenSource(tok)
	cfg, err := api.resolveAPI()
	if err != nil {
		return "", err
	}
	adapter, err := newAdapter(cfg)
	if err != nil {
		return "", fmt.Errorf("outlook: building the Graph request adapter: %w", err)
	}
	p, err := profile(ctx, adapter)
	if err != nil {
		return "", err
	}
	return p.Address(), nil
}
