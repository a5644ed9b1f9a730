package outbox_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/outbox"
)

// TestRetryMatrix: one attempt per answer, run by hand from the job
// Enqueue made: a 2xx delivers; 408, 429 and 5xx are retried after the
// backoff or the receiver's Retry-After (seconds or a date); any other
// answer, a redirect (not followed) included, makes the event dead at
// once; a network error and a TLS failure are retried; the last attempt
// that fails makes it dead. Each failure is recorded as its class, and
// no error carries the URL's token.
func TestRetryMatrix(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rc := newReceiver(t)
		var followed atomic.Int32
		elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
		t.Cleanup(elsewhere.Close)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		closed := "http://" + ln.Addr().String() + "/events?token=secret-in-query"
		require.NoError(t, ln.Close())
		tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
		tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
		tlsSrv.StartTLS()
		t.Cleanup(tlsSrv.Close)

		const backoff = time.Minute
		date := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Second)
		for _, tc := range []struct {
			name    string
			answer  answer
			url     string // default: the receiver
			attempt int    // default 1
			outcome outbox.Outcome
			class   string
			wait    time.Duration // after the attempt, for a retry
		}{
			{name: "200", answer: answer{status: 200}, outcome: outbox.Delivered},
			{name: "204", answer: answer{status: 204}, outcome: outbox.Delivered},
			{name: "408", answer: answer{status: 408}, outcome: outbox.Retry, class: "http_4xx: 408", wait: backoff},
			{name: "429 Retry-After seconds", answer: answer{status: 429, header: map[string]string{"Retry-After": "120"}},
				outcome: outbox.Retry, class: "http_4xx: 429", wait: 2 * time.Minute},
			{name: "429 Retry-After date", answer: answer{status: 429, header: map[string]string{"Retry-After": date.Format(http.TimeFormat)}},
				outcome: outbox.Retry, class: "http_4xx: 429", wait: time.Until(date)},
			{name: "429 without Retry-After", answer: answer{status: 429}, outcome: outbox.Retry, class: "http_4xx: 429", wait: backoff},
			{name: "500", answer: answer{status: 500}, outcome: outbox.Retry, class: "http_5xx: 500", wait: backoff},
			{name: "503 Retry-After", answer: answer{status: 503, header: map[string]string{"Retry-After": "30"}},
				outcome: outbox.Retry, class: "http_5xx: 503", wait: 30 * time.Second},
			{name: "400", answer: answer{status: 400}, outcome: outbox.Dead, class: "http_4xx: 400"},
			{name: "404 Retry-After ignored", answer: answer{status: 404, header: map[string]string{"Retry-After": "1"}}, outcome: outbox.Dead, class: "http_4xx: 404"},
			{name: "302", answer: answer{status: 302, header: map[string]string{"Location": elsewhere.URL}}, outcome: outbox.Dead, class: "redirect_refused: 302"},
			{name: "network error", url: closed, outcome: outbox.Retry, class: "connect_refused", wait: backoff},
			{name: "TLS", url: tlsSrv.URL + "/events?token=secret-in-query", outcome: outbox.Retry, class: "tls", wait: backoff},
			{name: "last attempt", answer: answer{status: 503}, attempt: outbox.DefaultMaxAttempts, outcome: outbox.Dead, class: "http_5xx: 503"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				target := tc.url
				if target == "" {
					target = rc.srv.URL + "/events?token=secret-in-query"
				}
				rec := &recorder{Broker: b}
				ob, err := outbox.New(st, rec, outbox.Options{URL: target, Signer: rc.signer(t),
					Backoff: func(int) time.Duration { return backoff }})
				require.NoError(t, err)
				var mux queue.Mux
				ob.Register(&mux)
				typ := "t." + strings.ReplaceAll(tc.name, " ", "-")
				rc.on(typ, tc.answer)
				ev := newEvent(t, st, typ)
				ob.Enqueue(context.Background(), ev)
				jobs := rec.enqueued()
				require.Len(t, jobs, 1)
				job := jobs[0]
				require.Equal(t, outbox.JobDeliver, job.Type)
				require.Equal(t, "event-"+ev.ID, job.ID, "the job's id is the event's")
				if tc.attempt > 0 {
					job.Attempt = tc.attempt
				}

				before := time.Now()
				err = mux.ProcessJob(context.Background(), job)
				after := time.Now()
				got := getEvent(t, st, ev.ID)
				require.Equal(t, 1, got.Attempts)
				require.Equal(t, tc.class, got.LastError)
				switch tc.outcome {
				case outbox.Delivered:
					require.NoError(t, err)
					require.Equal(t, store.EventDelivered, got.Status)
				case outbox.Dead:
					require.ErrorIs(t, err, queue.ErrSkipRetry)
					require.Equal(t, store.EventDead, got.Status)
				case outbox.Retry:
					var at *queue.RetryAtError
					require.ErrorAs(t, err, &at)
					require.Equal(t, store.EventPending, got.Status)
					require.WithinRange(t, at.At, before.Add(tc.wait-time.Second), after.Add(tc.wait+time.Second))
					require.WithinDuration(t, at.At, got.NextAttemptAt, time.Millisecond, "the event is due when the job runs again")
				}
				if err != nil {
					require.NotContains(t, err.Error(), "secret-in-query")
					require.Contains(t, err.Error(), tc.class)
				}
				if tc.url == "" {
					require.Len(t, rc.tries(ev.ID), 1, "one request, with the event's id as webhook-id")
				}
				require.Zero(t, followed.Load(), "a redirect is never followed")
			})
		}
	})
}

