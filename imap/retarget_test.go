package imap_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/imap"
)

func TestCredentialTargetChanges(t *testing.T) {
	t.Parallel()
	base := `{"email":"support@example.com","imap":{"host":"imap.example.com","username":"support"},"folders":["INBOX"]}`
	for name, c := range map[string]struct {
		new      string
		username string
		want     []string
	}{
		"same":                   {base, "", nil},
		"folders only":           {`{"email":"support@example.com","imap":{"host":"imap.example.com","username":"support"},"folders":["INBOX","Sales"],"sent_folder":"Sent"}`, "", nil},
		"host case and dot":      {`{"email":"support@example.com","imap":{"host":"IMAP.Example.com.","username":"support"},"folders":["INBOX"]}`, "", nil},
		"default port spelled":   {`{"email":"support@example.com","imap":{"host":"imap.example.com","port":993,"security":"tls","username":"support"}}`, "", nil},
		"new host":               {`{"email":"support@example.com","imap":{"host":"evil.example.net","username":"support"}}`, "", []string{"imap.host"}},
		"new port":               {`{"email":"support@example.com","imap":{"host":"imap.example.com","port":2993,"username":"support"}}`, "", []string{"imap.port"}},
		"starttls on 143":        {`{"email":"support@example.com","imap":{"host":"imap.example.com","security":"starttls","username":"support"}}`, "", []string{"imap.port", "imap.security"}},
		"new username":           {`{"email":"support@example.com","imap":{"host":"imap.example.com","username":"boss"}}`, "", []string{"imap.username"}},
		"everything":             {`{"email":"x@evil.example.net","imap":{"host":"evil.example.net","port":1,"security":"none","username":"x"}}`, "", []string{"imap.host", "imap.port", "imap.security", "imap.username"}},
		"not settings":           {`[1]`, "", []string{"imap.host", "email"}},
		"email is not the login": {`{"email":"other@example.com","imap":{"host":"imap.example.com","username":"support"}}`, "", nil},
	} {
		require.Equal(t, c.want, imap.CredentialTargetChanges(json.RawMessage(base), json.RawMessage(c.new), c.username), name)
	}

	// Without imap.username, the login is the credentials' username, or
	// else the email.
	noUser := json.RawMessage(`{"email":"support@example.com","imap":{"host":"imap.example.com"}}`)
	otherEmail := json.RawMessage(`{"email":"boss@example.com","imap":{"host":"imap.example.com"}}`)
	require.Equal(t, []string{"email"}, imap.CredentialTargetChanges(noUser, otherEmail, ""))
	require.Empty(t, imap.CredentialTargetChanges(noUser, otherEmail, "support"))
}
