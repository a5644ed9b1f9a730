package pubsubtest_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/pubsub"
	"github.com/ucsp/integration/webhook/pubsub/pubsubtest"
)

const (
	audience     = "https://integrations.example.com/webhooks/gmail"
	account      = "gmail-push@my-project.iam.gserviceaccount.com"
	subscription = "projects/my-project/subscriptions/gmail-push"
)

func newVerifier(t *testing.T, iss *pubsubtest.Issuer) *pubsub.Verifier {
	t.Helper()
	v, err := pubsub.New(t.Context(), pubsub.Options{
		Audience:       audience,
		ServiceAccount: account,
		HTTPClient:     iss.HTTPClient(),
		Logger:         slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	return v
}

func TestTokenVerifies(t *testing.T) {
	t.Parallel()
	iss := pubsubtest.NewIssuer()
	v := newVerifier(t, iss)
	claims, err := v.VerifyToken(t.Context(), iss.Token(account, audience))
	require.NoError(t, err)
	require.Equal(t, pubsubtest.GoogleIssuer, claims.Issuer)
	require.Equal(t, "https://accounts.google.com", claims.Issuer)
	require.Equal(t, audience, claims.Audience)
	require.Equal(t, account, claims.Email)
	require.Regexp(t, `^[0-9]{21}$`, claims.Subject)
	require.Equal(t, iss.Claims(account, audience)["sub"], claims.Subject, "the same account has the same id")
	require.WithinDuration(t, time.Now(), claims.IssuedAt, 5*time.Second)
	require.WithinDuration(t, time.Now().Add(time.Hour), claims.Expires, 5*time.Second)

	_, err = v.VerifyToken(t.Context(), iss.Token(account, audience))
	require.NoError(t, err)
	require.Equal(t, 1, iss.Fetches(), "the keys are fetched once and cached for their max-age")
}

// TestMiddlewareOverLoopback sends a push as Pub/Sub would, over a real
// connection, to a verifying endpoint.
func TestMiddlewareOverLoopback(t *testing.T) {
	t.Parallel()
	iss := pubsubtest.NewIssuer()
	v := newVerifier(t, iss)
	data := []byte(`{"emailAddress":"user@example.com","historyId":9876543210}`)
	got := make(chan *pubsub.Push, 1)
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _, _ := pubsub.PushFromContext(r.Context())
		got <- p
		w.WriteHeader(http.StatusNoContent)
	})))
	t.Cleanup(srv.Close)

	body := pubsubtest.PushBody(subscription, "136969346945", data, map[string]string{"k": "v"})
	resp, err := srv.Client().Do(pubsubtest.NewPushRequest(srv.URL+"/webhooks/gmail", iss.Token(account, audience), body))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	p := <-got
	require.Equal(t, data, p.Message.Data)
	require.Equal(t, "136969346945", p.Message.MessageID)
	require.Equal(t, subscription, p.Subscription)
	require.Equal(t, map[string]string{"k": "v"}, p.Message.Attributes)

	resp, err = srv.Client().Do(pubsubtest.NewPushRequest(srv.URL+"/webhooks/gmail", iss.Rogue().Token(account, audience), body))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Empty(t, got, "a rogue push reached the handler")
}

