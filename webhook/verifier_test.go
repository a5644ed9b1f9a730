package webhook_test

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// The example published with the Standard Webhooks reference libraries
// (github.com/standard-webhooks/standard-webhooks, libraries/*/tests):
// this secret, id, timestamp and body are signed by this signature.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// specTime is the spec example's timestamp, the clock of most tests.
var specTime = time.Unix(specTimestamp, 0)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustSecret(t testing.TB, s string) webhook.Secret {
	t.Helper()
	sec, err := webhook.ParseSecret(s)
	require.NoError(t, err)
	return sec
}

func newVerifier(t testing.TB, opts webhook.VerifierOptions, secrets ...webhook.Secret) *webhook.Verifier {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock(specTime)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	v, err := webhook.NewVerifier(secrets, opts)
	require.NoError(t, err)
	return v
}

func specHeaders() http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, specID)
	h.Set(webhook.HeaderTimestamp, strconv.Itoa(specTimestamp))
	h.Set(webhook.HeaderSignature, specSignature)
	return h
}

func TestSpecExampleVerifies(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, "whsec_")} {
		v := newVerifier(t, webhook.VerifierOptions{}, mustSecret(t, secret))
		d, err := v.Verify(specHeaders(), []byte(specBody))
		require.NoError(t, err, "secret %q", secret)
		require.Equal(t, specID, d.ID)
		require.True(t, d.Timestamp.Equal(specTime))
	}
}

func TestSpecExampleIsWhatSignerSigns(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSigner(mustSecret(t, specSecret))
	require.NoError(t, err)
	sig, err := s.Signature(specID, specTime, []byte(specBody))
	require.NoError(t, err)
	require.Equal(t, specSignature, sig)

	h, err := s.Sign(specID, specTime, []byte(specBody))
	require.NoError(t, err)
	require.Equal(t, specHeaders(), h)
}

// b64 returns standard base64 of n bytes of value c.
func b64(n int, c byte) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string([]byte{c}), n)))
}

// verifyCase is a request to verify and the error it must fail with (nil:
// accepted).
type verifyCase struct {
	name    string
	secrets []string // of the verifier; default specSecret
	now     time.Time
	opts    webhook.VerifierOptions
	header  func(h http.Header)
	body    string
	want    error
}

