package ratelimittest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

// SemaphoreHarness is one fresh semaphore under test, with its clock.
type SemaphoreHarness struct {
	// Semaphore is the semaphore under test, fresh for each subtest.
	Semaphore ratelimit.Semaphore
	// TTL is the semaphore's LeaseTTL. On real time, make it long enough
	// (seconds) that sleeping a fraction of it is not overshot.
	TTL time.Duration
	// Now reads the semaphore's clock.
	Now func() time.Time
	// Advance moves the semaphore's clock forward by at least d.
	Advance func(d time.Duration)
}

// RunSemaphore runs the conformance suite of a ratelimit.Semaphore,
// calling newHarness for a fresh one in every subtest. The subtests run
// in parallel.
func RunSemaphore(t *testing.T, newHarness func(t *testing.T) SemaphoreHarness) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(t *testing.T, h SemaphoreHarness)
	}{
		{"UpToSlots", testSlots},
		{"KeysAreIndependent", testSemKeys},
		{"ExpiredLeaseFreesItsSlot", testLeaseExpiry},
		{"ExtendKeepsTheSlot", testExtend},
		{"ReleaseTwiceIsLost", testReleaseTwice},
		{"AcquireWaitsForARelease", testAcquireWaits},
		{"AcquireWaitsForAnExpiry", testAcquireExpiry},
		{"AcquireCanceled", testAcquireCanceled},
		{"ConcurrentHoldersBounded", testSemConcurrent},
		{"InvalidSlots", testSemInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newHarness(t))
		})
	}
}

func tryN(t *testing.T, h SemaphoreHarness, key string, slots, n int) []*ratelimit.Lease {
	t.Helper()
	var leases []*ratelimit.Lease
	for range n {
		lease, ok, err := h.Semaphore.TryAcquire(t.Context(), key, slots)
		require.NoError(t, err)
		if ok {
			require.NotNil(t, lease)
			require.Equal(t, key, lease.Key)
			leases = append(leases, lease)
		} else {
			require.Nil(t, lease)
		}
	}
	return leases
}

func testSlots(t *testing.T, h SemaphoreHarness) {
	leases := tryN(t, h, "mailbox", 4, 6)
	require.Len(t, leases, 4, "4 slots")
	ids := map[string]bool{}
	for _, l := range leases {
		ids[l.ID] = true
	}
	require.Len(t, ids, 4, "distinct lease IDs")
	require.NoError(t, leases[0].Release(t.Context()))
	require.Len(t, tryN(t, h, "mailbox", 4, 2), 1, "a released slot is free again, once")
}

func testSemKeys(t *testing.T, h SemaphoreHarness) {
	require.Len(t, tryN(t, h, "a", 1, 2), 1)
	require.Len(t, tryN(t, h, "b", 1, 2), 1)
}

func testLeaseExpiry(t *testing.T, h SemaphoreHarness) {
	leases := tryN(t, h, "k", 1, 1)
	require.Len(t, leases, 1)
	h.Advance(h.TTL + h.TTL/10)
	require.Len(t, tryN(t, h, "k", 1, 1), 1, "the expired lease's slot is free")
	require.ErrorIs(t, leases[0].Extend(t.Context()), ratelimit.ErrLeaseLost)
	require.ErrorIs(t, leases[0].Release(t.Context()), ratelimit.ErrLeaseLost)
	require.Empty(t, tryN(t, h, "k", 1, 1), "the new holder keeps its slot")
}

func testExtend(t *testing.T, h SemaphoreHarness) {
	leases := tryN(t, h, "k", 1, 1)
	require.Len(t, leases, 1)
	h.Advance(h.TTL * 6 / 10)
	extended := h.Now()
	require.NoError(t, leases[0].Extend(t.Context()))
	h.Advance(h.TTL * 6 / 10)
	checked := h.Now()
	free := tryN(t, h, "k", 1, 1)
	if h.Now().Sub(extended) < h.TTL {
		require.Empty(t, free, "the extended lease still holds the slot %v after Extend", checked.Sub(extended))
		require.NoError(t, leases[0].Release(t.Context()))
	} else {
		t.Logf("the clock overshot the TTL (%v); the extension was not checked", h.Now().Sub(extended))
	}
}

