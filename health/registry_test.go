package health_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/health"
)

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  health.Options
		field string
	}{
		{"negative timeout", health.Options{Timeout: -time.Second}, "Options.Timeout"},
		{"negative cache ttl", health.Options{CacheTTL: -time.Second}, "Options.CacheTTL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg, err := health.New(tt.opts)
			require.Error(t, err)
			require.Nil(t, reg)
			require.Contains(t, err.Error(), tt.field)
			require.Regexp(t, `^health: `, err.Error())
		})
	}
}

func TestNewZeroOptions(t *testing.T) {
	t.Parallel()
	reg, err := health.New(health.Options{})
	require.NoError(t, err)
	require.NotNil(t, reg)
	rep := reg.Run(context.Background())
	require.Equal(t, health.StatusPass, rep.Status)
	require.Empty(t, rep.Checks)

	// A check without Timeout gets DefaultTimeout.
	reg = newRegistry(t, health.Options{})
	fn, _, _ := blocker(t)
	mustRegister(t, reg, health.Check{Name: "hung", Func: fn})
	res := byName(t, runWithin(t, reg, 10*time.Second), "hung")
	require.ErrorIs(t, res.Err, health.ErrTimeout)
	require.Contains(t, res.Err.Error(), "after "+health.DefaultTimeout.String())
	require.GreaterOrEqual(t, res.Latency, health.DefaultTimeout)
}

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) error { return nil }
	tests := []struct {
		name  string
		check health.Check
		want  string
	}{
		{"empty name", health.Check{Func: ok}, "Check.Name must not be empty"},
		{"blank name", health.Check{Name: "  ", Func: ok}, "Check.Name must not be empty"},
		{"nil func", health.Check{Name: "db"}, `check "db": Check.Func must not be nil`},
		{"negative timeout", health.Check{Name: "db", Func: ok, Timeout: -1}, `check "db": Check.Timeout must not be negative`},
		{"duplicate", health.Check{Name: "existing", Func: ok}, `"existing" is already registered`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := newRegistry(t, health.Options{})
			mustRegister(t, reg, health.Check{Name: "existing", Func: ok})
			err := reg.Register(tt.check)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			require.Regexp(t, `^health: `, err.Error())
			// A rejected check must not show up in runs.
			require.Len(t, reg.Run(context.Background()).Checks, 1)
		})
	}
}

func TestRegisterDuplicateIsErrDuplicateCheck(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{})
	fn, _ := counter(nil)
	mustRegister(t, reg, health.Check{Name: "db", Func: fn})
	err := reg.Register(health.Check{Name: "db", Func: fn})
	require.ErrorIs(t, err, health.ErrDuplicateCheck)
	require.NoError(t, reg.Register(health.Check{Name: "cache", Func: fn}))
}

// TestRegisterWhileRunning exercises Register and Run together; the race
// detector reports unsynchronised access.
func TestRegisterWhileRunning(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, health.Options{CacheTTL: time.Millisecond})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			err := reg.Register(health.Check{
				Name: fmt.Sprintf("check-%02d", i),
				Func: func(context.Context) error { return errors.New("down") },
			})
			require.NoError(t, err)
		})
		wg.Go(func() { reg.Run(context.Background()) })
	}
	wg.Wait()
	rep := reg.Run(context.Background())
	require.Len(t, rep.Checks, 20)
	require.Equal(t, health.StatusWarn, rep.Status)
}
