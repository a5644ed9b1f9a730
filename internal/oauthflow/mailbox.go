package oauthflow

import (
	"fmt"
	"strings"
)

// MailboxMismatchError is a sign-in that proved another mailbox than
// the one expected: the account that signed in is not the one the
// authorization was started for.
type MailboxMismatchError struct {
	// Expected is the mailbox the authorization was started for.
	Expected string
	// Got is the verified address of the account that signed in.
	Got string
}

// Error says which mailbox signed in and which was expected.
func (e *MailboxMismatchError) Error() string {
	return fmt.Sprintf("the account that signed in is %s, not the expected %s", e.Got, e.Expected)
}

// SameMailbox reports whether a and b are the same mailbox address:
// equal ignoring case and surrounding spaces (domains are case-blind,
// and Google and Microsoft treat local parts so too). An empty address
// matches nothing.
func SameMailbox(a, b string) bool {
	return a != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// CheckMailbox returns a *MailboxMismatchError unless got is expected's
// mailbox; an empty expected accepts any got.
func CheckMailbox(expected, got string) error {
	if expected == "" || SameMailbox(expected, got) {
		return nil
	}
	return &MailboxMismatchError{Expected: expected, Got: got}
}
