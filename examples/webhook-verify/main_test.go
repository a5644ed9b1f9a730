package main

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// TestSignedPassesTamperedFails: the signed delivery reaches the handler
// once (its replay is acknowledged, not handled), and the one with a
// changed body is refused with 401 and webhook.ErrInvalidSignature.
func TestSignedPassesTamperedFails(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := run(t.Context(), config{
		Secret: webhook.GenerateSecret().Encode(),
		Event:  `{"type":"message.received","data":{"id":"msg_1"}}`,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	}, &out)
	require.NoError(t, err)

	require.Len(t, res.Handled, 1, "only the genuine delivery is handled, once")
	require.True(t, strings.HasPrefix(res.Handled[0], "evt_"), res.Handled[0])
	require.Equal(t, "sent the event: 200 OK\n"+
		"sent the same delivery again: 204 No Content\n"+
		"sent the event with its body changed: 401 Unauthorized\n"+
		"handled "+res.Handled[0]+"\n"+
		"Verify of the changed body: webhook: no matching signature (HTTP 401)\n", out.String())

	require.ErrorIs(t, res.TamperedErr, webhook.ErrInvalidSignature)
	var werr *webhook.Error
	require.True(t, errors.As(res.TamperedErr, &werr))
	require.Equal(t, http.StatusUnauthorized, werr.StatusCode())
}

func TestRunRefusesBadSecret(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, err := run(t.Context(), config{Secret: "whsec_tooshort", Event: "{}"}, &out)
	require.ErrorContains(t, err, "WEBHOOK_SECRET")
	require.ErrorIs(t, err, webhook.ErrInvalidSecret)
	require.Empty(t, out.String())
}