func testReleaseTwice(t *testing.T, h SemaphoreHarness) {
	leases := tryN(t, h, "k", 2, 1)
	require.NoError(t, leases[0].Release(t.Context()))
	require.ErrorIs(t, leases[0].Release(t.Context()), ratelimit.ErrLeaseLost)
	require.ErrorIs(t, leases[0].Extend(t.Context()), ratelimit.ErrLeaseLost)
	require.Len(t, tryN(t, h, "k", 2, 3), 2, "the second release freed nothing more")
}

func testAcquireWaits(t *testing.T, h SemaphoreHarness) {
	held := tryN(t, h, "k", 1, 1)
	require.Len(t, held, 1)
	got := make(chan *ratelimit.Lease, 1)
	errs := make(chan error, 1)
	go func() {
		lease, err := h.Semaphore.Acquire(t.Context(), "k", 1)
		errs <- err
		got <- lease
	}()
	select {
	case err := <-errs:
		t.Fatalf("Acquire returned (%v) while the only slot was held", err)
	case <-time.After(30 * time.Millisecond):
	}
	require.NoError(t, held[0].Release(t.Context()))
	select {
	case err := <-errs:
		require.NoError(t, err)
		lease := <-got
		require.NotNil(t, lease)
		require.NoError(t, lease.Release(t.Context()))
	case <-time.After(10 * time.Second):
		t.Fatal("Acquire did not return after the release")
	}
}

func testAcquireExpiry(t *testing.T, h SemaphoreHarness) {
	start := h.Now()                         // the lease expires TTL after it was taken: after start
	require.Len(t, tryN(t, h, "k", 1, 1), 1) // a holder that crashes
	errs := make(chan error, 1)
	go func() {
		lease, err := h.Semaphore.Acquire(t.Context(), "k", 1)
		if err == nil {
			err = lease.Release(t.Context())
		}
		errs <- err
	}()
	for i := 0; ; i++ {
		require.Less(t, i, 400, "Acquire did not return after the lease expired")
		select {
		case err := <-errs:
			require.NoError(t, err)
			require.GreaterOrEqual(t, h.Now().Sub(start), h.TTL-time.Millisecond, "Acquire returned before the lease expired")
			return
		case <-time.After(10 * time.Millisecond):
			h.Advance(h.TTL / 20)
		}
	}
}

func testAcquireCanceled(t *testing.T, h SemaphoreHarness) {
	require.Len(t, tryN(t, h, "k", 1, 1), 1)
	ctx, cancel := context.WithCancel(t.Context())
	errs := make(chan error, 1)
	go func() {
		_, err := h.Semaphore.Acquire(ctx, "k", 1)
		errs <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-errs:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Acquire did not return after its context was canceled")
	}
}

func testSemConcurrent(t *testing.T, h SemaphoreHarness) {
	const slots = 3
	var holders, most atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			lease, err := h.Semaphore.Acquire(t.Context(), "k", slots)
			if err != nil {
				errs <- err
				return
			}
			n := holders.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			holders.Add(-1)
			errs <- lease.Release(t.Context())
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.LessOrEqual(t, most.Load(), int64(slots))
	require.Positive(t, most.Load())
}

func testSemInvalid(t *testing.T, h SemaphoreHarness) {
	_, _, err := h.Semaphore.TryAcquire(t.Context(), "k", 0)
	require.ErrorContains(t, err, "ratelimit: ")
	_, err = h.Semaphore.Acquire(t.Context(), "k", -1)
	require.ErrorContains(t, err, "slots")
}
