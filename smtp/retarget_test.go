package smtp_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/smtp"
)

func TestCredentialTargetChanges(t *testing.T) {
	t.Parallel()
	base := `{"host":"smtp.example.com","port":587}`
	for name, c := range map[string]struct {
		old, new string
		want     []string
	}{
		"same":              {base, base, nil},
		"defaults spelled":  {base, `{"host":"SMTP.example.com","security":"starttls","auth":"auto","helo":"me"}`, nil},
		"new host":          {base, `{"host":"evil.example.net","port":587}`, []string{"host"}},
		"tls on 465":        {base, `{"host":"smtp.example.com","security":"tls"}`, []string{"port", "security"}},
		"plaintext":         {base, `{"host":"smtp.example.com","port":587,"security":"none"}`, []string{"security"}},
		"new username":      {base, `{"host":"smtp.example.com","username":"boss"}`, []string{"username"}},
		"smtp added":        {``, base, []string{"host"}},
		"smtp removed":      {base, ``, nil},
		"auth none now":     {base, `{"host":"evil.example.net","auth":"none"}`, nil},
		"auth from none":    {`{"host":"smtp.example.com","auth":"none"}`, base, []string{"auth"}},
		"mechanism changed": {base, `{"host":"smtp.example.com","auth":"login"}`, nil},
		"not settings":      {base, `"x"`, nil},
	} {
		require.Equal(t, c.want, smtp.CredentialTargetChanges(json.RawMessage(c.old), json.RawMessage(c.new), "support"), name)
	}
	require.Empty(t, smtp.CredentialTargetChanges(json.RawMessage(base), json.RawMessage(`{"host":"smtp.example.com","username":"support"}`), "support"),
		"the username spelled out is the one the credentials gave")
}
