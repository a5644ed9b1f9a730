package health_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/health"
)

func TestCacheRunsChecksOncePerTTL(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{CacheTTL: time.Hour})
	fn, calls := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn})

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			require.Equal(t, health.StatusPass, reg.Run(context.Background()).Status)
		})
	}
	wg.Wait()
	for range 5 {
		reg.Run(context.Background())
	}
	require.EqualValues(t, 1, calls.Load())
}

func TestCacheExpires(t *testing.T) {
	t.Parallel()
	const ttl = 20 * time.Millisecond
	reg := newRegistry(t, health.Options{CacheTTL: ttl})
	fn, calls := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn})

	reg.Run(context.Background())
	time.Sleep(2 * ttl)
	reg.Run(context.Background())
	require.EqualValues(t, 2, calls.Load())
}

func TestNoCacheByDefault(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, calls := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn})

	for range 3 {
		reg.Run(context.Background())
	}
	require.EqualValues(t, 3, calls.Load())
}

func TestRegisterDiscardsCache(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{CacheTTL: time.Hour})
	fn, calls := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn})
	require.Len(t, reg.Run(context.Background()).Checks, 1)

	fn2, calls2 := counter(nil)
	mustRegister(t, reg, health.Check{Name: "queue", Func: fn2})
	rep := reg.Run(context.Background())

	require.Len(t, rep.Checks, 2)
	require.EqualValues(t, 2, calls.Load())
	require.EqualValues(t, 1, calls2.Load())
}

func TestCachedReportIsACopy(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{CacheTTL: time.Hour})
	fn, _ := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn})

	rep := reg.Run(context.Background())
	rep.Checks[0].Status = health.StatusFail
	require.Equal(t, health.StatusPass, reg.Run(context.Background()).Checks[0].Status)
}
