package gmail

import (
	"context"
	"errors"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// Whose returns the address of the mailbox tok opens: the emailAddress
// of users.getProfile, read with tok alone, before any mailbox is named
// (an OAuth callback learning which mailbox was just connected). api
// says how the API is reached: its HTTPClient, Endpoint, MaxRetries,
// RetryBase, RetryMax and Logger are used; its Email, TokenSource and
// Quota are not (the quota is per mailbox, the very thing asked). A
// rejected token is an ErrAuth error; other failures keep the
// connector's error kinds.
func Whose(ctx context.Context, tok *oauth2.Token, api Config) (string, error) {
	const op = "gmail: whose token"
	if tok == nil || tok.AccessToken == "" {
		return "", connector.AuthError(op, errors.New("no access token"))
	}
	api.Email, api.Quota, api.TokenSource = "", nil, oauth2.StaticTokenSource(tok)
	cfg, err := api.resolveAPI()
	if err != nil {
		return "", err
	}
	c, err := build(cfg)
	if err != nil {
		return "", err
	}
	p, err := c.Profile(ctx)
	if err != nil {
		return "", err
	}
	return p.Email, nil
}
