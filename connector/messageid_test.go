package connector_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func TestNewMessageID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 10000 {
		id := connector.NewMessageID("support@example.com")
		require.True(t, strings.HasSuffix(id, "@example.com"), id)
		require.False(t, seen[id], "duplicate Message-ID %s", id)
		seen[id] = true
	}
	for in, domain := range map[string]string{"example.org": "example.org", "": "localhost", "bad domain@": "localhost", "a@b c": "localhost", ".example.net.": "example.net"} {
		id := connector.NewMessageID(in)
		_, got, _ := strings.Cut(id, "@")
		require.Equal(t, domain, got, "domain of %q", in)
		msg := &connector.OutboundMessage{MessageID: id, From: connector.Address{Email: "a@example.com"}, To: []connector.Address{{Email: "b@example.com"}}, Subject: "s", Text: "t"}
		require.NoError(t, msg.Validate(), "NewMessageID(%q) = %q must be a valid Message-ID", in, id)
	}
}
