package custom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/custom"
)

// gatedStore holds the first CommitSync until gate is closed, and says
// on entered when it is there.
type gatedStore struct {
	store.Store
	once    sync.Once
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedStore) CommitSync(ctx context.Context, c *store.SyncCommit) (*store.SyncResult, error) {
	g.once.Do(func() {
		close(g.entered)
		<-g.gate
	})
	return g.Store.CommitSync(ctx, c)
}

// TestConcurrent: deliveries to one source that arrive while a commit
// of it runs wait and are committed together, at most one per message
// in a commit: every delivery is answered 200, each message (delivered
// three times under different webhook-ids) is stored once and announced
// once, exactly one of its deliveries says it stored it and the others
// name the same stored id as duplicates.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			g := &gatedStore{Store: b.store, entered: make(chan struct{}), gate: make(chan struct{})}
			f := newFixture(t, g, b.replay)
			const messages, copies = 60, 3
			type answer struct {
				msg int
				out custom.Result
			}
			answers := make(chan answer, messages*copies)
			var wg sync.WaitGroup
			deliver := func(m, c int) {
				body := fmt.Sprintf(`{"from":{"email":"ann@example.org"},"subject":"n %d","message_id":"c%d@example.org"}`, m, m)
				rec := f.push(t, f.id, f.secret, fmt.Sprintf("msg_%d_%d", m, c), time.Now(), body)
				if rec.Code != http.StatusOK {
					t.Errorf("delivery %d/%d: %d %s", m, c, rec.Code, rec.Body)
					return
				}
				var out custom.Result
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
					t.Error(err)
					return
				}
				answers <- answer{msg: m, out: out}
			}
			wg.Go(func() { deliver(0, 0) })
			<-g.entered // the first delivery's commit is running
			for c := range copies {
				for m := range messages {
					if m != 0 || c != 0 {
						wg.Go(func() { deliver(m, c) })
					}
				}
			}
			require.Eventually(t, func() bool { return f.sources.Waiting(f.id) == messages*copies-1 }, 10*time.Second, time.Millisecond)
			close(g.gate)
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
			received := 0
			for _, ev := range f.events(t) {
				if ev.Type == syncrun.EventMessageReceived {
					received++
				}
			}
			require.Equal(t, messages, received, "one message.received per message")
			require.Equal(t, messages, f.pub.len(), "each published once")
			st, err := f.st.SyncState(t.Context(), "acme", f.id)
			require.NoError(t, err)
			// The first commit, then the 179 waiting deliveries in commits of
			// at most one per message: three.
			require.Equal(t, int64(1+copies), st.Version, "deliveries waiting together are committed together")
		})
	}
}
