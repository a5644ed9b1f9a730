package store_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func TestNewEvent(t *testing.T) {
	t.Parallel()
	ev, err := store.NewEvent("acme \"inc\"", "in-1", "message.received", struct {
		IntegrationID string `json:"integration_id"`
		N             int    `json:"n"`
	}{"in-1", 3})
	require.NoError(t, err)
	require.Equal(t, "acme \"inc\"", ev.TenantID)
	require.Equal(t, "in-1", ev.IntegrationID)
	require.Equal(t, "message.received", ev.Type)
	require.JSONEq(t, `{"tenant_id":"acme \"inc\"","integration_id":"in-1","n":3}`, string(ev.Payload))
	require.True(t, json.Valid(ev.Payload))

	ev, err = store.NewEvent("t", "", "x", map[string]any{})
	require.NoError(t, err)
	require.Equal(t, `{"tenant_id":"t"}`, string(ev.Payload))

	_, err = store.NewEvent("t", "", "x", []int{1})
	require.Error(t, err)
	_, err = store.NewEvent("t", "", "x", func() {})
	require.Error(t, err)
}
