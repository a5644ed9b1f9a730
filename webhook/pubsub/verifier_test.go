package pubsub_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/pubsub"
	"github.com/ucsp/integration/webhook/pubsub/pubsubtest"
)

func TestVerifyValidToken(t *testing.T) {
	t.Parallel()
	google := pubsubtest.NewIssuer()
	v := newVerifier(t, google, pubsub.Options{})
	for _, iss := range []string{"https://accounts.google.com", "accounts.google.com"} {
		c := google.Claims(testAccount, testAudience)
		c["iss"] = iss
		claims, err := v.VerifyToken(t.Context(), google.SignClaims(c))
		require.NoError(t, err, iss)
		require.Equal(t, iss, claims.Issuer)
		require.Equal(t, testAudience, claims.Audience)
		require.Equal(t, testAccount, claims.Email)
		require.Equal(t, c["sub"], claims.Subject)
		require.NotEmpty(t, claims.Subject)
		require.Equal(t, time.Unix(c["iat"].(int64), 0), claims.IssuedAt)
		require.WithinDuration(t, time.Now().Add(time.Hour), claims.Expires, 5*time.Second)
	}
	// The email comparison ignores case, as email addresses do.
	_, err := v.VerifyToken(t.Context(), google.Token(strings.ToUpper(testAccount), testAudience))
	require.NoError(t, err)
	require.Equal(t, 1, google.Fetches(), "Google's keys are fetched once and cached")
}

func TestVerifyTokenRejections(t *testing.T) {
	t.Parallel()
	google := pubsubtest.NewIssuer()
	rogue := google.Rogue() // same key id, another key
	valid := func() map[string]any { return google.Claims(testAccount, testAudience) }
	tamperedClaims := func() string {
		parts := strings.Split(google.Token(testAccount, testAudience), ".")
		c := valid()
		c["email"] = "attacker@evil.iam.gserviceaccount.com"
		other := rogue.SignClaims(c)
		return parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2]
	}
	for _, c := range []struct {
		name  string
		token string
		want  error
	}{
		{"not a JWT", "abc", pubsub.ErrInvalidToken},
		{"two segments", "eyJhbGciOiJSUzI1NiJ9.e30", pubsub.ErrInvalidToken},
		{"header not base64", "!!!.e30.sig", pubsub.ErrInvalidToken},
		{"header not JSON", "bm90IGpzb24.e30.c2ln", pubsub.ErrInvalidToken},
		{"signed by another key", rogue.SignClaims(valid()), pubsub.ErrInvalidToken},
		{"unknown key id", google.SignJWT(map[string]any{"kid": "nope"}, valid()), pubsub.ErrInvalidToken},
		{"claims changed after signing", tamperedClaims(), pubsub.ErrInvalidToken},
		{"alg none", strings.Join(strings.Split(google.SignJWT(map[string]any{"alg": "none"}, valid()), ".")[:2], ".") + ".", pubsub.ErrInvalidToken},
		{"alg HS256", google.SignJWT(map[string]any{"alg": "HS256"}, valid()), pubsub.ErrInvalidToken},
		{"alg ES256 with a short signature", strings.Join(strings.Split(google.SignJWT(map[string]any{"alg": "ES256"}, valid()), ".")[:2], ".") + ".AA", pubsub.ErrInvalidToken},
		{"expired", token(google, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), pubsub.ErrTokenExpired},
		{"no exp", token(google, func(c map[string]any) { delete(c, "exp") }), pubsub.ErrTokenExpired},
		{"wrong audience", token(google, func(c map[string]any) { c["aud"] = "https://other.example.com/push" }), pubsub.ErrWrongAudience},
		{"no audience", token(google, func(c map[string]any) { delete(c, "aud") }), pubsub.ErrWrongAudience},
		{"wrong issuer", token(google, func(c map[string]any) { c["iss"] = "https://evil.example.com" }), pubsub.ErrWrongIssuer},
		{"issuer http", token(google, func(c map[string]any) { c["iss"] = "http://accounts.google.com" }), pubsub.ErrWrongIssuer},
		{"wrong email", token(google, func(c map[string]any) { c["email"] = "other@my-project.iam.gserviceaccount.com" }), pubsub.ErrWrongEmail},
		{"no email", token(google, func(c map[string]any) { delete(c, "email") }), pubsub.ErrWrongEmail},
		{"email not verified", token(google, func(c map[string]any) { c["email_verified"] = false }), pubsub.ErrEmailNotVerified},
		{"email_verified missing", token(google, func(c map[string]any) { delete(c, "email_verified") }), pubsub.ErrEmailNotVerified},
		{"email_verified a string", token(google, func(c map[string]any) { c["email_verified"] = "true" }), pubsub.ErrEmailNotVerified},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, google, pubsub.Options{})
			claims, err := v.VerifyToken(t.Context(), c.token)
			require.ErrorIs(t, err, c.want)
			require.Nil(t, claims)
			for _, other := range []error{pubsub.ErrInvalidToken, pubsub.ErrTokenExpired, pubsub.ErrWrongAudience,
				pubsub.ErrWrongIssuer, pubsub.ErrWrongEmail, pubsub.ErrEmailNotVerified, pubsub.ErrKeysUnavailable} {
				if other != c.want {
					require.NotErrorIs(t, err, other)
				}
			}
			var werr *webhook.Error
			require.True(t, errors.As(err, &werr))
			if len(c.token) > 20 {
				require.NotContains(t, err.Error(), c.token[len(c.token)-20:], "the error repeats the token")
			}
		})
	}
}