func TestRejections(t *testing.T) {
	t.Parallel()
	iss := pubsubtest.NewIssuer()
	edited := func(edit func(c map[string]any)) string {
		c := iss.Claims(account, audience)
		edit(c)
		return iss.SignClaims(c)
	}
	for _, c := range []struct {
		name   string
		token  string
		want   error
		status int
	}{
		{"signed by a rogue key", iss.Rogue().Token(account, audience), pubsub.ErrInvalidToken, http.StatusUnauthorized},
		{"signed by another issuer", pubsubtest.NewIssuer().Token(account, audience), pubsub.ErrInvalidToken, http.StatusUnauthorized},
		{"unknown key id", iss.SignJWT(map[string]any{"kid": "nope"}, iss.Claims(account, audience)), pubsub.ErrInvalidToken, http.StatusUnauthorized},
		{"no key id", iss.SignJWT(map[string]any{"kid": nil}, iss.Claims(account, audience)), pubsub.ErrInvalidToken, http.StatusUnauthorized},
		{"alg HS256", iss.SignJWT(map[string]any{"alg": "HS256"}, iss.Claims(account, audience)), pubsub.ErrInvalidToken, http.StatusUnauthorized},
		{"expired", edited(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), pubsub.ErrTokenExpired, http.StatusUnauthorized},
		{"wrong audience", iss.Token(account, "https://other.example.com/push"), pubsub.ErrWrongAudience, http.StatusForbidden},
		{"wrong issuer", edited(func(c map[string]any) { c["iss"] = "https://evil.example.com" }), pubsub.ErrWrongIssuer, http.StatusForbidden},
		{"wrong email", iss.Token("other@my-project.iam.gserviceaccount.com", audience), pubsub.ErrWrongEmail, http.StatusForbidden},
		{"email not verified", edited(func(c map[string]any) { c["email_verified"] = false }), pubsub.ErrEmailNotVerified, http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, iss)
			_, err := v.VerifyToken(t.Context(), c.token)
			require.ErrorIs(t, err, c.want)
			var werr *webhook.Error
			require.ErrorAs(t, err, &werr)

			called := false
			rec := httptest.NewRecorder()
			v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })).
				ServeHTTP(rec, pubsubtest.NewPushRequest("/webhooks/gmail", c.token, pubsubtest.PushBody(subscription, "1", []byte("x"), nil)))
			require.Equal(t, c.status, rec.Code)
			require.False(t, called, "next handler called for a rejected push")
		})
	}
}

