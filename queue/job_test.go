package queue_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
)

// Decode unmarshals the payload; a bad payload is an error naming the job.
func TestJobDecode(t *testing.T) {
	var v struct{ N int }
	require.NoError(t, (&queue.Job{Payload: []byte(`{"N":3}`)}).Decode(&v))
	require.Equal(t, 3, v.N)

	err := (&queue.Job{ID: "j1", Type: "sync", Payload: []byte("{")}).Decode(&v)
	var syntax *json.SyntaxError
	require.ErrorAs(t, err, &syntax)
	require.ErrorContains(t, err, "queue: job j1 (sync): decode payload")
}

// EnqueueJSON refuses a value JSON cannot encode, and enqueues nothing.
func TestEnqueueJSONEncodeError(t *testing.T) {
	m := queue.NewMemory(queue.MemoryOptions{})
	defer m.Close()
	res, err := queue.EnqueueJSON(t.Context(), m, "bad", make(chan int))
	require.Error(t, err)
	require.Nil(t, res)
	require.ErrorContains(t, err, "queue: encode bad payload")
	stats, err := m.Stats(t.Context())
	require.NoError(t, err)
	require.Empty(t, stats)
}