func TestKeysUnavailable(t *testing.T) {
	t.Parallel()
	for _, fail := range []struct {
		status int
		err    error
	}{{http.StatusInternalServerError, nil}, {0, errors.New("dial tcp: connection refused")}} {
		google := pubsubtest.NewIssuer()
		v := newVerifier(t, google, pubsub.Options{})
		google.FailFetches(fail.status, fail.err)
		_, err := v.VerifyToken(t.Context(), google.Token(testAccount, testAudience))
		require.ErrorIs(t, err, pubsub.ErrKeysUnavailable)
		require.NotErrorIs(t, err, pubsub.ErrInvalidToken)
		require.Equal(t, http.StatusServiceUnavailable, webhook.StatusCode(err))

		google.FailFetches(0, nil)
		_, err = v.VerifyToken(t.Context(), google.Token(testAccount, testAudience))
		require.NoError(t, err, "verifies again once the keys can be fetched")
	}
}

// next records what reaches it.
type next struct {
	calls  atomic.Int32
	status int
	pushes []*pubsub.Push
}

func (n *next) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.calls.Add(1)
	p, claims, ok := pubsub.PushFromContext(r.Context())
	if !ok || claims == nil {
		panic("no push in context")
	}
	n.pushes = append(n.pushes, p)
	if n.status != 0 {
		w.WriteHeader(n.status)
	}
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	google := pubsubtest.NewIssuer()
	v := newVerifier(t, google, pubsub.Options{})
	n := &next{status: http.StatusNoContent}
	rec := httptest.NewRecorder()
	// A push as Pub/Sub documents it, written out rather than made with
	// pubsubtest.PushBody.
	body := `{"message":{"attributes":{"k":"v"},"data":"eyJlbWFpbEFkZHJlc3MiOiJ1c2VyQGV4YW1wbGUuY29tIiwiaGlzdG9yeUlkIjo5ODc2NTQzMjEwfQ==",` +
		`"messageId":"136969346945","message_id":"136969346945",` +
		`"publishTime":"2026-11-20T10:00:00.123Z","publish_time":"2026-11-20T10:00:00.123Z"},` +
		`"subscription":"projects/my-project/subscriptions/gmail-push"}`
	v.Middleware(n).ServeHTTP(rec, pushRequest(google.Token(testAccount, testAudience), body))
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, int32(1), n.calls.Load())
	p := n.pushes[0]
	require.Equal(t, "136969346945", p.Message.MessageID)
	require.Equal(t, "projects/my-project/subscriptions/gmail-push", p.Subscription)
	require.JSONEq(t, `{"emailAddress":"user@example.com","historyId":9876543210}`, string(p.Message.Data))
	require.Equal(t, map[string]string{"k": "v"}, p.Message.Attributes)
	require.True(t, p.Message.PublishTime.Equal(time.Date(2026, 11, 20, 10, 0, 0, 123e6, time.UTC)))
}

