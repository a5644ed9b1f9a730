package webhook_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

func TestParseSecret(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in string
		ok bool
	}{
		{specSecret, true},
		{strings.TrimPrefix(specSecret, "whsec_"), true},
		{"whsec_" + b64(64, 1), true},
		{"whsec_" + b64(23, 1), false},
		{"whsec_" + b64(65, 1), false},
		{"whsec_", false},
		{"", false},
		{"whsec_not base64!", false},
		{"whsec_" + base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)), false},
	} {
		s, err := webhook.ParseSecret(c.in)
		if c.ok {
			require.NoError(t, err, c.in)
			require.False(t, s.IsZero())
			continue
		}
		require.ErrorIs(t, err, webhook.ErrInvalidSecret, c.in)
		if len(c.in) > len("whsec_")+4 {
			require.NotContains(t, err.Error(), c.in[len("whsec_"):], "the error repeats the secret")
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.GenerateSecret(), webhook.GenerateSecret()
	require.NotEqual(t, a.Encode(), b.Encode())
	enc := a.Encode()
	require.True(t, strings.HasPrefix(enc, "whsec_"))
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(enc, "whsec_"))
	require.NoError(t, err)
	require.Len(t, raw, 32)

	// What Encode shows is what signs: a receiver configured with the
	// text verifies what the generated secret signed.
	parsed, err := webhook.ParseSecret(enc)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(a)
	require.NoError(t, err)
	h, err := signer.Sign("evt_1", specTime, []byte("{}"))
	require.NoError(t, err)
	_, err = newVerifier(t, webhook.VerifierOptions{}, parsed).Verify(h, []byte("{}"))
	require.NoError(t, err)
}

func TestSecretFromBytesCopies(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 24)
	s, err := webhook.SecretFromBytes(key)
	require.NoError(t, err)
	want := s.Encode()
	key[0] = 8
	require.Equal(t, want, s.Encode())
	_, err = webhook.SecretFromBytes(key[:23])
	require.ErrorIs(t, err, webhook.ErrInvalidSecret)
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := mustSecret(t, specSecret)
	key := strings.TrimPrefix(specSecret, "whsec_")
	type config struct {
		Name   string
		Secret webhook.Secret
	}
	c := config{Name: "x", Secret: s}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "secret", s, "config", c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "secret", s, "config", c)
	js, err := json.Marshal(c)
	require.NoError(t, err)
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%v", &c),
		logs.String(), string(js),
	} {
		require.NotContains(t, out, key)
		require.NotContains(t, out, key[:12])
	}
	require.Equal(t, "whsec_[redacted]", s.String())
}

func TestSignerRotationAndFormat(t *testing.T) {
	t.Parallel()
	a, b := webhook.GenerateSecret(), webhook.GenerateSecret()
	both, err := webhook.NewSigner(a, b)
	require.NoError(t, err)
	body := []byte(`{"type":"message.received"}`)
	at := time.Now()
	sig, err := both.Signature("evt_1", at, body)
	require.NoError(t, err)
	entries := strings.Split(sig, " ")
	require.Len(t, entries, 2)
	for _, e := range entries {
		require.True(t, strings.HasPrefix(e, "v1,"), e)
		raw, err := base64.StdEncoding.DecodeString(e[3:])
		require.NoError(t, err)
		require.Len(t, raw, 32)
	}
	h, err := both.Sign("evt_1", at, body)
	require.NoError(t, err)
	require.Equal(t, sig, h.Get(webhook.HeaderSignature))
	require.Equal(t, fmt.Sprint(at.Unix()), h.Get(webhook.HeaderTimestamp))
	require.Equal(t, "evt_1", h.Get(webhook.HeaderID))
	// Receivers that know either secret accept it.
	for _, sec := range []webhook.Secret{a, b} {
		_, err := newVerifier(t, webhook.VerifierOptions{Now: time.Now}, sec).Verify(h, body)
		require.NoError(t, err)
	}
	_, err = newVerifier(t, webhook.VerifierOptions{Now: time.Now}, webhook.GenerateSecret()).Verify(h, body)
	require.ErrorIs(t, err, webhook.ErrInvalidSignature)
}

func TestSignerRejectsBadIDs(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSigner(webhook.GenerateSecret())
	require.NoError(t, err)
	for _, id := range []string{"", "evt.1", "evt 1", "evt\r\nX-Injected: 1", "évt", strings.Repeat("a", webhook.MaxIDLength+1)} {
		_, err := s.Sign(id, time.Now(), nil)
		require.ErrorIs(t, err, webhook.ErrInvalidID, "%q", id)
		_, err = s.Signature(id, time.Now(), nil)
		require.ErrorIs(t, err, webhook.ErrInvalidID, "%q", id)
	}
	_, err = s.Sign(strings.Repeat("a", webhook.MaxIDLength), time.Now(), nil)
	require.NoError(t, err)
	_, err = webhook.NewSigner()
	require.Error(t, err)
	_, err = webhook.NewSigner(webhook.Secret{})
	require.Error(t, err)
}
