// Package custom ingests the deliveries of custom sources: systems of
// a tenant's own (a contact form, a chat, a ticket tool) that push
// their messages to the integration service instead of being synced
// from a mailbox. It works with any store (store/memory,
// store/postgres, a deployment's own) and takes its replay protection
// from any webhook.ReplayStore.
//
// A custom source is an integration of provider "custom" (see
// Options.Provider) whose credentials hold a Standard Webhooks secret
// (connector.Credentials.AppSecret, as webhook.Secret.Encode writes
// it). A delivery is one signed POST of a JSON body of either kind:
//
//   - an inbound message (type "message", the default): from, to, cc,
//     subject, text, html, message_id, in_reply_to, references,
//     thread_id, date and attachments' metadata;
//   - a conversation message (type "conversation.message"): a message
//     posted to a conversation of a chat or ticket system:
//     conversation_id, event_id, author, created_at, subject, text,
//     html and attachments' metadata.
//
// It is not a sync runner (connector/syncrun pulls mailboxes), nor an
// event delivery mechanism: the message.received events it stores are
// handed to Options.Publish (an event outbox, such as webhook/outbox).
//
// # Serving deliveries
//
//	sources, err := custom.New(st, custom.Options{
//		Replay:  webhook.NewMemoryReplayStore(), // Redis across processes
//		Publish: events.Enqueue,                 // optional
//		Respond: writeAnswer,                    // optional: your problem types
//		Logger:  logger,
//	})
//	mux.HandleFunc("POST /webhooks/custom/{id}", func(w http.ResponseWriter, r *http.Request) {
//		src, err := sources.Source(r.Context(), r.PathValue("id"))
//		if errors.Is(err, store.ErrNotFound) {
//			http.NotFound(w, r)
//			return
//		} else if err != nil {
//			http.Error(w, "internal error", http.StatusInternalServerError)
//			return
//		}
//		src.ServeHTTP(w, r)
//	})
//
// Sources.Source finds a source and its verifier, kept for a few seconds
// (Forget drops one at once: call it when a source's secret is rotated,
// or the integration is updated or deleted). An id that is no custom
// source is remembered as such for as long, so that a sender repeating
// an unknown id costs no query.
//
// Source.ServeHTTP verifies the delivery (webhook.Verifier: signature,
// timestamp, body size, and each webhook-id served once: a replay is
// acknowledged with 204), checks that the body is JSON, and ingests it.
// Options.Respond writes the answer: the Result (200) or why the
// delivery was refused (the errors below); WriteResponse is the default.
// A deployment that verifies deliveries its own way calls
// Sources.Ingest with the verified body instead.
//
// # Ingesting
//
// Ingest decodes the body strictly (an unknown field, a second value or
// trailing data is a *DecodeError), checks it (a
// *connector.ValidationError naming every field that is wrong) and
// cleans it as the MIME parser cleans mail (internal/mime.Sanitize: no
// line break or control character in names, subject or ids, no
// directory in file names). The message's provider id is its
// message_id ("message-id:<id>"), its event_id ("event:<id>"), or the
// webhook-id when it has none ("webhook:<id>"): a redelivery of one
// message stores and announces nothing new, and its Result says
// Duplicate and names the stored message.
//
// # Group commit
//
// The deliveries of one source that arrive while a commit of it is
// running wait, and the next commit stores them together, as one sync
// batch (store.SyncCommit: one transaction on PostgreSQL) with one
// message.received event per new message. Each delivery's answer still
// waits for the commit that stored it, so a 200 means stored; a burst
// costs a few commits instead of one each. A commit holds at most one
// delivery per message, so a second delivery of a message is a
// duplicate, as if it had come later. Processes (replicas) that commit
// deliveries of one source at once race on its sync version: the loser
// retries, a few times with jitter, before answering ErrBusy.
//
// # Errors
//
// ErrNotJSON (the Content-Type is not JSON), ErrDisabled (the
// integration is disabled), *DecodeError, *connector.ValidationError,
// ErrBusy (retry), and the store's errors as they are
// (store.ErrNotFound when the integration was deleted meanwhile).
package custom
