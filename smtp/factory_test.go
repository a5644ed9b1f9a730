package smtp_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

func TestSenderFactorySendsWithTheSharedTokenSource(t *testing.T) {
	t.Parallel()
	const user = "support@example.com"
	ts := startServer(t, serverOptions{TLS: "implicit", Mechs: []string{"XOAUTH2"}, Token: validTokens(user)})
	shared := &tokenSource{}
	build := smtp.SenderFactory(smtp.FactoryOptions{Base: smtp.Config{
		Timeout: 7 * time.Second, HELO: "relay.test", TLSConfig: &tls.Config{RootCAs: ts.roots},
	}})
	snd, err := build(t.Context(), connector.Config{
		IntegrationID: "int-1",
		Settings:      json.RawMessage(fmt.Sprintf(`{"host":%q,"port":%d,"security":"tls"}`, ts.host, ts.port)),
		// The stored token is stale; the shared source is what must be used.
		Credentials: connector.Credentials{Username: user, OAuth2: &oauth2.Token{AccessToken: "stale", Expiry: time.Now().Add(-time.Hour)}},
		TokenSource: shared,
	})
	require.NoError(t, err)
	s := snd.(*smtp.Sender)
	require.Equal(t, 7*time.Second, s.Config().Timeout, "Base settings apply")
	require.Equal(t, "relay.test", s.Config().HELO)
	require.Equal(t, user, s.Config().Username, "the username defaults to the credentials'")

	_, err = snd.Send(t.Context(), simple(t))
	require.NoError(t, err)
	require.Len(t, ts.received(), 1)
	require.Equal(t, []string{"tok-1"}, ts.presentedTokens(), "the token comes from connector.Config.TokenSource")
}

func TestSenderFactoryRefusesBadSettings(t *testing.T) {
	t.Parallel()
	build := smtp.SenderFactory(smtp.FactoryOptions{})
	_, err := build(t.Context(), connector.Config{
		Settings:    json.RawMessage(`{"port":70000,"security":"ssl"}`),
		Credentials: connector.Credentials{Password: "pw"},
	})
	var ve *connector.ValidationError
	require.ErrorAs(t, err, &ve)
	var fields []string
	for _, f := range ve.Fields {
		fields = append(fields, f.Field)
	}
	require.Subset(t, fields, []string{"host", "port", "security"})
	require.NotContains(t, err.Error(), "pw")
}
