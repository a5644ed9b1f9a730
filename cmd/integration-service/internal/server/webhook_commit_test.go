package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// TestCustomWebhookConcurrent: many deliveries to one source at once,
// each message delivered three times under different webhook-ids, are
// committed in groups: every delivery is answered 200, each message is
// stored once and announced once, exactly one of its deliveries says
// it stored it and the others name the same stored id as duplicates.
func TestCustomWebhookConcurrent(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, nil)
	const messages, copies = 60, 3
	type answer struct {
		msg int
		out customIngested
	}
	answers := make(chan answer, messages*copies)
	var wg sync.WaitGroup
	for c := range copies {
		for m := range messages {
			wg.Go(func() {
				body := fmt.Sprintf(`{"from":{"email":"ann@example.org"},"subject":"n %d","message_id":"c%d@example.org"}`, m, m)
				rec := f.push(t, f.id, f.secret, fmt.Sprintf("msg_%d_%d", m, c), time.Now(), body)
				if rec.Code != http.StatusOK {
					t.Errorf("delivery %d/%d: %d %s", m, c, rec.Code, rec.Body)
					return
				}
				var out customIngested
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
					t.Error(err)
					return
				}
				answers <- answer{msg: m, out: out}
			})
		}
	}
	wg.Wait()
	close(answers)

	stored := map[int]int{}
	ids := map[int]map[string]bool{}
	for a := range answers {
		if !a.out.Duplicate {
			stored[a.msg]++
		}
		if ids[a.msg] == nil {
			ids[a.msg] = map[string]bool{}
		}
		ids[a.msg][a.out.ID] = true
	}
	for m := range messages {
		require.Equal(t, 1, stored[m], "message %d: one delivery stored it", m)
		require.Len(t, ids[m], 1, "message %d: every delivery names the same stored id", m)
	}
	require.Equal(t, int64(messages), f.messages(t))
	page, err := f.app.store.ListEvents(t.Context(), "tenant-c", store.ListEventsOptions{ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	require.NoError(t, err)
	received := 0
	for _, ev := range page.Items {
		if ev.Type == eventMessageReceived {
			received++
		}
	}
	require.Equal(t, messages, received, "one message.received per message")
	st, err := f.app.store.SyncState(t.Context(), "tenant-c", f.id)
	require.NoError(t, err)
	require.Less(t, st.Version, int64(messages*copies), "deliveries were committed in groups")
}

// TestTakeBatch: a batch takes waiting deliveries in order, at most
// ingestBatchMax and one per provider id; the rest wait.
func TestTakeBatch(t *testing.T) {
	t.Parallel()
	item := func(pid string) *ingestItem {
		return &ingestItem{msg: &connector.Message{ProviderID: pid}}
	}
	q := &ingestQueue{}
	for i := range ingestBatchMax + 5 {
		q.waiting = append(q.waiting, item(fmt.Sprint("p", i)))
	}
	q.waiting = append(q.waiting[:3], append([]*ingestItem{item("p1")}, q.waiting[3:]...)...)
	batch := takeBatch(q)
	require.Len(t, batch, ingestBatchMax)
	require.Equal(t, "p0", batch[0].msg.ProviderID)
	require.Equal(t, "p3", batch[3].msg.ProviderID, "the second p1 waits")
	require.Len(t, q.waiting, 6)
	require.Equal(t, "p1", q.waiting[0].msg.ProviderID)
}