// TestServedKeys reads what HTTPClient serves, without idtoken: the JWK
// set at Google's URL verifies the Issuer's tokens, and nothing else is
// answered.
func TestServedKeys(t *testing.T) {
	t.Parallel()
	iss := pubsubtest.NewIssuer()
	require.Regexp(t, `^[0-9a-f]{40}$`, iss.KeyID())
	hc := iss.HTTPClient()

	resp, err := hc.Get("https://www.googleapis.com/oauth2/v3/certs")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "application/json")
	require.Regexp(t, `max-age=[1-9][0-9]*`, resp.Header.Get("Cache-Control"))
	var set struct {
		Keys []struct{ Kty, Alg, Use, Kid, N, E string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&set))
	require.NoError(t, resp.Body.Close())
	require.Len(t, set.Keys, 2, "Google serves two keys")

	tok := iss.Token(account, audience)
	rogue := iss.Rogue()
	require.Equal(t, iss.KeyID(), rogue.KeyID())
	var verified int
	for _, k := range set.Keys {
		require.Equal(t, "RSA", k.Kty)
		require.Equal(t, "RS256", k.Alg)
		require.Equal(t, "sig", k.Use)
		pub := jwkKey(t, k.N, k.E)
		require.False(t, pub.Equal(rogue.PublicKey()), "the rogue's key is served")
		if k.Kid == iss.KeyID() {
			require.True(t, pub.Equal(iss.PublicKey()))
			require.NoError(t, verifyRS256(pub, tok))
			verified++
		} else {
			require.Error(t, verifyRS256(pub, tok), "the other key verifies the issuer's tokens")
		}
	}
	require.Equal(t, 1, verified)
	require.Error(t, verifyRS256(iss.PublicKey(), rogue.Token(account, audience)))

	resp, err = hc.Get("https://www.gstatic.com/iap/verify/public_key-jwk")
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"keys":[]}`, string(b), "no ES256 keys")

	for _, other := range []string{
		"https://www.googleapis.com/oauth2/v1/certs",
		"https://oauth2.googleapis.com/token",
		"http://www.googleapis.com/oauth2/v3/certs",
		"https://example.com/",
	} {
		_, err := hc.Get(other)
		require.ErrorContains(t, err, "pubsubtest:", other)
	}
	require.Equal(t, 2, iss.Fetches())
}

func jwkKey(t *testing.T, n, e string) *rsa.PublicKey {
	t.Helper()
	nb, err := base64.RawURLEncoding.DecodeString(n)
	require.NoError(t, err)
	eb, err := base64.RawURLEncoding.DecodeString(e)
	require.NoError(t, err)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(new(big.Int).SetBytes(eb).Int64())}
}

func verifyRS256(pub *rsa.PublicKey, token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

func TestSignJWTHeader(t *testing.T) {
	t.Parallel()
	iss := pubsubtest.NewIssuer()
	header := func(tok string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
		require.NoError(t, err)
		var h map[string]any
		require.NoError(t, json.Unmarshal(b, &h))
		return h
	}
	require.Equal(t, map[string]any{"alg": "RS256", "kid": iss.KeyID(), "typ": "JWT"}, header(iss.Token(account, audience)))
	require.Equal(t, map[string]any{"alg": "ES256", "typ": "JWT", "x": "y"},
		header(iss.SignJWT(map[string]any{"alg": "ES256", "kid": nil, "x": "y"}, map[string]any{})))
}

func TestFailFetches(t *testing.T) {
	t.Parallel()
	for _, fail := range []struct {
		code int
		err  error
	}{{http.StatusInternalServerError, nil}, {0, errors.New("dial tcp: connection refused")}} {
		iss := pubsubtest.NewIssuer()
		v := newVerifier(t, iss)
		iss.FailFetches(fail.code, fail.err)
		_, err := v.VerifyToken(t.Context(), iss.Token(account, audience))
		require.ErrorIs(t, err, pubsub.ErrKeysUnavailable)
		require.Equal(t, http.StatusServiceUnavailable, webhook.StatusCode(err))

		iss.FailFetches(0, nil)
		_, err = v.VerifyToken(t.Context(), iss.Token(account, audience))
		require.NoError(t, err, "verifies once the keys are served again")
		require.Equal(t, 2, iss.Fetches())
	}
}

func TestPushBody(t *testing.T) {
	t.Parallel()
	// Bytes whose standard base64 has '+', '/' and padding.
	data := []byte{0xfb, 0xff, 0xbf, 'h', 'i'}
	body := pubsubtest.PushBody(subscription, "2070443601311540", data, map[string]string{"k": "v"})

	var wire struct {
		Message      map[string]any `json:"message"`
		Subscription string         `json:"subscription"`
	}
	require.NoError(t, json.Unmarshal(body, &wire))
	require.Equal(t, subscription, wire.Subscription)
	m := wire.Message
	require.Equal(t, base64.StdEncoding.EncodeToString(data), m["data"])
	require.Equal(t, "+/+/aGk=", m["data"])
	require.Equal(t, "2070443601311540", m["messageId"])
	require.Equal(t, "2070443601311540", m["message_id"])
	require.Equal(t, m["publishTime"], m["publish_time"])
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, m["publishTime"])
	require.Equal(t, map[string]any{"k": "v"}, m["attributes"])

	p, err := pubsub.DecodePush(body)
	require.NoError(t, err)
	require.Equal(t, data, p.Message.Data)
	require.Equal(t, "2070443601311540", p.Message.MessageID)
	require.Equal(t, subscription, p.Subscription)
	require.Equal(t, map[string]string{"k": "v"}, p.Message.Attributes)
	require.WithinDuration(t, time.Now(), p.Message.PublishTime, 5*time.Second)

	// Without data or attributes, Pub/Sub leaves the fields out.
	body = pubsubtest.PushBody(subscription, "7", nil, nil)
	require.NotContains(t, string(body), `"data"`)
	require.NotContains(t, string(body), `"attributes"`)
	p, err = pubsub.DecodePush(body)
	require.NoError(t, err)
	require.Empty(t, p.Message.Data)
	require.Equal(t, "7", p.Message.MessageID)
}

func TestNewPushRequest(t *testing.T) {
	t.Parallel()
	body := pubsubtest.PushBody(subscription, "1", []byte("x"), nil)
	r := pubsubtest.NewPushRequest("https://integrations.example.com/webhooks/gmail?token=abc", "tok", body)
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "integrations.example.com", r.URL.Host)
	require.Equal(t, "/webhooks/gmail", r.URL.Path)
	require.Equal(t, "abc", r.URL.Query().Get("token"))
	require.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.Equal(t, pubsubtest.UserAgent, r.Header.Get("User-Agent"))
	require.Equal(t, int64(len(body)), r.ContentLength)
	got, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	require.Equal(t, body, got)

	r = pubsubtest.NewPushRequest("/webhooks/gmail", "", body)
	_, ok := r.Header["Authorization"]
	require.False(t, ok, "no Authorization without a token")
}
