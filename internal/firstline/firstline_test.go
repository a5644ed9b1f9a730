package firstline_test

import (
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/firstline"
)

func TestConnKeepsTheFirstLine(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		_, _ = server.Write([]byte("SSH-2.0-"))
		_, _ = server.Write([]byte("OpenSSH_9.6\r\nmore\r\n"))
		_ = server.Close()
	}()
	c := firstline.New(client)
	all, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Equal(t, "SSH-2.0-OpenSSH_9.6\r\nmore\r\n", string(all), "reads pass through")
	require.Equal(t, "SSH-2.0-OpenSSH_9.6\r\n", string(c.Line()))
}

func TestConnKeepsAtMost512Bytes(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		_, _ = server.Write(make([]byte, 2000))
		_ = server.Close()
	}()
	c := firstline.New(client)
	_, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Len(t, c.Line(), 512)
}

func TestCouldStart(t *testing.T) {
	t.Parallel()
	imap := []string{"* OK", "* PREAUTH", "* BYE"}
	smtp := []string{"### ", "###-", "###\r", "###\n"}
	for line, want := range map[string]bool{
		"":                        true,
		"*":                       true,
		"* ok ready\r\n":          true,
		"* PREAUTH hi\r\n":        true,
		"* BY":                    true,
		"SSH-2.0-OpenSSH_9.6\r\n": false,
		"HTTP/1.1 400":            false,
		"* NO\r\n":                false,
	} {
		require.Equal(t, want, firstline.CouldStart([]byte(line), imap...), "imap %q", line)
	}
	for line, want := range map[string]bool{
		"":                        true,
		"2":                       true,
		"220 mx ESMTP\r\n":        true,
		"220-mx\r\n":              true,
		"554\r\n":                 true,
		"SSH-2.0-OpenSSH_9.6\r\n": false,
		"22a ":                    false,
		"2200 ":                   false,
	} {
		require.Equal(t, want, firstline.CouldStart([]byte(line), smtp...), "smtp %q", line)
	}
}
