package syncrun_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// TestReceivedEventsCarryAutomated: message.received says whether a
// machine wrote the message, and says nothing for a message never
// classified.
func TestReceivedEventsCarryAutomated(t *testing.T) {
	t.Parallel()
	bounce := &store.Message{ID: store.NewID(), TenantID: "t1", IntegrationID: store.NewID(), Message: connector.Message{
		ProviderID: "p1",
		Automated: connector.Automated{Kind: connector.AutomatedBounce, Reasons: []string{"X-Failed-Recipients: a@example.com"},
			Bounce: &connector.Bounce{Action: "failed", Recipients: []connector.BounceRecipient{{Address: "a@example.com", Action: "failed"}}}},
	}}
	old := &store.Message{ID: store.NewID(), TenantID: "t1", IntegrationID: bounce.IntegrationID, Message: connector.Message{ProviderID: "p2"}}
	events, err := syncrun.ReceivedEvents([]*store.Message{bounce, old})
	require.NoError(t, err)
	require.Len(t, events, 2)

	var got syncrun.MessageReceivedData
	require.NoError(t, json.Unmarshal(events[0].Payload, &got))
	require.NotNil(t, got.Message.Automated)
	require.Equal(t, bounce.Automated, *got.Message.Automated)

	var raw struct {
		Message map[string]any `json:"message"`
	}
	require.NoError(t, json.Unmarshal(events[1].Payload, &raw))
	require.NotContains(t, raw.Message, "automated")
	require.Contains(t, raw.Message, "provider_id")
}
