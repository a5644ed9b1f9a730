// Package pushwatch keeps the push registrations of a deployment's
// mailboxes at their providers (a Gmail users.watch on a Pub/Sub topic,
// a Microsoft Graph subscription) and turns the providers' verified
// pushes into syncs: for any store (store/memory, store/postgres, your
// own) and any queue.Broker.
//
// A Manager makes an integration's registration when it is connected,
// renews the registrations before they expire (a periodic job), removes
// one before its integration is deleted, routes a Gmail push (which
// names only a mailbox address) and a Graph notification (which names
// only a subscription) back to their integrations, and acts on Graph's
// lifecycle events. It talks to providers through connector.Watcher,
// so that it imports neither the Gmail nor the Graph SDK.
//
// It is not an HTTP layer: verifying a push is package webhook's
// (webhook.GraphVerifier) and webhook/pubsub's (Pub/Sub OIDC tokens);
// their routes hand what they verified to the Manager. Nor does it
// sync: it calls Options.Trigger, a connector/syncrun Runner's.
//
// # Composing a Manager
//
//	runner, err := syncrun.New(st, broker, syncrun.Options{Connect: connect})
//	m, err := pushwatch.New(st, broker, pushwatch.Options{
//		Connect:              connect,        // the same ConnectFunc
//		Trigger:              runner.Trigger, // a push syncs
//		Failures:             runner,         // auth failures: needs_reauth
//		GmailTopic:           "projects/acme/topics/gmail",
//		GraphNotificationURL: "https://mail.acme.example/webhooks/microsoft",
//		GraphLifecycleURL:    "https://mail.acme.example/webhooks/microsoft/lifecycle",
//		Logger:               logger,
//	})
//	var mux queue.Mux
//	runner.Register(&mux)
//	m.Register(&mux) // the "renew-watches" and "subscription-lifecycle" jobs
//	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{
//		Periodic: []queue.Periodic{runner.SweepSchedule(5 * time.Minute), m.RenewSchedule(time.Hour)},
//	})
//
// A provider whose option is empty gets no registrations: its mailboxes
// are synced by the Runner's sweep alone.
//
// # Registrations
//
// Start makes an integration's first registration; call it after a
// sign-in. A failure costs nothing: it is recorded as a registration
// due now, which the next Renew retries. Renew (the JobRenew job, see
// RenewSchedule) renews every registration that expires within
// Options.RenewBefore, each once a round, and drops those of
// integrations that are disabled or waiting for reauthorization. Remove
// deletes the registration at the provider before the integration is
// deleted. A Graph subscription is created with a random clientState of
// its own, sealed with it in the store.
//
// # Pushes
//
// A Gmail push, verified by webhook/pubsub and decoded by
// gmail.ParseNotification, names a mailbox: GmailPush triggers the sync
// of every integration of that mailbox, in every tenant.
//
// A Graph notification collection is verified by a
// webhook.GraphVerifier whose Lookup is LookupGraph (the collection's
// subscriptions in one query, their clientStates compared by the
// verifier); GraphNotifications then triggers a sync for each
// integration a change names and enqueues a JobLifecycle job for each
// lifecycle event, once per integration however often the collection
// repeats it:
//
//	v, err := webhook.NewGraphVerifier(webhook.GraphOptions{Lookup: m.LookupGraph})
//	mux.Handle("POST /webhooks/microsoft", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		batch, _ := webhook.GraphBatchFromContext(r.Context())
//		if _, err := m.GraphNotifications(r.Context(), batch); err != nil {
//			http.Error(w, "try again", http.StatusInternalServerError) // Graph retries
//		}
//	})))
//
// Lifecycle (the JobLifecycle job) reauthorizes a subscription whose
// access is about to end, makes a new one for a removed one, and syncs
// what a removed subscription or missed notifications let through.
//
// # Errors
//
// A provider's refusal of a registration goes through Options.Failures,
// the sync runner's error policy: an auth failure marks the integration
// needs_reauth with one integration.needs_reauth event, and the
// registration is dropped at the next renewal until the integration is
// signed in again; the other failures are retried by the next renewal
// round (or by the queue, for a lifecycle job).
package pushwatch
