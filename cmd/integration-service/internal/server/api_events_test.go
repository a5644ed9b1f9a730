package server

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook/outbox"
)

// TestEventLastErrorShown: the API shows a stored class as it is, and
// anything else stored (before classes, the receiver's text) as
// unclassified; the document's pattern is the outbox's.
func TestEventLastErrorShown(t *testing.T) {
	t.Parallel()
	require.Equal(t, "http_5xx: 502", outbox.PublicError("http_5xx: 502"))
	require.Equal(t, "", outbox.PublicError(""))
	require.Equal(t, "unclassified", outbox.PublicError("delivery: receiver answered 500: db-7.internal down"))
	require.Equal(t, "unclassified", outbox.PublicError("delivery: dial tcp 10.0.0.7:443: connect: connection refused"))

	doc := loadOpenAPI(t)
	s := doc.Components.Schemas["EventRecord"].Value.Properties["last_error"].Value
	require.Equal(t, outbox.ClassPattern, s.Pattern)
}
