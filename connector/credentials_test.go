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
