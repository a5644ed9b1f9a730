package queue

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Without options a job goes to the default queue, with the default
// attempts, to run now.
func TestOptionsDefaults(t *testing.T) {
	o, err := resolveOptions("t", nil, time.Now())
	require.NoError(t, err)
	require.Equal(t, enqueueOptions{queue: DefaultQueue, maxAttempts: DefaultMaxAttempts}, o)
}

// Delay and RunAt: the later of the two wins; a time not after now means
// now.
func TestOptionsRunAt(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		opts []Option
		want time.Time
	}{
		{"delay", []Option{Delay(time.Minute)}, now.Add(time.Minute)},
		{"run at", []Option{RunAt(now.Add(time.Hour))}, now.Add(time.Hour)},
		{"later run at wins", []Option{Delay(time.Minute), RunAt(now.Add(time.Hour))}, now.Add(time.Hour)},
		{"later delay wins", []Option{RunAt(now.Add(time.Second)), Delay(time.Minute)}, now.Add(time.Minute)},
		{"past run at", []Option{RunAt(now.Add(-time.Hour))}, time.Time{}},
		{"run at now", []Option{RunAt(now)}, time.Time{}},
		{"zero delay", []Option{Delay(0)}, time.Time{}},
	}
	for _, c := range cases {
		o, err := resolveOptions("t", c.opts, now)
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, o.runAt, c.name)
	}
}

// Every option reaches the broker.
func TestOptionsApplied(t *testing.T) {
	o, err := resolveOptions("t", []Option{ID("i"), OnQueue("q"), Unique("u"), MaxAttempts(3), Timeout(time.Second), once("k", time.Minute)}, time.Now())
	require.NoError(t, err)
	require.Equal(t, enqueueOptions{id: "i", queue: "q", uniqueKey: "u", maxAttempts: 3, timeout: time.Second, onceKey: "k", onceTTL: time.Minute}, o)
}

// Invalid options are ErrInvalid with a message that names the option.
func TestOptionsInvalid(t *testing.T) {
	cases := []struct {
		typ  string
		opts []Option
		name string
	}{
		{"", nil, "job type"},
		{strings.Repeat("x", 101), nil, "job type"},
		{"a{b}", nil, "job type"},
		{"a\nb", nil, "job type"},
		{"t", []Option{OnQueue("a b")}, "queue name"},
		{"t", []Option{MaxAttempts(-2)}, "MaxAttempts"},
		{"t", []Option{Delay(-1)}, "Delay"},
		{"t", []Option{Timeout(-1)}, "Timeout"},
		{"t", []Option{ID(strings.Repeat("i", 201))}, "ID"},
		{"t", []Option{Unique(strings.Repeat("u", 501))}, "Unique"},
	}
	for _, c := range cases {
		_, err := resolveOptions(c.typ, c.opts, time.Now())
		require.ErrorIs(t, err, ErrInvalid, c.name)
		require.ErrorContains(t, err, c.name)
	}
	for _, ok := range []string{"a", strings.Repeat("x", 100), "sync.gmail-v2/x"} {
		_, err := resolveOptions(ok, nil, time.Now())
		require.NoError(t, err, ok)
	}
}
