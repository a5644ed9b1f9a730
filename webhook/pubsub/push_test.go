package pubsub_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/pubsub"
)

func TestDecodeData(t *testing.T) {
	t.Parallel()
	// Bytes whose base64 differs between the alphabets and needs padding.
	raw := []byte{0xfb, 0xff, 0xbf, 0x3e, 0x3f, 0x00, 'h', 'i'}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		s := enc.EncodeToString(raw)
		got, err := pubsub.DecodeData(s)
		require.NoError(t, err, s)
		require.Equal(t, raw, got, s)
	}
	got, err := pubsub.DecodeData("")
	require.NoError(t, err)
	require.Empty(t, got)
	for _, bad := range []string{"!!!!", "+-//", "a", "YWJj ZA=="} {
		_, err := pubsub.DecodeData(bad)
		require.Error(t, err, bad)
	}
}

func TestDecodePush(t *testing.T) {
	t.Parallel()
	// Only the snake_case duplicates, no data, a delivery attempt.
	p, err := pubsub.DecodePush([]byte(`{"message":{"message_id":"7","publish_time":"2026-01-02T03:04:05Z"},
		"subscription":"projects/p/subscriptions/s","deliveryAttempt":3}`))
	require.NoError(t, err)
	require.Equal(t, "7", p.Message.MessageID)
	require.Nil(t, p.Message.Data)
	require.Equal(t, 3, p.DeliveryAttempt)
	require.Equal(t, 2026, p.Message.PublishTime.Year())

	for _, bad := range []string{
		``, `[]`, `{}`, `{"message":{}}`,
		`{"message":{"messageId":"1"}}`,
		`{"message":{"data":"e30="},"subscription":"s"}`,
		`{"message":{"messageId":"1","data":"%%%"},"subscription":"s"}`,
		`{"message":{"messageId":"1","publishTime":"yesterday"},"subscription":"s"}`,
	} {
		_, err := pubsub.DecodePush([]byte(bad))
		require.ErrorIs(t, err, webhook.ErrMalformedBody, bad)
	}
}
