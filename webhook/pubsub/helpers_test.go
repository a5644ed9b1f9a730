package pubsub_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook/pubsub"
	"github.com/ucsp/integration/webhook/pubsub/pubsubtest"
)

const (
	testAudience     = "https://integrations.example.com/webhooks/gmail"
	testAccount      = "gmail-push@my-project.iam.gserviceaccount.com"
	testSubscription = "projects/my-project/subscriptions/gmail-push"
	// gmailData is the data of a Gmail watch's push.
	gmailData = `{"emailAddress":"user@example.com","historyId":9876543210}`
)

// newVerifier returns a Verifier of testAudience and testAccount (unless
// opts says otherwise) that fetches iss's keys.
func newVerifier(t testing.TB, iss *pubsubtest.Issuer, opts pubsub.Options) *pubsub.Verifier {
	t.Helper()
	if opts.Audience == "" {
		opts.Audience = testAudience
	}
	if opts.ServiceAccount == "" {
		opts.ServiceAccount = testAccount
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = iss.HTTPClient()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	v, err := pubsub.New(t.Context(), opts)
	require.NoError(t, err)
	return v
}

// token returns a push token of iss for testAccount and testAudience
// with its claims changed by edit.
func token(iss *pubsubtest.Issuer, edit func(claims map[string]any)) string {
	c := iss.Claims(testAccount, testAudience)
	edit(c)
	return iss.SignClaims(c)
}

// pushBody is the body of a Gmail watch's push to testSubscription.
func pushBody(messageID string) string {
	return string(pubsubtest.PushBody(testSubscription, messageID, []byte(gmailData), map[string]string{"k": "v"}))
}

// pushRequest is a push request with body, and token unless empty.
func pushRequest(token, body string) *http.Request {
	return pubsubtest.NewPushRequest(testAudience, token, []byte(body))
}

// problemStatus returns the status of a problem+json body.
func problemStatus(t testing.TB, body string) (int, string) {
	t.Helper()
	var p struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	return p.Status, p.Detail
}
