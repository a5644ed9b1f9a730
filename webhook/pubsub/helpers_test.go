package pubsub_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook/pubsub"
)

const (
	testAudience = "https://integrations.example.com/webhooks/gmail"
	testAccount  = "gmail-push@my-project.iam.gserviceaccount.com"
	testKID      = "test-key-1"
	googleCerts  = "https://www.googleapis.com/oauth2/v3/certs"
)

var (
	keysOnce            sync.Once
	googleKey, rogueKey *rsa.PrivateKey
)

// testKeys returns the key the fake Google signs with and another one.
func testKeys() (google, rogue *rsa.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		googleKey, err = rsa.GenerateKey(rand.Reader, 2048)
		if err == nil {
			rogueKey, err = rsa.GenerateKey(rand.Reader, 2048)
		}
		if err != nil {
			panic(err)
		}
	})
	return googleKey, rogueKey
}

// certsTransport serves Google's certificate endpoint in the JWKS form
// Google publishes, with the test key; it fails when told to.
type certsTransport struct {
	fetches atomic.Int32
	mu      sync.Mutex
	status  int   // 0: 200
	err     error // returned instead of a response
}

func (c *certsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.fetches.Add(1)
	c.mu.Lock()
	status, err := c.status, c.err
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if req.URL.String() != googleCerts {
		return nil, errors.New("unexpected fetch of " + req.URL.String())
	}
	if status == 0 {
		status = http.StatusOK
	}
	google, _ := testKeys()
	b64 := base64.RawURLEncoding.EncodeToString
	body, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kid": "some-other-key", "kty": "RSA", "alg": "RS256", "use": "sig", "n": b64(big.NewInt(3).Bytes()), "e": "AQAB"},
		{"kid": testKID, "kty": "RSA", "alg": "RS256", "use": "sig",
			"n": b64(google.N.Bytes()), "e": b64(big.NewInt(int64(google.E)).Bytes())},
	}})
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Cache-Control", "public, max-age=19204, must-revalidate, no-transform")
	return &http.Response{
		StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(string(body))),
		Request: req, ContentLength: int64(len(body)),
	}, nil
}

func (c *certsTransport) fail(status int, err error) {
	c.mu.Lock()
	c.status, c.err = status, err
	c.mu.Unlock()
}

// validClaims are the claims of a Pub/Sub push token.
func validClaims() map[string]any {
	now := time.Now()
	return map[string]any{
		"aud":            testAudience,
		"azp":            "113774264463038321964",
		"email":          testAccount,
		"email_verified": true,
		"exp":            now.Add(time.Hour).Unix(),
		"iat":            now.Unix(),
		"iss":            "https://accounts.google.com",
		"sub":            "113774264463038321964",
	}
}

// signJWT returns a JWT of claims with the given header fields, signed
// RS256 with key.
func signJWT(t testing.TB, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": "RS256", "kid": testKID, "typ": "JWT"}
	for k, v := range header {
		h[k] = v
	}
	hj, err := json.Marshal(h)
	require.NoError(t, err)
	cj, err := json.Marshal(claims)
	require.NoError(t, err)
	signing := base64.RawURLEncoding.EncodeToString(hj) + "." + base64.RawURLEncoding.EncodeToString(cj)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	require.NoError(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func googleToken(t testing.TB, edit func(claims map[string]any)) string {
	google, _ := testKeys()
	c := validClaims()
	if edit != nil {
		edit(c)
	}
	return signJWT(t, google, nil, c)
}

func newVerifier(t testing.TB, opts pubsub.Options) (*pubsub.Verifier, *certsTransport) {
	t.Helper()
	certs := &certsTransport{}
	if opts.Audience == "" {
		opts.Audience = testAudience
	}
	if opts.ServiceAccount == "" {
		opts.ServiceAccount = testAccount
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Transport: certs}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	v, err := pubsub.New(t.Context(), opts)
	require.NoError(t, err)
	return v, certs
}

// pushBody is a push envelope as Pub/Sub sends it for a Gmail watch.
func pushBody(messageID string) string {
	data := base64.StdEncoding.EncodeToString([]byte(`{"emailAddress":"user@example.com","historyId":9876543210}`))
	return `{"message":{"attributes":{"k":"v"},"data":"` + data + `","messageId":"` + messageID + `","message_id":"` + messageID +
		`","publishTime":"2026-11-20T10:00:00.123Z","publish_time":"2026-11-20T10:00:00.123Z"},` +
		`"subscription":"projects/my-project/subscriptions/gmail-push"}`
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
