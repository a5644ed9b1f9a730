package syncrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// historyBox is a mailbox whose connector is a connector.Backfiller: a
// list of messages, a cursor "<next index>:<mark>:<done>", where the
// messages below mark are history, in batches of two.
type historyBox struct {
	mu    sync.Mutex
	msgs  []*connector.Message
	marks int
}

func (h *historyBox) deliver(n int, received time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		k := len(h.msgs) + 1
		h.msgs = append(h.msgs, &connector.Message{ProviderID: fmt.Sprintf("m%d", k), Subject: fmt.Sprintf("Question %d", k), ReceivedAt: received})
	}
}

func (h *historyBox) connect(context.Context, *store.Integration) (connector.Connector, error) {
	return historyConn{h}, nil
}

type historyConn struct{ h *historyBox }

func (historyConn) Test(context.Context) error { return nil }

func (historyConn) Provider() string { return "memory" }

func (historyConn) Send(context.Context, *connector.OutboundMessage) (*connector.SendResult, error) {
	return nil, connector.ErrPermanent
}

func (c historyConn) BackfillCursor(context.Context) (connector.Cursor, error) {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	c.h.marks++
	return connector.Cursor(fmt.Sprintf("0:%d:0", len(c.h.msgs))), nil
}

func (c historyConn) Sync(ctx context.Context, cur connector.Cursor, fn connector.BatchFunc) error {
	next, mark, done := 0, 0, true
	if !cur.IsZero() {
		p := strings.Split(string(cur), ":")
		next, _ = strconv.Atoi(p[0])
		mark, _ = strconv.Atoi(p[1])
		done = p[2] == "1"
	}
	c.h.mu.Lock()
	msgs := append([]*connector.Message(nil), c.h.msgs...)
	c.h.mu.Unlock()
	for next < len(msgs) || !done {
		b := &connector.Batch{}
		for ; next < len(msgs) && len(b.Messages) < 2; next++ {
			m := msgs[next].Clone()
			m.History = next < mark
			b.Messages = append(b.Messages, m)
		}
		if !done && next >= mark {
			done, b.BackfillDone = true, true
		}
		d := 0
		if done {
			d = 1
		}
		b.Cursor = connector.Cursor(fmt.Sprintf("%d:%d:%d", next, mark, d))
		if err := fn(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func backfillData(t *testing.T, events []*store.Event) syncrun.BackfillCompletedData {
	t.Helper()
	for _, ev := range events {
		if ev.Type == syncrun.EventBackfillCompleted {
			var d syncrun.BackfillCompletedData
			require.NoError(t, json.Unmarshal(ev.Payload, &d))
			return d
		}
	}
	t.Fatal("no sync.backfill_completed")
	return syncrun.BackfillCompletedData{}
}

// TestBackfillPolicies: the mark taken at creation (TakeMark) cuts the
// mailbox; the history is stored as the mode says and announced only
// with announce_history; mail after the mark is announced once, and one
// sync.backfill_completed counts what happened.
func TestBackfillPolicies(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name                  string
		policy                store.Backfill
		stored, received      int
		wantStored, wantSkips int
	}{
		{"default", store.Backfill{}, 7, 2, 5, 0},
		{"since", store.Backfill{Mode: store.BackfillSince, Since: since}, 5, 2, 3, 2},
		{"none", store.Backfill{Mode: store.BackfillNone}, 2, 2, 0, 5},
		{"announced", store.Backfill{AnnounceHistory: true}, 7, 7, 5, 0},
	}
	for name, newBackend := range backends() {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				b := newBackend(t)
				in := &store.Integration{TenantID: "acme", Provider: "memory", Name: "Support", Backfill: tc.policy}
				require.NoError(t, b.store.CreateIntegration(t.Context(), in, connector.Credentials{}))
				box := &historyBox{}
				box.deliver(2, since.Add(-time.Hour))
				box.deliver(3, since.Add(time.Hour))
				r, pub := newRunner(t, b, nil, syncrun.Options{Connect: box.connect})
				ctx := t.Context()
				require.NoError(t, r.TakeMark(ctx, in.TenantID, in.ID))
				require.NoError(t, r.TakeMark(ctx, in.TenantID, in.ID), "a second call keeps the first mark")
				require.Equal(t, 1, box.marks)
				got, err := b.store.GetIntegration(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				require.Equal(t, connector.Cursor("0:5:0"), got.Backfill.Mark)
				box.deliver(2, time.Now()) // after the mark, before the first sync

				_, err = r.Sync(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				n, err := b.store.CountMessages(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				require.EqualValues(t, tc.stored, n)
				events := storedEvents(t, b.store, in)
				types := eventTypes(events)
				require.Equal(t, tc.received, types[syncrun.EventMessageReceived])
				require.Equal(t, 1, types[syncrun.EventBackfillCompleted])
				mode := tc.policy.Mode
				if mode == "" {
					mode = store.BackfillAll
				}
				require.Equal(t, syncrun.BackfillCompletedData{IntegrationID: in.ID, Mode: string(mode), Stored: tc.wantStored,
					Skipped: tc.wantSkips, Announced: tc.policy.AnnounceHistory, New: 1}, backfillData(t, events))
				require.Equal(t, types, pub.types())

				// New mail: announced once; the backfill is not completed again.
				box.deliver(1, time.Now())
				_, err = r.Sync(ctx, in.TenantID, in.ID)
				require.NoError(t, err)
				types = eventTypes(storedEvents(t, b.store, in))
				require.Equal(t, tc.received+1, types[syncrun.EventMessageReceived])
				require.Equal(t, 1, types[syncrun.EventBackfillCompleted])
			})
		}
	}
}

// TestBackfillMarkTakenByFirstSync: an integration created without a
// mark (TakeMark not called, or failed) has one taken by its first
// sync, kept in the integration: its mailbox's content then is history.
func TestBackfillMarkTakenByFirstSync(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	in := newIntegration(t, b.store, "memory")
	box := &historyBox{}
	box.deliver(3, time.Now())
	r, _ := newRunner(t, b, nil, syncrun.Options{Connect: box.connect})
	_, err := r.Sync(t.Context(), in.TenantID, in.ID)
	require.NoError(t, err)
	got, err := b.store.GetIntegration(t.Context(), in.TenantID, in.ID)
	require.NoError(t, err)
	require.Equal(t, connector.Cursor("0:3:0"), got.Backfill.Mark)
	types := eventTypes(storedEvents(t, b.store, in))
	require.Zero(t, types[syncrun.EventMessageReceived])
	require.Equal(t, 1, types[syncrun.EventBackfillCompleted])
}

// TestBackfillValidate: bad policies name the field.
func TestBackfillValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		b     store.Backfill
		field string
	}{
		{store.Backfill{Mode: "some"}, "backfill.mode"},
		{store.Backfill{Mode: store.BackfillSince}, "backfill.since"},
		{store.Backfill{Mode: store.BackfillNone, Since: time.Now()}, "backfill.since"},
	} {
		var ve *connector.ValidationError
		require.ErrorAs(t, tc.b.Validate(), &ve)
		require.Equal(t, tc.field, ve.Fields[0].Field)
	}
	require.NoError(t, store.Backfill{Mode: store.BackfillSince, Since: time.Now()}.Validate())
	require.NoError(t, store.Backfill{}.Validate())
}
