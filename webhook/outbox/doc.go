// Package outbox delivers a store's events to a platform: each event is
// POSTed to one URL, signed per Standard Webhooks, by a queue job that
// retries it, with the store recording every attempt. It is the
// transactional outbox pattern on this module's interfaces: any
// store.EventStore (store/memory, store/postgres, or a store of your
// own) and any queue.Broker (queue.NewMemory, queue.NewRedis).
//
// It is not where events are written: the caller stores them in the
// same transaction as the change they report (store.SyncCommit.Events,
// UpdateIntegrationWithEvents, UpdateOutbox, InsertEvents), so that a
// change is never committed without its event nor an event without its
// change. It is not a receiver either: webhook.Verifier checks what it
// sends. And it delivers to one URL: a deployment with a receiver per
// tenant runs an outbox per receiver (with job types of their own) or
// routes behind one URL.
//
// # How the pieces fit
//
//	ob, err := outbox.New(st, broker, outbox.Options{URL: url, Signer: signer})
//
//	// Writing: the event in the change's transaction, its delivery
//	// enqueued after the commit.
//	ev, err := store.NewEvent(tenant, integrationID, "message.received", payload)
//	err = st.InsertEvents(ctx, ev) // or within CommitSync, UpdateOutbox...
//	ob.Enqueue(ctx, ev)
//
//	// Delivering: the job handlers and the sweep on the workers.
//	var mux queue.Mux
//	ob.Register(&mux)
//	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{Periodic: []queue.Periodic{ob.Periodic()}})
//
// Enqueue never fails: an enqueue that does not happen (the process dies
// after the commit, the broker is down) is made good by the sweep, a
// periodic job that enqueues the pending events overdue by SweepGrace.
// Redeliver sends a delivered or dead event again.
//
// # What is delivered
//
// The body is the envelope {"type","timestamp","data"}: the event's
// type, when it was created (RFC 3339, UTC; the same on every attempt),
// and its payload, a JSON object that carries the event's tenant as
// "tenant_id" (see Data; store.NewEvent builds such payloads, so that
// delivering one needs no decoding). The request carries the Standard
// Webhooks headers: webhook-id is the event's id, the same on every
// attempt and every redelivery; webhook-timestamp is the attempt's time;
// webhook-signature signs id, timestamp and body with Options.Signer's
// secrets.
//
// # Delivery guarantees
//
// At least once: an event stored and committed is delivered unless it
// is given up on, even if processes die at any point (the queue runs a
// job again after a crash; the sweep enqueues what was never enqueued).
// It may be delivered more than once (a crash between the receiver's 2xx
// and its recording; a redelivery): receivers drop duplicates by
// webhook-id. Events are not delivered in order.
//
// One attempt per job run, each bounded by AttemptTimeout. A 2xx
// delivers the event. A network error (no answer), 408, 429 and 5xx are
// retried after Backoff (exponential with jitter), or after the
// receiver's Retry-After (seconds or an HTTP date, at most an hour), up
// to MaxAttempts; any other answer, redirects included (never followed),
// makes the event dead at once, as does the last failed attempt. Each
// failure is recorded on the event as a class (ClassTimeout, "http_5xx:
// 503", ...), which says nothing the receiver or the network said; the
// receiver's words go to the debug log. The URL is never in an error, a
// log or a class: it may carry a token.
//
// # Metrics and tracing
//
// Options.Hooks are called around each attempt with the event, the
// attempt's number, its outcome, class and duration; AttemptStart may
// return a context (a span's) that the request is made with, and
// Hooks.Request may add headers to the request (a trace context).
// Options.HTTPClient may be a client whose Transport is instrumented.
// The package imports no metrics or tracing library.
package outbox
