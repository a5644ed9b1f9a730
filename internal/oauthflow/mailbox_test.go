package oauthflow

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSameMailbox(t *testing.T) {
	t.Parallel()
	require.True(t, SameMailbox("Support@Example.com", "support@example.COM"))
	require.True(t, SameMailbox(" support@example.com", "support@example.com "))
	require.False(t, SameMailbox("support@example.com", "support@example.net"))
	require.False(t, SameMailbox("support@example.com", "sup.port@example.com"), "no provider-specific folding")
	require.False(t, SameMailbox("", ""), "an empty address matches nothing")

	require.NoError(t, CheckMailbox("", "anyone@example.com"))
	require.NoError(t, CheckMailbox("A@example.com", "a@example.com"))
	err := CheckMailbox("a@example.com", "b@example.com")
	var mm *MailboxMismatchError
	require.ErrorAs(t, err, &mm)
	require.Equal(t, MailboxMismatchError{Expected: "a@example.com", Got: "b@example.com"}, *mm)
	require.Equal(t, "the account that signed in is b@example.com, not the expected a@example.com", err.Error())
	require.Error(t, CheckMailbox("a@example.com", ""))
}
