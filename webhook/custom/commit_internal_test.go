package custom

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// TestTakeBatch: a batch takes waiting deliveries in order, at most
// batchMax and one per provider id; the rest wait.
func TestTakeBatch(t *testing.T) {
	t.Parallel()
	newItem := func(pid string) *item {
		return &item{msg: &connector.Message{ProviderID: pid}}
	}
	q := &queue{}
	for i := range batchMax + 5 {
		q.waiting = append(q.waiting, newItem(fmt.Sprint("p", i)))
	}
	q.waiting = append(q.waiting[:3], append([]*item{newItem("p1")}, q.waiting[3:]...)...)
	batch := takeBatch(q)
	require.Len(t, batch, batchMax)
	require.Equal(t, "p0", batch[0].msg.ProviderID)
	require.Equal(t, "p3", batch[3].msg.ProviderID, "the second p1 waits")
	require.Len(t, q.waiting, 6)
	require.Equal(t, "p1", q.waiting[0].msg.ProviderID)
}
