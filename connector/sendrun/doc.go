// Package sendrun sends messages through integrations' connectors, once
// as far as it can be: the outbound side of an integration service, for
// any store (store/memory, store/postgres, your own) and any
// queue.Broker.
//
// A Runner does what the integration service does with
// POST /api/v1/integrations/{id}/messages: Enqueue stores the message
// in the outbox under the client's idempotency key and enqueues its send
// job; the job (HandleSend, job type JobSend) sends it through the
// integration's connector with its threading headers and marks it sent
// with a message.sent event in one transaction.
//
// It is not an HTTP layer (a route decodes the request, checks who may
// send what, and calls Enqueue), nor an event delivery mechanism: the
// events it stores are handed to Options.Publish (an event outbox, such
// as webhook/outbox).
//
// # Composing a Runner
//
//	r, err := sendrun.New(st, broker, sendrun.Options{
//		Connect:  syncrun.RegistryConnect(&registry, st, logger),
//		Failures: syncs,         // a *syncrun.Runner: marks needs_reauth; optional
//		Publish:  events.Enqueue, // optional
//		Logger:   logger,
//	})
//	var mux queue.Mux
//	r.Register(&mux) // the "send" job
//
// Then, for each send:
//
//	e, created, err := r.Enqueue(ctx, &sendrun.Send{
//		TenantID: tenant, IntegrationID: id, IdempotencyKey: key,
//		Message: msg, // connector.OutboundMessage
//	})
//
// # Exactly once, as far as it can be
//
// Enqueue is idempotent: the same key with the same request (its
// Fingerprint) returns the entry stored first and sends nothing more;
// the same key with another request is store.ErrIdempotencyConflict.
// The message's Message-ID is fixed when it is stored and stays the
// same across retries.
//
// The send job counts an attempt before it sends. A job retried after an
// attempt whose outcome is unknown (its worker died in the send) first
// looks for the entry's Message-ID where the provider keeps sent mail,
// when the connector can (connector.SentFinder: the IMAP Sent folder,
// Gmail's rfc822msgid:, Graph's internetMessageId), and does not send
// again if it is there. One window remains: a worker that dies after
// the provider accepted the message and before the copy can be found
// sends it again on retry, under the same Message-ID, so that the
// recipient's mail client shows it once.
//
// # Errors and events
//
// A failed send goes through Options.Failures, syncrun's JobError
// policy in the integration service: credentials refused mark the
// integration needs_reauth and are not retried, a rate limit is retried
// when the provider said, a permanent refusal is not retried, anything
// else is retried with the queue's backoff. The last failure (not
// retried, or the last of Options.MaxAttempts) marks the entry failed
// with a message.failed event in one transaction. Without
// Options.Failures, Classify decides alike and records nothing on the
// integration.
package sendrun
