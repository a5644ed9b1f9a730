package outlook

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/internal/oauthflow"
)

// MailboxMismatchError is a sign-in of another mailbox than the one the
// authorization was started for (VerifySignIn). It is the same type as
// gmail.MailboxMismatchError.
type MailboxMismatchError = oauthflow.MailboxMismatchError

// SameMailbox reports whether a and b are the same mailbox address
// (equal ignoring case); an empty address matches nothing.
func SameMailbox(a, b string) bool { return oauthflow.SameMailbox(a, b) }

// Address is the mailbox address of a profile: its mail, or the user
// principal name of an account without one.
func (p *Profile) Address() string {
	if p.Mail != "" {
		return p.Mail
	}
	return p.UserPrincipalName
}

// SignInCheck says what VerifySignIn requires of a finished sign-in.
type SignInCheck struct {
	// Expected is the mailbox the sign-in must be: the address the
	// authorization was started for (by whoever was allowed to start
	// it), or the address of the integration it reauthorizes. "" accepts
	// any address; a caller that binds sign-ins to mailboxes never
	// leaves it empty.
	Expected string
	// API is how GET /me is read with the new token (see Whose): its
	// HTTPClient, Endpoint, MaxRetries and Logger are used.
	API Config
}

// VerifySignIn checks who signed in with tok, the token Exchange
// returned, before anything is kept: the address of the mailbox tok
// opens (Whose: GET /me's mail, else userPrincipalName) must be
// check.Expected's mailbox. It returns that address. Another mailbox
// than expected is a *MailboxMismatchError; a failing call keeps the
// connector's error kinds. Microsoft has no per-token revocation: on an
// error the caller drops tok (its refresh token is then never used).
func VerifySignIn(ctx context.Context, tok *oauth2.Token, check SignInCheck) (string, error) {
	addr, err := Whose(ctx, tok, check.API)
	if err != nil {
		return "", err
	}
	if err := oauthflow.CheckMailbox(check.Expected, addr); err != nil {
		return "", err
	}
	return addr, nil
}