// verifyCases covers the acceptance matrix of the Standard Webhooks
// verifier. Every case starts from the spec example.
func verifyCases(t testing.TB) []verifyCase {
	other := webhook.GenerateSecret()
	signedByOther := func(h http.Header) {
		s, err := webhook.NewSigner(other)
		require.NoError(t, err)
		sig, err := s.Signature(specID, specTime, []byte(specBody))
		require.NoError(t, err)
		h.Set(webhook.HeaderSignature, sig)
	}
	sigEntries := func(entries ...string) func(h http.Header) {
		return func(h http.Header) { h.Set(webhook.HeaderSignature, strings.Join(entries, " ")) }
	}
	setTS := func(ts string) func(h http.Header) {
		return func(h http.Header) { h.Set(webhook.HeaderTimestamp, ts) }
	}
	del := func(name string) func(h http.Header) { return func(h http.Header) { h.Del(name) } }
	return []verifyCase{
		{name: "spec example"},
		{name: "tampered body", body: `{"test": 2432232315}`, want: webhook.ErrInvalidSignature},
		{name: "body with a trailing newline", body: specBody + "\n", want: webhook.ErrInvalidSignature},
		{name: "tampered id", header: func(h http.Header) { h.Set(webhook.HeaderID, specID+"x") }, want: webhook.ErrInvalidSignature},
		{name: "wrong secret", secrets: []string{other.Encode()}, want: webhook.ErrInvalidSignature},
		{name: "rotation: old secret second", secrets: []string{other.Encode(), specSecret}},
		{name: "rotation: signed by the new secret only", secrets: []string{specSecret, other.Encode()}, header: signedByOther},
		{name: "rotation: both signatures sent", header: sigEntries(specSignature, "v1,"+b64(32, 7))},
		{name: "rotation: valid signature second", header: sigEntries("v1,"+b64(32, 7), specSignature)},
		{name: "unknown versions skipped", header: sigEntries("v1a,"+b64(64, 1), "v2,xyz", specSignature)},
		{name: "signature header repeated", header: func(h http.Header) {
			h.Set(webhook.HeaderSignature, "v1,"+b64(32, 7))
			h.Add(webhook.HeaderSignature, specSignature)
		}},
		{name: "extra spaces", header: sigEntries("", specSignature, "")},
		{name: "only other versions", header: sigEntries("v1a," + b64(64, 1)), want: webhook.ErrInvalidSignature},
		{name: "valid signature of another body", header: sigEntries("v1," + b64(32, 9)), want: webhook.ErrInvalidSignature},

		{name: "stale by a second", now: specTime.Add(5*time.Minute + time.Second), want: webhook.ErrTimestampTooOld},
		{name: "stale by a day", now: specTime.Add(24 * time.Hour), want: webhook.ErrTimestampTooOld},
		{name: "old at the tolerance", now: specTime.Add(5 * time.Minute)},
		{name: "future by a second", now: specTime.Add(-5*time.Minute - time.Second), want: webhook.ErrTimestampTooNew},
		{name: "future at the tolerance", now: specTime.Add(-5 * time.Minute)},
		{name: "custom tolerance: stale", now: specTime.Add(31 * time.Second), opts: webhook.VerifierOptions{Tolerance: 30 * time.Second}, want: webhook.ErrTimestampTooOld},
		{name: "custom tolerance: future", now: specTime.Add(-31 * time.Second), opts: webhook.VerifierOptions{Tolerance: 30 * time.Second}, want: webhook.ErrTimestampTooNew},
		{name: "custom tolerance: within", now: specTime.Add(-30 * time.Second), opts: webhook.VerifierOptions{Tolerance: 30 * time.Second}},

		{name: "missing id", header: del(webhook.HeaderID), want: webhook.ErrMissingHeaders},
		{name: "missing timestamp", header: del(webhook.HeaderTimestamp), want: webhook.ErrMissingHeaders},
		{name: "missing signature", header: del(webhook.HeaderSignature), want: webhook.ErrMissingHeaders},
		{name: "empty signature", header: sigEntries(""), want: webhook.ErrMissingHeaders},
		{name: "blank signature", header: sigEntries("   "), want: webhook.ErrMissingHeaders},
		{name: "no headers", header: func(h http.Header) { clear(h) }, want: webhook.ErrMissingHeaders},

		{name: "entry without comma", header: sigEntries("v1"), want: webhook.ErrMalformedSignature},
		{name: "entry without version", header: sigEntries("," + b64(32, 7)), want: webhook.ErrMalformedSignature},
		{name: "entry without signature", header: sigEntries("v1,"), want: webhook.ErrMalformedSignature},
		{name: "v1 not base64", header: sigEntries("v1," + strings.Repeat("!", 44)), want: webhook.ErrMalformedSignature},
		{name: "v1 url-safe base64", header: sigEntries("v1," + strings.NewReplacer("+", "-", "/", "_").Replace(specSignature[3:])), want: webhook.ErrMalformedSignature},
		{name: "v1 of 31 bytes", header: sigEntries("v1," + b64(31, 7)), want: webhook.ErrMalformedSignature},
		{name: "v1 of 33 bytes", header: sigEntries("v1," + b64(33, 7)), want: webhook.ErrMalformedSignature},
		{name: "malformed entry beside a valid one", header: sigEntries(specSignature, "garbage"), want: webhook.ErrMalformedSignature},
		{name: "comma-separated list", header: sigEntries(specSignature + "," + specSignature), want: webhook.ErrMalformedSignature},
		{name: "too many entries", header: sigEntries(append(strings.Fields(strings.Repeat("v1,"+b64(32, 7)+" ", webhook.MaxSignatures)), specSignature)...), want: webhook.ErrMalformedSignature},

		{name: "timestamp not a number", header: setTS("yesterday"), want: webhook.ErrMalformedHeaders},
		{name: "timestamp with a sign", header: setTS("+1614265330"), want: webhook.ErrMalformedHeaders},
		{name: "timestamp negative", header: setTS("-1614265330"), want: webhook.ErrMalformedHeaders},
		{name: "timestamp with a fraction", header: setTS("1614265330.0"), want: webhook.ErrMalformedHeaders},
		{name: "timestamp in milliseconds", header: setTS("1614265330000"), want: webhook.ErrMalformedHeaders},
		{name: "timestamp repeated", header: func(h http.Header) { h.Add(webhook.HeaderTimestamp, "1614265330") }, want: webhook.ErrMalformedHeaders},
		{name: "id repeated", header: func(h http.Header) { h.Add(webhook.HeaderID, "msg_2") }, want: webhook.ErrMalformedHeaders},
		{name: "id too long", header: func(h http.Header) { h.Set(webhook.HeaderID, strings.Repeat("a", webhook.MaxIDLength+1)) }, want: webhook.ErrMalformedHeaders},
	}
}

