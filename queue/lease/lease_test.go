package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// stores returns the Stores under test: memory, and Redis (a key prefix
// of the test's own, its keys deleted afterwards) when TEST_REDIS_URL is
// set.
func stores(t *testing.T) map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return NewMemoryStore() },
		"redis": func(t *testing.T) Store {
			opt, err := redis.ParseURL(testenv.RedisURL(t))
			require.NoError(t, err)
			rdb := redis.NewClient(opt)
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			prefix := "leasetest-" + hex.EncodeToString(b)
			t.Cleanup(func() {
				ctx := context.Background()
				keys, _ := rdb.Keys(ctx, prefix+":*").Result()
				if len(keys) > 0 {
					_ = rdb.Del(ctx, keys...).Err()
				}
				_ = rdb.Close()
			})
			return NewRedisStore(rdb, prefix)
		},
	}
}

func TestStore(t *testing.T) {
	t.Parallel()
	for name, newStore := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			ctx := t.Context()
			const ttl = 300 * time.Millisecond

			ok, err := s.Acquire(ctx, "k1", "a", ttl)
			require.NoError(t, err)
			require.True(t, ok)
			ok, err = s.Acquire(ctx, "k1", "b", ttl)
			require.NoError(t, err)
			require.False(t, ok, "a lease held by another is not given")
			ok, err = s.Acquire(ctx, "k1", "a", ttl)
			require.NoError(t, err)
			require.True(t, ok, "the holder acquiring again renews")

			lost, err := s.Renew(ctx, []string{"k1", "k2"}, "a", ttl)
			require.NoError(t, err)
			require.Equal(t, []string{"k2"}, lost, "a lease never taken is lost")
			require.NoError(t, s.Release(ctx, "k1", "b"), "releasing another's lease is a no-op")
			ok, err = s.Acquire(ctx, "k1", "b", ttl)
			require.NoError(t, err)
			require.False(t, ok)
			require.NoError(t, s.Release(ctx, "k1", "a"))
			ok, err = s.Acquire(ctx, "k1", "b", ttl)
			require.NoError(t, err)
			require.True(t, ok, "a released lease is free")

			// A lease lapses when not renewed.
			time.Sleep(ttl + 100*time.Millisecond)
			lost, err = s.Renew(ctx, []string{"k1"}, "b", ttl)
			require.NoError(t, err)
			require.Equal(t, []string{"k1"}, lost)
			ok, err = s.Acquire(ctx, "k1", "a", ttl)
			require.NoError(t, err)
			require.True(t, ok)

			// Heartbeats count the live owners.
			n, err := s.Heartbeat(ctx, "a", ttl)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			n, err = s.Heartbeat(ctx, "b", 3*ttl)
			require.NoError(t, err)
			require.Equal(t, 2, n)
			time.Sleep(ttl + 100*time.Millisecond)
			n, err = s.Heartbeat(ctx, "b", 3*ttl)
			require.NoError(t, err)
			require.Equal(t, 1, n, "an owner that stopped beating is not counted")

			_, err = s.Acquire(ctx, "", "a", ttl)
			require.ErrorIs(t, err, ErrInvalid)
			_, err = s.Renew(ctx, []string{"k"}, "", ttl)
			require.ErrorIs(t, err, ErrInvalid)
			_, err = s.Heartbeat(ctx, "a", 0)
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
}

// killable is a Store that fails every call once killed, as a process
// that died makes no more calls.
type killable struct {
	Store
	dead atomic.Bool
}

var errDead = errors.New("process is dead")

func (k *killable) Acquire(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if k.dead.Load() {
		return false, errDead
	}
	return k.Store.Acquire(ctx, key, owner, ttl)
}

func (k *killable) Renew(ctx context.Context, keys []string, owner string, ttl time.Duration) ([]string, error) {
	if k.dead.Load() {
		return nil, errDead
	}
	return k.Store.Renew(ctx, keys, owner, ttl)
}

func (k *killable) Release(ctx context.Context, key, owner string) error {
	if k.dead.Load() {
		return errDead
	}
	return k.Store.Release(ctx, key, owner)
}

func (k *killable) Heartbeat(ctx context.Context, owner string, ttl time.Duration) (int, error) {
	if k.dead.Load() {
		return 0, errDead
	}
	return k.Store.Heartbeat(ctx, owner, ttl)
}

// TestBalancer: 3 processes, 30 keys: each key worked on by exactly one
// process, 10 each; one process dies (its work stops, it makes no more
// calls, its leases are not released): within 2× the lease every key is
// worked on again, by the 2 others, 15 each; at no moment is a key
// worked on twice.
func TestBalancer(t *testing.T) {
	t.Parallel()
	for name, newStore := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			shared := newStore(t)
			const ttl = time.Second
			keys := make([]string, 30)
			for i := range keys {
				keys[i] = fmt.Sprintf("integration-%02d", i)
			}
			var mu sync.Mutex
			active := map[string]int{}
			var twice atomic.Int32

			type proc struct {
				b     *Balancer
				store *killable
				kill  context.CancelFunc
			}
			ctx, stop := context.WithCancel(context.Background())
			var procs []*proc
			var wg sync.WaitGroup
			for i := range 3 {
				p := &proc{store: &killable{Store: shared}}
				killCtx, kill := context.WithCancel(context.Background())
				p.kill = kill
				p.b = &Balancer{
					Store: p.store, Owner: fmt.Sprintf("worker-%d", i), TTL: ttl,
					List: func(context.Context) ([]string, error) { return append([]string(nil), keys...), nil },
					Work: func(wctx context.Context, key string) {
						mu.Lock()
						active[key]++
						if active[key] > 1 {
							twice.Add(1)
						}
						mu.Unlock()
						select {
						case <-wctx.Done():
						case <-killCtx.Done():
						}
						mu.Lock()
						active[key]--
						mu.Unlock()
					},
				}
				procs = append(procs, p)
				wg.Go(func() { _ = p.b.Run(ctx) })
			}
			t.Cleanup(func() {
				stop()
				for _, p := range procs {
					p.kill()
				}
				wg.Wait()
			})

			allOnce := func() bool {
				mu.Lock()
				defer mu.Unlock()
				for _, k := range keys {
					if active[k] != 1 {
						return false
					}
				}
				return true
			}
			require.Eventually(t, func() bool {
				return allOnce() && len(procs[0].b.Held()) == 10 && len(procs[1].b.Held()) == 10 && len(procs[2].b.Held()) == 10
			}, 10*time.Second, 10*time.Millisecond, "30 keys spread 10/10/10")

			dead := procs[2]
			dead.store.dead.Store(true)
			dead.kill()
			killed := time.Now()
			require.Eventually(t, func() bool {
				held := len(procs[0].b.Held()) + len(procs[1].b.Held())
				return held == 30 && allOnce()
			}, 2*ttl, 10*time.Millisecond, "all keys taken over within 2× the lease")
			t.Logf("taken over in %s", time.Since(killed).Round(time.Millisecond))
			require.Equal(t, 15, len(procs[0].b.Held()))
			require.Equal(t, 15, len(procs[1].b.Held()))
			require.Zero(t, twice.Load(), "a key was worked on twice at once")
		})
	}
}
