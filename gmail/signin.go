package gmail

import (
	"context"
	"errors"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/internal/oauthflow"
)

// MailboxMismatchError is a sign-in of another mailbox than the one the
// authorization was started for (VerifySignIn). It is the same type as
// outlook.MailboxMismatchError.
type MailboxMismatchError = oauthflow.MailboxMismatchError

// SameMailbox reports whether a and b are the same mailbox address
// (equal ignoring case); an empty address matches nothing.
func SameMailbox(a, b string) bool { return oauthflow.SameMailbox(a, b) }

// SignInCheck says what VerifySignIn requires of a finished sign-in.
type SignInCheck struct {
	// Verifier verifies the token's id_token. Required.
	Verifier *IDTokenVerifier
	// Nonce is the nonce the authorization was started with
	// (AuthOptions.Nonce); "" when it had none.
	Nonce string
	// Expected is the mailbox the sign-in must be: the address the
	// authorization was started for (by whoever was allowed to start
	// it), or the address of the integration it reauthorizes. "" accepts
	// any verified address; a caller that binds sign-ins to mailboxes
	// never leaves it empty.
	Expected string
	// API is how the mailbox's profile is read with the new token (see
	// Whose): its HTTPClient, Endpoint, MaxRetries and Logger are used.
	API Config
}

// VerifySignIn checks who signed in with tok, the token Exchange
// returned, before anything is kept: the id_token's email, verified by
// Google (see IDTokenVerifier.VerifyToken), must be check.Expected's
// mailbox, and the mailbox tok opens (Whose: users.getProfile) must be
// the same. It returns the verified
// identity. Another mailbox than expected is a *MailboxMismatchError;
// an id_token that fails verification ErrIDToken, an unverified address
// ErrEmailNotVerified; a failing profile call keeps the connector's
// error kinds. On any error the caller keeps nothing of tok (and should
// Revoke it).
func VerifySignIn(ctx context.Context, tok *oauth2.Token, check SignInCheck) (*Identity, error) {
	if check.Verifier == nil {
		return nil, errors.New("gmail: VerifySignIn needs a Verifier")
	}
	id, err := check.Verifier.VerifyToken(ctx, tok, check.Nonce)
	if err != nil {
		return nil, err
	}
	if err := oauthflow.CheckMailbox(check.Expected, id.Email); err != nil {
		return nil, err
	}
	addr, err := Whose(ctx, tok, check.API)
	if err != nil {
		return nil, err
	}
	if !SameMailbox(addr, id.Email) {
		want := check.Expected
		if want == "" {
			want = id.Email
		}
		return nil, &MailboxMismatchError{Expected: want, Got: addr}
	}
	return id, nil
}
