package server

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigIMAPMaxMessageBytes(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(envFunc())
	require.NoError(t, err)
	require.Equal(t, int64(50<<20), cfg.IMAPMaxMessageBytes)

	cfg, err = LoadConfig(envFunc("IMAP_MAX_MESSAGE_BYTES=1048576"))
	require.NoError(t, err)
	require.Equal(t, int64(1<<20), cfg.IMAPMaxMessageBytes)

	for _, v := range []string{"0", "-1", "50MB", "2147483648"} {
		_, err := LoadConfig(envFunc("IMAP_MAX_MESSAGE_BYTES=" + v))
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, v)
		require.Len(t, ce.Problems, 1, v)
		require.Contains(t, ce.Problems[0], "IMAP_MAX_MESSAGE_BYTES: ", v)
	}
}