func TestMiddlewareRejections(t *testing.T) {
	t.Parallel()
	google := pubsubtest.NewIssuer()
	valid := func() string { return google.Token(testAccount, testAudience) }
	for _, c := range []struct {
		name   string
		req    func() *http.Request
		status int
		want   error
	}{
		{"no Authorization", func() *http.Request { return pushRequest("", pushBody("1")) }, 401, webhook.ErrMissingHeaders},
		{"Basic", func() *http.Request {
			r := pushRequest("", pushBody("1"))
			r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
			return r
		}, 401, webhook.ErrMissingHeaders},
		{"Bearer without token", func() *http.Request {
			r := pushRequest("", pushBody("1"))
			r.Header.Set("Authorization", "Bearer ")
			return r
		}, 401, webhook.ErrMissingHeaders},
		{"expired", func() *http.Request {
			return pushRequest(token(google, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), pushBody("1"))
		}, 401, pubsub.ErrTokenExpired},
		{"wrong audience", func() *http.Request {
			return pushRequest(token(google, func(c map[string]any) { c["aud"] = "x" }), pushBody("1"))
		}, 403, pubsub.ErrWrongAudience},
		{"wrong email", func() *http.Request {
			return pushRequest(token(google, func(c map[string]any) { c["email"] = "x@y.z" }), pushBody("1"))
		}, 403, pubsub.ErrWrongEmail},
		{"not an envelope", func() *http.Request { return pushRequest(valid(), `{"emailAddress":"a@b.c"}`) }, 400, webhook.ErrMalformedBody},
		{"not JSON", func() *http.Request { return pushRequest(valid(), `data=1`) }, 400, webhook.ErrMalformedBody},
		{"data not base64", func() *http.Request {
			return pushRequest(valid(), strings.Replace(pushBody("1"), `"data":"`, `"data":"!!`, 1))
		}, 400, webhook.ErrMalformedBody},
		{"oversized", func() *http.Request {
			return pushRequest(valid(), strings.Replace(pushBody("1"), `"k":"v"`, `"k":"`+strings.Repeat("v", 2048)+`"`, 1))
		}, 413, webhook.ErrBodyTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, google, pubsub.Options{MaxBodyBytes: 1024})
			n := &next{}
			rec := httptest.NewRecorder()
			v.Middleware(n).ServeHTTP(rec, c.req())
			require.Equal(t, c.status, rec.Code)
			require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			status, detail := problemStatus(t, rec.Body.String())
			require.Equal(t, c.status, status)
			require.True(t, strings.HasPrefix(detail, c.want.Error()), detail)
			require.Zero(t, n.calls.Load(), "next handler called for a rejected push")
		})
	}
}

func TestMiddlewareKeysUnavailable(t *testing.T) {
	t.Parallel()
	google := pubsubtest.NewIssuer()
	v := newVerifier(t, google, pubsub.Options{})
	google.FailFetches(0, errors.New("dial tcp 10.1.2.3:443: i/o timeout"))
	n := &next{}
	rec := httptest.NewRecorder()
	v.Middleware(n).ServeHTTP(rec, pushRequest(google.Token(testAccount, testAudience), pushBody("1")))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotContains(t, rec.Body.String(), "10.1.2.3", "the cause stays in the logs")
	require.Zero(t, n.calls.Load())
}

func TestMiddlewareReplay(t *testing.T) {
	t.Parallel()
	store := webhook.NewMemoryReplayStore()
	google := pubsubtest.NewIssuer()
	v := newVerifier(t, google, pubsub.Options{Replay: store})
	n := &next{}
	serve := func(body string) int {
		rec := httptest.NewRecorder()
		v.Middleware(n).ServeHTTP(rec, pushRequest(google.Token(testAccount, testAudience), body))
		return rec.Code
	}
	require.Equal(t, http.StatusOK, serve(pushBody("100")))
	require.Equal(t, http.StatusNoContent, serve(pushBody("100")), "a redelivered message is acknowledged")
	require.Equal(t, int32(1), n.calls.Load(), "and not served twice")
	require.Equal(t, http.StatusOK, serve(pushBody("101")))
	other := string(pubsubtest.PushBody("projects/my-project/subscriptions/other", "100", []byte(gmailData), nil))
	require.Equal(t, http.StatusOK, serve(other), "message ids are per subscription")
	require.Equal(t, int32(3), n.calls.Load())

	failing := &next{status: http.StatusInternalServerError}
	rec := httptest.NewRecorder()
	v.Middleware(failing).ServeHTTP(rec, pushRequest(google.Token(testAccount, testAudience), pushBody("102")))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Equal(t, http.StatusOK, serve(pushBody("102")), "a push whose handler failed is served when redelivered")
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opts pubsub.Options
		want string
	}{
		{pubsub.Options{ServiceAccount: testAccount}, "Audience"},
		{pubsub.Options{Audience: testAudience}, "ServiceAccount"},
		{pubsub.Options{Audience: testAudience, ServiceAccount: "not-an-email"}, "ServiceAccount"},
		{pubsub.Options{Audience: testAudience, ServiceAccount: testAccount, MaxBodyBytes: -1}, "MaxBodyBytes"},
		{pubsub.Options{Audience: testAudience, ServiceAccount: testAccount, ReplayTTL: -1}, "ReplayTTL"},
	} {
		_, err := pubsub.New(t.Context(), c.opts)
		require.ErrorContains(t, err, c.want)
	}
}
