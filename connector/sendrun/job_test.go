package sendrun_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// TestSend: the job sends the entry once with its Message-ID, marks it
// sent with one message.sent event, stored and published; running the
// job again sends nothing.
func TestSend(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, newBackend(t), nil)
			e := f.enqueue(t, "k1", 1)
			require.NoError(t, f.run(t, e, 1, 10))
			got := f.entry(t, e)
			require.Equal(t, store.OutboxSent, got.Status)
			require.Equal(t, 1, got.Attempts)
			require.Equal(t, "sent1", got.Result.ProviderID)
			require.False(t, got.SentAt.IsZero())
			sent := f.mb.Sent()
			require.Len(t, sent, 1)
			require.True(t, bytes.Contains(sent[0], []byte("<"+e.Message.MessageID+">")), "sent with its Message-ID")
			require.Equal(t, map[string]int{sendrun.EventMessageSent: 1}, f.eventTypes(t))
			require.Equal(t, map[string]int{sendrun.EventMessageSent: 1}, f.pub.types())

			require.NoError(t, f.run(t, e, 1, 10), "a sent entry's job ends quietly")
			require.Len(t, f.mb.Sent(), 1)
			require.Equal(t, map[string]int{sendrun.EventMessageSent: 1}, f.eventTypes(t))
		})
	}
}

// TestUnknownOutcomeRetry: a worker that dies after the provider took
// the message and before the entry was marked sent leaves an attempt of
// unknown outcome; the retry finds the message among the sent mail and
// marks the entry sent without sending it twice.
func TestUnknownOutcomeRetry(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var crash bool
			var fm *failingMarks
			f := newFixture(t, newBackend(t), func(st store.Store) sendrun.Store {
				// Call 1 counts the attempt, call 2 marks it sent: the crash.
				fm = &failingMarks{Store: st, fail: func(n int) bool { return crash && n == 2 }}
				return fm
			})
			e := f.enqueue(t, "k1", 1)
			crash = true
			require.ErrorIs(t, f.run(t, e, 1, 10), errCrash)
			require.Len(t, f.mb.Sent(), 1, "the provider took it")
			got := f.entry(t, e)
			require.Equal(t, store.OutboxPending, got.Status)
			require.Equal(t, 1, got.Attempts)
			crash = false

			require.NoError(t, f.run(t, e, 2, 10))
			require.Len(t, f.mb.Sent(), 1, "not sent twice")
			got = f.entry(t, e)
			require.Equal(t, store.OutboxSent, got.Status)
			require.Equal(t, 1, got.Attempts, "no new attempt")
			require.Equal(t, map[string]int{sendrun.EventMessageSent: 1}, f.eventTypes(t))
		})
	}
}

// TestTemporaryFailure: a temporary failure is retried and announces
// nothing; the retry, finding nothing sent, sends once; a temporary
// failure of the last attempt fails the entry with message.failed.
func TestTemporaryFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, backends()["memory"](t), nil)
	e := f.enqueue(t, "k1", 1)
	f.mb.FailNext(connector.TemporaryError("test: send", errors.New("421 try later")))
	err := f.run(t, e, 1, 10)
	require.Error(t, err)
	require.NotErrorIs(t, err, queue.ErrSkipRetry)
	got := f.entry(t, e)
	require.Equal(t, store.OutboxPending, got.Status)
	require.Contains(t, got.LastError, "421 try later")
	require.Empty(t, f.eventTypes(t))

	require.NoError(t, f.run(t, e, 2, 10))
	require.Len(t, f.mb.Sent(), 1)
	got = f.entry(t, e)
	require.Equal(t, store.OutboxSent, got.Status)
	require.Empty(t, got.LastError)

	last := f.enqueue(t, "k2", 2)
	f.mb.FailNext(connector.TemporaryError("test: send", errors.New("421 try later")))
	require.Error(t, f.run(t, last, 10, 10))
	require.Equal(t, store.OutboxFailed, f.entry(t, last).Status)
	require.Equal(t, 1, f.eventTypes(t)[sendrun.EventMessageFailed])
}

// TestPermanentRefusal: a message the provider refuses for good is not
// retried; the entry fails with one message.failed event, stored and
// published.
func TestPermanentRefusal(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, newBackend(t), nil)
			e := f.enqueue(t, "k1", 1)
			f.mb.FailNext(connector.PermanentError("test: send", errors.New("550 mailbox unavailable")))
			err := f.run(t, e, 1, 10)
			require.ErrorIs(t, err, queue.ErrSkipRetry)
			got := f.entry(t, e)
			require.Equal(t, store.OutboxFailed, got.Status)
			require.Contains(t, got.LastError, "550 mailbox unavailable")
			require.Empty(t, f.mb.Sent())
			want := map[string]int{sendrun.EventMessageFailed: 1}
			require.Equal(t, want, f.eventTypes(t))
			require.Equal(t, want, f.pub.types())

			require.NoError(t, f.run(t, e, 1, 10), "a failed entry's job ends quietly")
			require.Empty(t, f.mb.Sent())
		})
	}
}

// TestFailurePolicy: the injected policy decides; syncrun's marks an
// integration whose credentials were refused needs_reauth, with its
// event, and the send is not retried.
func TestFailurePolicy(t *testing.T) {
	t.Parallel()
	b := backends()["memory"](t)
	syncs, err := syncrun.New(b.store, b.broker, syncrun.Options{
		Connect: func(context.Context, *store.Integration) (connector.Connector, error) {
			return nil, errors.New("unused")
		},
		Logger: quiet(),
	})
	require.NoError(t, err)
	f := newFixture(t, b, nil, func(o *sendrun.Options) { o.Failures = syncs })
	auth := connector.AuthError("test: connect", errors.New("invalid credentials"))
	f.connectErr.Store(&auth)
	e := f.enqueue(t, "k1", 1)
	require.ErrorIs(t, f.run(t, e, 1, 10), queue.ErrSkipRetry)
	require.Equal(t, store.OutboxFailed, f.entry(t, e).Status)
	in, err := b.store.GetIntegration(t.Context(), "acme", f.in.ID)
	require.NoError(t, err)
	require.Equal(t, store.StatusNeedsReauth, in.Status)
	require.Equal(t, map[string]int{sendrun.EventMessageFailed: 1, syncrun.EventNeedsReauth: 1}, f.eventTypes(t))
}

// TestClassify: without a policy, the connector's error kinds decide
// and the integration is left alone.
func TestClassify(t *testing.T) {
	t.Parallel()
	var c sendrun.Classify
	for _, tc := range []struct {
		err  error
		skip bool
	}{
		{connector.AuthError("x", errors.New("no")), true},
		{connector.PermanentError("x", errors.New("no")), true},
		{connector.TemporaryError("x", errors.New("later")), false},
		{connector.RateLimitedError("x", 0, errors.New("slow down")), false},
		{errors.New("network"), false},
	} {
		err := c.JobError(t.Context(), &store.Integration{}, "send", tc.err, syncrun.ScopeOperation)
		require.ErrorIs(t, err, tc.err)
		require.Equal(t, tc.skip, errors.Is(err, queue.ErrSkipRetry), "%v", tc.err)
		require.ErrorContains(t, err, "send: ")
	}
	var ra *queue.RetryAtError
	require.ErrorAs(t, c.JobError(t.Context(), &store.Integration{}, "send", connector.RateLimitedError("x", 0, errors.New("slow")), syncrun.ScopeOperation), &ra)
	require.WithinDuration(t, time.Now().Add(time.Second), ra.At, time.Second, "a rate limit is retried after a wait of a second at least")
}
