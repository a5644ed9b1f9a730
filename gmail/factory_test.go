package gmail

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

// Bad settings and credentials are a ValidationError naming the JSON
// fields; good ones build a gmail connector that works.
func TestFactory(t *testing.T) {
	t.Parallel()
	srv := gmailtest.NewServer(gmailtest.Options{})
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(testUser)
	factory := Factory(FactoryOptions{Base: Config{Endpoint: srv.Endpoint()}})
	creds := connector.Credentials{OAuth2: tok}
	for _, tc := range []struct {
		settings string
		creds    connector.Credentials
		fields   []string
	}{
		{``, creds, []string{"settings"}},
		{`{"email":`, creds, []string{"settings"}},
		{`{"email":"a@example.com","folders":["INBOX"]}`, creds, []string{"settings"}},
		{`{}`, creds, []string{"email"}},
		{`{"email":"Jane <a@example.com>"}`, creds, []string{"email"}},
		{`{"email":"a@example.com","label":"INBOX,SENT"}`, creds, []string{"label"}},
		{`{"email":"a@example.com"}`, connector.Credentials{Password: "pw"}, []string{"credentials"}},
		{`{"email":"a@example.com","query":"a\nb"}`, creds, []string{"query"}},
	} {
		_, err := factory(context.Background(), connector.Config{Settings: []byte(tc.settings), Credentials: tc.creds})
		var ve *connector.ValidationError
		require.ErrorAs(t, err, &ve, tc.settings)
		require.ErrorIs(t, err, connector.ErrPermanent)
		var fields []string
		for _, f := range ve.Fields {
			fields = append(fields, f.Field)
		}
		require.Equal(t, tc.fields, fields, tc.settings)
	}

	c, err := factory(context.Background(), connector.Config{
		Settings:    []byte(`{"email":"` + testUser + `","label":"*","include_spam_trash":true}`),
		Credentials: creds,
	})
	require.NoError(t, err)
	require.Equal(t, "gmail", c.Provider())
	require.Equal(t, AllMail, c.(*Connector).cfg.Label)
	require.NoError(t, c.Test(context.Background()))

	shared := oauth2.StaticTokenSource(tok)
	c, err = factory(context.Background(), connector.Config{Settings: []byte(`{"email":"` + testUser + `"}`), TokenSource: shared})
	require.NoError(t, err, "a shared TokenSource is enough")
	require.NoError(t, c.Test(context.Background()))
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	ts := staticToken("x")
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{TokenSource: ts}, "Email"},
		{Config{Email: testUser}, "TokenSource"},
		{Config{Email: testUser, TokenSource: ts, Endpoint: "ftp://x"}, "Endpoint"},
		{Config{Email: testUser, TokenSource: ts, BatchSize: 501}, "BatchSize"},
		{Config{Email: testUser, TokenSource: ts, BatchSize: -1}, "BatchSize"},
		{Config{Email: testUser, TokenSource: ts, Concurrency: -1}, "Concurrency"},
		{Config{Email: testUser, TokenSource: ts, RetryBase: 2, RetryMax: 1}, "RetryMax"},
	} {
		_, err := New(tc.cfg)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, "%+v", tc.cfg)
		require.Equal(t, tc.field, ce.Fields[0].Field)
	}
	c, err := New(Config{Email: testUser, TokenSource: ts, Endpoint: "http://127.0.0.1:1"})
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:1/", c.cfg.Endpoint)
	require.Equal(t, DefaultLabel, c.cfg.Label)
	require.Equal(t, DefaultBatchSize, c.cfg.BatchSize)
	require.Equal(t, DefaultMaxRetries, c.cfg.MaxRetries)
	require.Equal(t, DefaultRetryBase, c.cfg.RetryBase)
}
