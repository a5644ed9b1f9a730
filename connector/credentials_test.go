package connector_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	c := connector.Credentials{
		OAuth2:    &oauth2.Token{AccessToken: "ya29.SECRET-ACCESS", RefreshToken: "1//SECRET-REFRESH", Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Username:  "jane@example.com",
		Password:  "SECRET-PASSWORD",
		AppSecret: "whsec_SECRET-APP",
	}
	secrets := []string{"SECRET-ACCESS", "SECRET-REFRESH", "SECRET-PASSWORD", "SECRET-APP"}

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out = append(out, fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c))
	}
	out = append(out, fmt.Sprint(c), fmt.Sprintln(c), c.String())
	type wrapper struct{ Creds connector.Credentials }
	out = append(out, fmt.Sprintf("%+v", wrapper{c}), fmt.Sprintf("%#v", wrapper{c}))

	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("connecting", "creds", c)
	}
	out = append(out, buf.String())

	for _, s := range out {
		for _, secret := range secrets {
			require.NotContains(t, s, secret)
		}
	}
	require.Contains(t, c.String(), "kind=oauth2")
	require.Contains(t, c.String(), "username=jane@example.com")
	require.Contains(t, c.String(), "password=[redacted]")
	require.Contains(t, buf.String(), `"kind":"oauth2"`)
}

func TestCredentialsJSONRoundTrip(t *testing.T) {
	t.Parallel()
	// JSON is how stores serialise credentials before sealing them: it
	// must keep every secret.
	c := connector.Credentials{Username: "u", Password: "p", AppSecret: "s", OAuth2: &oauth2.Token{AccessToken: "a", RefreshToken: "r"}}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var back connector.Credentials
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, "p", back.Password)
	require.Equal(t, "s", back.AppSecret)
	require.Equal(t, "a", back.OAuth2.AccessToken)
	require.Equal(t, "r", back.OAuth2.RefreshToken)
}

func TestCredentialsKind(t *testing.T) {
	t.Parallel()
	require.Equal(t, connector.CredentialsNone, connector.Credentials{}.Kind())
	require.True(t, connector.Credentials{}.IsZero())
	require.False(t, connector.Credentials{Username: "u"}.IsZero())
	require.Equal(t, connector.CredentialsPassword, connector.Credentials{Username: "u", Password: "p"}.Kind())
	require.Equal(t, connector.CredentialsAppSecret, connector.Credentials{AppSecret: "s"}.Kind())
	require.Equal(t, connector.CredentialsOAuth2, connector.Credentials{OAuth2: &oauth2.Token{RefreshToken: "r"}, Password: "p"}.Kind())
	require.Equal(t, connector.CredentialsNone, connector.Credentials{OAuth2: &oauth2.Token{}}.Kind())
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	m := &connector.Message{
		From: []connector.Address{{Email: "a@b.c"}}, Flags: []string{"x"}, References: []string{"r@x"},
		Headers:     connector.Header{"List-Id": {"l"}},
		Attachments: []connector.Attachment{{ID: "2", Content: []byte("abc")}},
	}
	c := m.Clone()
	c.From[0].Email = "changed"
	c.Flags[0] = "changed"
	c.References[0] = "changed"
	c.Headers["List-Id"][0] = "changed"
	c.Attachments[0].Content[0] = 'Z'
	require.Equal(t, "a@b.c", m.From[0].Email)
	require.Equal(t, "x", m.Flags[0])
	require.Equal(t, "r@x", m.References[0])
	require.Equal(t, "l", m.Headers.Get("List-Id"))
	require.Equal(t, "abc", string(m.Attachments[0].Content))

	o := &connector.OutboundMessage{To: []connector.Address{{Email: "a@b.c"}}, Headers: connector.Header{"X-A": {"1"}},
		Attachments: []connector.OutboundAttachment{{Filename: "f", Content: []byte("abc")}}}
	oc := o.Clone()
	oc.To[0].Email = "changed"
	oc.Headers["X-A"][0] = "changed"
	oc.Attachments[0].Content[0] = 'Z'
	require.Equal(t, "a@b.c", o.To[0].Email)
	require.Equal(t, "1", o.Headers.Get("X-A"))
	require.Equal(t, "abc", string(o.Attachments[0].Content))
	require.Nil(t, connector.Header(nil).Clone())
}
