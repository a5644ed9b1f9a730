package outlook

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// A Registry builds outlook connectors from JSON settings and stored
// OAuth credentials; bad settings name their JSON field.
func TestFactory(t *testing.T) {
	t.Parallel()
	srv := outlooktest.NewServer(outlooktest.Options{})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)
	var reg connector.Registry
	require.NoError(t, reg.Register(ProviderName, Factory(FactoryOptions{Base: Config{Endpoint: srv.Endpoint()}, OAuth2: srv.OAuthConfig("")})))
	ctx := context.Background()
	c, err := reg.New(ctx, connector.Config{
		Provider: ProviderName, IntegrationID: "int-1",
		Settings:    json.RawMessage(`{"email":"` + testUser + `","folders":["inbox","archive"]}`),
		Credentials: connector.Credentials{OAuth2: tok},
	})
	require.NoError(t, err)
	require.Equal(t, ProviderName, c.Provider())
	require.NoError(t, c.Test(ctx))
	require.Equal(t, []string{"inbox", "archive"}, c.(*Connector).cfg.Folders)

	cases := map[string]string{
		`{"email":"not an address"}`:                     "email",
		`{"email":"` + testUser + `","folders":["a/b"]}`: "folders[0]",
		`{"email":"` + testUser + `","label":"x"}`:       "settings",
		``: "settings",
	}
	for settings, field := range cases {
		_, err := reg.New(ctx, connector.Config{Provider: ProviderName, Settings: json.RawMessage(settings), Credentials: connector.Credentials{OAuth2: tok}})
		var v *connector.ValidationError
		require.ErrorAs(t, err, &v, settings)
		require.Equal(t, field, v.Fields[0].Field, settings)
		require.ErrorIs(t, err, connector.ErrPermanent)
	}
	_, err = reg.New(ctx, connector.Config{Provider: ProviderName, Settings: json.RawMessage(`{"email":"` + testUser + `"}`)})
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Equal(t, "credentials", v.Fields[0].Field)
}

// New names each bad Config field.
func TestConfigValidation(t *testing.T) {
	t.Parallel()
	_, err := New(Config{BatchSize: MaxBatchSize + 1, MaxRetries: 11, Endpoint: "ftp://x", SubscriptionLifetime: MaxSubscriptionLifetime + 1, Folders: []string{"inbox", "INBOX"}})
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	var fields []string
	for _, f := range ce.Fields {
		fields = append(fields, f.Field)
	}
	require.ElementsMatch(t, []string{"Email", "TokenSource", "Endpoint", "Folders[1]", "BatchSize", "MaxRetries", "SubscriptionLifetime"}, fields)
}