// TestDeliveryEndToEnd: with a worker, an event is retried on 5xx
// until delivered, waits out a 429's Retry-After, and is dead at once
// on a 400; every attempt is signed with the event's id as webhook-id,
// and the body is the documented envelope. (The server's
// TestEventDelivery, moved.)
func TestDeliveryEndToEnd(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rc := newReceiver(t)
		rc.on("t.500", answer{status: 500}, answer{status: 502}, answer{status: 503})
		rc.on("t.429", answer{status: 429, header: map[string]string{"Retry-After": "1"}})
		rc.on("t.400", answer{status: 400})
		ob, err := outbox.New(st, b, outbox.Options{URL: rc.srv.URL + "/events", Signer: rc.signer(t), Backoff: fastBackoff})
		require.NoError(t, err)
		runWorker(t, b, ob)
		ctx := context.Background()

		e500, e429, e400 := newEvent(t, st, "t.500"), newEvent(t, st, "t.429"), newEvent(t, st, "t.400")
		ob.Enqueue(ctx, e500, e429, e400)

		got := waitStatus(t, st, e500.ID, store.EventDelivered)
		require.Equal(t, 4, got.Attempts)
		require.Len(t, rc.tries(e500.ID), 4, "delivered on the fourth try")

		got = waitStatus(t, st, e429.ID, store.EventDelivered)
		require.Equal(t, 2, got.Attempts)
		tries := rc.tries(e429.ID)
		require.Len(t, tries, 2)
		require.GreaterOrEqual(t, tries[1].Sub(tries[0]), time.Second, "Retry-After: 1 honoured")

		got = waitStatus(t, st, e400.ID, store.EventDead)
		require.Equal(t, 1, got.Attempts)
		require.Contains(t, got.LastError, "400")
		require.Len(t, rc.tries(e400.ID), 1)

		require.JSONEq(t, `{"type":"t.500","timestamp":"`+e500.CreatedAt.UTC().Format(time.RFC3339Nano)+`","data":{"tenant_id":"`+tenant+`","n":1}}`,
			string(rc.body(e500.ID)))
	})
}

// TestDeadAfterLastAttempt: a receiver that keeps failing gets
// MaxAttempts tries, then the event is dead.
func TestDeadAfterLastAttempt(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rc := newReceiver(t)
		for range outbox.DefaultMaxAttempts + 2 {
			rc.on("t.down", answer{status: 500})
		}
		ob, err := outbox.New(st, b, outbox.Options{URL: rc.srv.URL, Signer: rc.signer(t), Backoff: fastBackoff})
		require.NoError(t, err)
		runWorker(t, b, ob)
		ev := newEvent(t, st, "t.down")
		ob.Enqueue(context.Background(), ev)
		got := waitStatus(t, st, ev.ID, store.EventDead)
		require.Equal(t, outbox.DefaultMaxAttempts, got.Attempts)
		require.Equal(t, "http_5xx: 500", got.LastError)
		require.Len(t, rc.tries(ev.ID), outbox.DefaultMaxAttempts)
	})
}

// TestDuplicateJob: a delivery job of an event that is no longer
// pending (delivered by an earlier job, or dead), of an unknown event,
// or enqueued again while the first is pending, does nothing.
func TestDuplicateJob(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, st store.Store, b queue.Broker) {
		rc := newReceiver(t)
		rec := &recorder{Broker: b}
		ob, err := outbox.New(st, rec, outbox.Options{URL: rc.srv.URL, Signer: rc.signer(t)})
		require.NoError(t, err)
		var mux queue.Mux
		ob.Register(&mux)
		ctx := context.Background()
		ev := newEvent(t, st, "t.dup")
		ob.Enqueue(ctx, ev)
		ob.Enqueue(ctx, ev)
		jobs := rec.enqueued()
		require.Len(t, jobs, 2)
		require.Equal(t, jobs[0].ID, jobs[1].ID, "one job id: the second enqueue is the broker's duplicate")

		require.NoError(t, mux.ProcessJob(ctx, jobs[0]))
		require.NoError(t, mux.ProcessJob(ctx, jobs[1]))
		require.Len(t, rc.tries(ev.ID), 1)
		require.Equal(t, 1, getEvent(t, st, ev.ID).Attempts)

		// A job whose event is gone (deleted with its integration).
		gone := *jobs[0]
		gone.Payload = []byte(`{"tenant_id":"` + tenant + `","event_id":"` + store.NewID() + `"}`)
		require.NoError(t, mux.ProcessJob(ctx, &gone))
		// A payload that is not a delivery's: dead at once.
		gone.Payload = []byte(`[`)
		require.ErrorIs(t, mux.ProcessJob(ctx, &gone), queue.ErrSkipRetry)
		require.Len(t, rc.tries(ev.ID), 1)
	})
}

// TestEnqueueBatch: every event of a batch larger than the enqueue
// concurrency gets its job.
func TestEnqueueBatch(t *testing.T) {
	t.Parallel()
	st, b := backends()[0].open(t)
	rec := &recorder{Broker: b}
	ob, err := outbox.New(st, rec, outbox.Options{URL: "http://127.0.0.1:1/", Signer: newReceiver(t).signer(t), EnqueueConcurrency: 3})
	require.NoError(t, err)
	var events []*store.Event
	for range 20 {
		events = append(events, newEvent(t, st, "t.batch"))
	}
	ob.Enqueue(context.Background(), events...)
	ids := map[string]bool{}
	for _, j := range rec.enqueued() {
		ids[j.ID] = true
	}
	require.Len(t, ids, 20)
	for _, ev := range events {
		require.True(t, ids["event-"+ev.ID], ev.ID)
	}
}
