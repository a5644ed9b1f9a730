package syncrun_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// listening counts the listeners running per integration, and how often
// one ran while another of the same integration did.
type listening struct {
	mu      sync.Mutex
	now     map[string]int
	starts  map[string]int
	doubled int
}

func newListening() *listening {
	return &listening{now: map[string]int{}, starts: map[string]int{}}
}

func (l *listening) hook(ctx context.Context, in *store.Integration) (context.Context, func(error)) {
	l.mu.Lock()
	l.now[in.ID]++
	l.starts[in.ID]++
	if l.now[in.ID] > 1 {
		l.doubled++
	}
	l.mu.Unlock()
	return ctx, func(error) {
		l.mu.Lock()
		l.now[in.ID]--
		l.mu.Unlock()
	}
}

// once reports whether each of ids has exactly one listener running.
func (l *listening) once(ids []string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if l.now[id] != 1 {
			return false
		}
	}
	return true
}

func (l *listening) startsOf(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.starts[id]
}

// process is one process's watchers.
type process struct {
	w    *syncrun.Watchers
	stop context.CancelFunc
	done chan error
}

func startProcess(t *testing.T, r *syncrun.Runner, b *backend, owner string) *process {
	t.Helper()
	w, err := r.Watchers(syncrun.WatchOptions{
		Leases: b.leases, Providers: []string{"memory"}, Owner: owner, LeaseTTL: time.Second,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	require.NoError(t, err)
	ctx, stop := context.WithCancel(context.WithoutCancel(t.Context()))
	p := &process{w: w, stop: stop, done: make(chan error, 1)}
	go func() { p.done <- w.Run(ctx) }()
	t.Cleanup(func() { p.stop(); <-p.done })
	return p
}

// TestWatchers: two processes share the listeners of the active
// integrations of the listening providers, one each, half each; news
// triggers the integration's sync; when one process stops, the other
// takes its listeners over. At no moment does an integration have two
// listeners.
func TestWatchers(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			mbs := newMailboxes(connectortest.MailboxOptions{})
			var ids []string
			for range 6 {
				ids = append(ids, newIntegration(t, b.store, "memory").ID)
			}
			other := newIntegration(t, b.store, "other") // a provider that does not listen
			disabled := newIntegration(t, b.store, "memory")
			_, err := b.store.UpdateIntegration(ctx, disabled.TenantID, disabled.ID, func(in *store.Integration) error {
				in.Status = store.StatusDisabled
				return nil
			})
			require.NoError(t, err)

			l := newListening()
			newProcessRunner := func() *syncrun.Runner {
				r, _ := newRunner(t, b, mbs, syncrun.Options{Hooks: syncrun.Hooks{Listen: l.hook}})
				return r
			}
			p1 := startProcess(t, newProcessRunner(), b, "process-1")
			p2 := startProcess(t, newProcessRunner(), b, "process-2")
			require.Eventually(t, func() bool {
				return l.once(ids) && len(p1.w.Held()) == 3 && len(p2.w.Held()) == 3
			}, 15*time.Second, 10*time.Millisecond, "6 listeners spread 3/3")

			// News on a mailbox triggers its sync (no worker runs here: the
			// job stays pending). A notification sent before the listener
			// registered is missed, as IDLE's would be: deliver until one
			// is seen.
			require.Zero(t, pending(t, b.broker))
			r := newProcessRunner()
			require.Eventually(t, func() bool {
				mbs.deliver(t, ids[0], 1)
				return pending(t, b.broker) == 1
			}, 10*time.Second, 50*time.Millisecond, "the listener's news triggered a sync")
			res, err := r.Trigger(ctx, "acme", ids[0])
			require.NoError(t, err)
			require.True(t, res.Duplicate, "the pending job is the integration's sync")

			p2.stop()
			require.ErrorIs(t, <-p2.done, context.Canceled)
			p2.done <- nil // for the cleanup
			require.Empty(t, p2.w.Held(), "a stopped process holds nothing")
			require.Eventually(t, func() bool {
				return len(p1.w.Held()) == 6 && l.once(ids)
			}, 15*time.Second, 10*time.Millisecond, "the other process took the listeners over")
			require.ElementsMatch(t, ids, p1.w.Held())
			l.mu.Lock()
			require.Zero(t, l.doubled, "an integration had two listeners at once")
			l.mu.Unlock()
			require.Zero(t, l.startsOf(other.ID), "a provider that does not listen has no watcher")
			require.Zero(t, l.startsOf(disabled.ID), "a disabled integration has no watcher")
		})
	}
}

// TestWatcherFailures: a listener that gives up on a temporary failure
// is started again; one refused for its credentials marks the
// integration needs_reauth, once, and is not started again.
func TestWatcherFailures(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			ctx := t.Context()
			mbs := newMailboxes(connectortest.MailboxOptions{})
			flaky := newIntegration(t, b.store, "memory")
			refused := newIntegration(t, b.store, "memory")
			mbs.of(flaky.ID).FailNext(connector.TemporaryError("listen", errors.New("connection reset")))
			mbs.of(refused.ID).FailNext(connector.AuthError("listen", errors.New("invalid credentials")))

			l := newListening()
			r, pub := newRunner(t, b, mbs, syncrun.Options{Hooks: syncrun.Hooks{Listen: l.hook}})
			p := startProcess(t, r, b, "process-1")

			require.Eventually(t, func() bool {
				return l.startsOf(flaky.ID) == 2 && l.once([]string{flaky.ID})
			}, 15*time.Second, 10*time.Millisecond, "the flaky listener was started again")
			require.Eventually(t, func() bool {
				got, err := b.store.GetIntegration(ctx, refused.TenantID, refused.ID)
				return err == nil && got.Status == store.StatusNeedsReauth
			}, 15*time.Second, 10*time.Millisecond, "the refused integration needs re-authorisation")
			require.Eventually(t, func() bool {
				return len(p.w.Held()) == 1 && p.w.Held()[0] == flaky.ID
			}, 15*time.Second, 10*time.Millisecond, "the refused integration is no longer watched")
			require.Equal(t, 1, l.startsOf(refused.ID))
			require.Equal(t, map[string]int{syncrun.EventNeedsReauth: 1}, eventTypes(storedEvents(t, b.store, refused)))
			require.Equal(t, map[string]int{syncrun.EventNeedsReauth: 1}, pub.types())
		})
	}
}

// TestWatchersOptions: Watchers names each field it cannot run with.
func TestWatchersOptions(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	r, _ := newRunner(t, b, newMailboxes(connectortest.MailboxOptions{}), syncrun.Options{})
	_, err := r.Watchers(syncrun.WatchOptions{LeaseTTL: time.Millisecond, MinBackoff: time.Minute, MaxBackoff: time.Second})
	require.ErrorIs(t, err, syncrun.ErrInvalid)
	for _, field := range []string{"WatchOptions.Leases", "WatchOptions.Providers", "WatchOptions.LeaseTTL", "WatchOptions.MinBackoff"} {
		require.ErrorContains(t, err, field)
	}
	w, err := r.Watchers(syncrun.WatchOptions{Leases: b.leases, Providers: []string{"imap"}})
	require.NoError(t, err)
	require.Empty(t, w.Held())
}