func (c verifyCase) request(t testing.TB) (*webhook.Verifier, http.Header, []byte) {
	secrets := c.secrets
	if secrets == nil {
		secrets = []string{specSecret}
	}
	var secs []webhook.Secret
	for _, s := range secrets {
		secs = append(secs, mustSecret(t, s))
	}
	now := c.now
	if now.IsZero() {
		now = specTime
	}
	opts := c.opts
	opts.Now = fixedClock(now)
	h := specHeaders()
	if c.header != nil {
		c.header(h)
	}
	body := c.body
	if body == "" {
		body = specBody
	}
	return newVerifier(t, opts, secs...), h, []byte(body)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	for _, c := range verifyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, h, body := c.request(t)
			d, err := v.Verify(h, body)
			if c.want == nil {
				require.NoError(t, err)
				require.Equal(t, h.Get(webhook.HeaderID), d.ID)
				return
			}
			require.ErrorIs(t, err, c.want)
			require.Equal(t, webhook.Delivery{}, d)
			var werr *webhook.Error
			require.True(t, errors.As(err, &werr), "errors.As *webhook.Error")
			require.Equal(t, http.StatusUnauthorized, werr.StatusCode())
			require.Equal(t, http.StatusUnauthorized, webhook.StatusCode(err))
			// The error says which check failed and repeats no credential.
			require.True(t, strings.HasPrefix(err.Error(), "webhook: "), err.Error())
			for _, s := range strings.Fields(h.Get(webhook.HeaderSignature)) {
				require.NotContains(t, err.Error(), s)
			}
			require.NotContains(t, err.Error(), "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		})
	}
}

func TestMissingHeadersNamesThem(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, webhook.VerifierOptions{}, mustSecret(t, specSecret))
	h := specHeaders()
	h.Del(webhook.HeaderID)
	h.Del(webhook.HeaderSignature)
	_, err := v.Verify(h, []byte(specBody))
	require.EqualError(t, err, "webhook: missing headers: webhook-id, webhook-signature")
}

func TestNewVerifierOptions(t *testing.T) {
	t.Parallel()
	sec := []webhook.Secret{webhook.GenerateSecret()}
	for _, c := range []struct {
		secrets []webhook.Secret
		opts    webhook.VerifierOptions
		want    string
	}{
		{nil, webhook.VerifierOptions{}, "no secrets"},
		{[]webhook.Secret{{}}, webhook.VerifierOptions{}, "secret 0 is the zero Secret"},
		{sec, webhook.VerifierOptions{Tolerance: -1}, "Tolerance"},
		{sec, webhook.VerifierOptions{MaxBodyBytes: -1}, "MaxBodyBytes"},
		{sec, webhook.VerifierOptions{ReplayTTL: 9 * time.Minute}, "ReplayTTL"},
		{sec, webhook.VerifierOptions{Tolerance: time.Minute, ReplayTTL: 119 * time.Second}, "ReplayTTL"},
	} {
		_, err := webhook.NewVerifier(c.secrets, c.opts)
		require.ErrorContains(t, err, c.want)
	}
	_, err := webhook.NewVerifier(sec, webhook.VerifierOptions{Tolerance: time.Minute, ReplayTTL: 2 * time.Minute})
	require.NoError(t, err)
}
