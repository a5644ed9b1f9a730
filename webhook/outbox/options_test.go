package outbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/outbox"
)

// TestNewValidates: each invalid option is refused with ErrInvalid and
// a message naming it (never the URL, which may carry a token).
func TestNewValidates(t *testing.T) {
	t.Parallel()
	st, b := backends()[0].open(t)
	signer := newReceiver(t).signer(t)
	for _, tc := range []struct {
		field string
		opts  outbox.Options
	}{
		{"Options.URL", outbox.Options{URL: "ftp://host/?token=secret-in-query", Signer: signer}},
		{"Options.URL", outbox.Options{URL: "/relative?token=secret-in-query", Signer: signer}},
		{"Options.Signer", outbox.Options{URL: "https://platform.example/events"}},
		{"Options.DeliverJobType", outbox.Options{DeliverJobType: "a:b"}},
		{"Options.SweepJobType", outbox.Options{SweepJobType: outbox.JobDeliver}},
		{"Options.Queue", outbox.Options{Queue: "has space"}},
		{"Options.MaxAttempts", outbox.Options{MaxAttempts: -1}},
		{"Options.SweepBatch", outbox.Options{SweepBatch: -1}},
		{"Options.SweepMax", outbox.Options{SweepMax: -1}},
		{"Options.EnqueueConcurrency", outbox.Options{EnqueueConcurrency: -1}},
		{"Options.AttemptTimeout", outbox.Options{AttemptTimeout: -time.Second}},
		{"Options.SweepInterval", outbox.Options{SweepInterval: 10 * time.Millisecond}},
		{"Options.SweepGrace", outbox.Options{SweepGrace: -time.Second}},
	} {
		_, err := outbox.New(st, b, tc.opts)
		require.ErrorIs(t, err, outbox.ErrInvalid, tc.field)
		require.ErrorContains(t, err, "outbox: ")
		require.ErrorContains(t, err, tc.field)
		require.NotContains(t, err.Error(), "secret-in-query")
	}
	_, err := outbox.New(nil, b, outbox.Options{})
	require.ErrorIs(t, err, outbox.ErrInvalid)
	_, err = outbox.New(st, nil, outbox.Options{})
	require.ErrorIs(t, err, outbox.ErrInvalid)
}

// TestDefaults: the zero Options mean the documented defaults.
func TestDefaults(t *testing.T) {
	t.Parallel()
	st, b := backends()[0].open(t)
	ob, err := outbox.New(st, b, outbox.Options{})
	require.NoError(t, err)
	p := ob.Periodic()
	require.Equal(t, outbox.JobSweep, p.Name)
	require.Equal(t, outbox.JobSweep, p.Type)
	require.Equal(t, outbox.DefaultSweepInterval, p.Every)
	var mux queue.Mux
	ob.Register(&mux)

	ob, err = outbox.New(st, b, outbox.Options{DeliverJobType: "deliver-b", SweepJobType: "sweep-b", SweepInterval: time.Minute, Queue: "events"})
	require.NoError(t, err)
	p = ob.Periodic()
	require.Equal(t, "sweep-b", p.Type)
	require.Equal(t, time.Minute, p.Every)
	ob.Register(&mux) // types of its own: no clash with the first outbox's
}

// TestData: a payload built by store.NewEvent is delivered as it is; one
// stored without tenant_id gets it in front; one that is not an object
// cannot be delivered.
func TestData(t *testing.T) {
	t.Parallel()
	ev, err := store.NewEvent("acme", "", "x", map[string]int{"n": 1})
	require.NoError(t, err)
	d, err := outbox.Data(ev)
	require.NoError(t, err)
	require.Equal(t, string(ev.Payload), string(d))

	for payload, want := range map[string]string{
		`{"n":1}`:           `{"tenant_id":"a\"b","n":1}`,
		` { "n" : 1 } `:     `{"tenant_id":"a\"b", "n" : 1 } `,
		`{}`:                `{"tenant_id":"a\"b"}`,
		"{ \n}":             "{\"tenant_id\":\"a\\\"b\" \n}",
		`{"tenant_id":"t"}`: `{"tenant_id":"t"}`,
	} {
		d, err := outbox.Data(&store.Event{TenantID: `a"b`, Payload: json.RawMessage(payload)})
		require.NoError(t, err, payload)
		require.Equal(t, want, string(d), payload)
		require.True(t, json.Valid(d), payload)
	}
	for _, payload := range []string{`[1]`, `"x"`, `null`, ``} {
		_, err := outbox.Data(&store.Event{TenantID: "t", Payload: json.RawMessage(payload)})
		require.Error(t, err, payload)
	}
}
