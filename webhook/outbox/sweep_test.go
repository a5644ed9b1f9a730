package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/outbox"
)

// TestSweep: an event stored but never enqueued (a crash between commit
// and enqueue) is enqueued by the sweep once it is overdue, and
// delivered once even when swept twice.
func TestSweep(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rc := newReceiver(t)
		ob, err := outbox.New(st, b, outbox.Options{URL: rc.srv.URL, Signer: rc.signer(t)})
		require.NoError(t, err)
		runWorker(t, b, ob)
		ctx := context.Background()
		ev := newEvent(t, st, "t.lost")

		n, err := ob.Sweep(ctx, time.Now())
		require.NoError(t, err)
		require.Zero(t, n, "not overdue yet: its own enqueue may still come")

		later := time.Now().Add(outbox.DefaultSweepGrace + time.Second)
		n, err = ob.Sweep(ctx, later)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		n, err = ob.Sweep(ctx, later)
		require.NoError(t, err)
		require.Zero(t, n, "claimed by the first sweep")
		waitStatus(t, st, ev.ID, store.EventDelivered)
		time.Sleep(100 * time.Millisecond)
		require.Len(t, rc.tries(ev.ID), 1)
	})
}

// TestSweepRecoversFailedEnqueue: an enqueue that fails is logged, not
// returned; the periodic sweep job enqueues the event, which is
// delivered.
func TestSweepRecoversFailedEnqueue(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rc := newReceiver(t)
		rec := &recorder{Broker: b, fail: errors.New("broker down")}
		ob, err := outbox.New(st, rec, outbox.Options{URL: rc.srv.URL, Signer: rc.signer(t),
			SweepGrace: time.Nanosecond, SweepInterval: time.Second})
		require.NoError(t, err)
		ctx := context.Background()
		ev := newEvent(t, st, "t.unqueued")
		ob.Enqueue(ctx, ev)
		require.Empty(t, rec.enqueued())
		require.Equal(t, store.EventPending, getEvent(t, st, ev.ID).Status)

		rec.mu.Lock()
		rec.fail = nil
		rec.mu.Unlock()
		p := ob.Periodic()
		require.Equal(t, outbox.JobSweep, p.Type)
		require.Equal(t, time.Second, p.Every)
		runWorker(t, rec, ob, p)
		waitStatus(t, st, ev.ID, store.EventDelivered)
		require.Len(t, rc.tries(ev.ID), 1)
	})
}

// TestRedeliver: a dead event, and a delivered one, are made pending
// and delivered again with the same webhook-id; another tenant's event
// is not found.
func TestRedeliver(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rc := newReceiver(t)
		rc.on("t.refused", answer{status: 400})
		ob, err := outbox.New(st, b, outbox.Options{URL: rc.srv.URL, Signer: rc.signer(t), Backoff: fastBackoff})
		require.NoError(t, err)
		runWorker(t, b, ob)
		ctx := context.Background()
		ev := newEvent(t, st, "t.refused")
		ob.Enqueue(ctx, ev)
		waitStatus(t, st, ev.ID, store.EventDead)

		got, err := ob.Redeliver(ctx, tenant, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventPending, got.Status)
		waitStatus(t, st, ev.ID, store.EventDelivered)
		require.Len(t, rc.tries(ev.ID), 2, "both with the event's id as webhook-id")

		_, err = ob.Redeliver(ctx, tenant, ev.ID)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return len(rc.tries(ev.ID)) == 3 }, 15*time.Second, 10*time.Millisecond,
			"a delivered event is sent again")

		_, err = ob.Redeliver(ctx, "another-tenant", ev.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = ob.Redeliver(ctx, tenant, store.NewID())
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

// TestNoURL: an outbox without a URL enqueues nothing, sweeps nothing,
// leaves the events of delivery jobs pending, and Redeliver only makes
// an event pending.
func TestNoURL(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rec := &recorder{Broker: b}
		off, err := outbox.New(st, rec, outbox.Options{})
		require.NoError(t, err)
		require.False(t, off.Delivers())
		ctx := context.Background()
		ev := newEvent(t, st, "t.kept")
		off.Enqueue(ctx, ev)
		require.Empty(t, rec.enqueued())
		n, err := off.Sweep(ctx, time.Now().Add(time.Hour))
		require.NoError(t, err)
		require.Zero(t, n)

		// A delivery job enqueued by an outbox that had a URL.
		on, err := outbox.New(st, rec, outbox.Options{URL: "http://127.0.0.1:1/", Signer: newReceiver(t).signer(t)})
		require.NoError(t, err)
		on.Enqueue(ctx, ev)
		jobs := rec.enqueued()
		require.Len(t, jobs, 1)
		var mux queue.Mux
		off.Register(&mux)
		require.NoError(t, mux.ProcessJob(ctx, jobs[0]))
		got := getEvent(t, st, ev.ID)
		require.Equal(t, store.EventPending, got.Status)
		require.Zero(t, got.Attempts)

		require.NoError(t, st.MarkEventFailed(ctx, ev.ID, time.Time{}, outbox.Class5xx+": 500"))
		got, err = off.Redeliver(ctx, tenant, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventPending, got.Status)
		require.Len(t, rec.enqueued(), 1, "nothing enqueued")
	})
}
