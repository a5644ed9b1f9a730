// Package actionrun lists integrations' folders and acts on their
// messages at the provider — marks them seen or flagged, adds or removes
// labels, moves them to a folder or a role — and makes the store follow
// what the provider reported: the message side of an integration
// service's API, for any store (store/memory, store/postgres, your own).
//
// The provider is the truth. A Runner never changes a stored message
// before the provider did: Do calls the connector's Modify
// (connector.Modifier), then applies each connector.ActionResult to the
// stored message — its flags, labels and folders, its new ProviderID
// and ProviderRef after a move (the store id stays, so a moved message
// keeps its identity) — with one message.updated event, stored in the
// transaction of the change, for each message that really changed. The
// later sync that finds the same state has nothing to announce. A
// message the provider no longer has is marked deleted with a
// message.deleted event. The events say they come from the API (source
// "api").
//
// It is not an HTTP layer (a route decodes the request, checks the
// caller's tenant and maps the errors to answers), nor an event delivery
// mechanism: the events it stores are handed to Options.Publish (an
// event outbox, such as webhook/outbox).
//
// # Composing a Runner
//
//	r, err := actionrun.New(st, actionrun.Options{
//		Connect:   syncrun.RegistryConnect(&registry, st, logger),
//		Providers: []string{"imap", "gmail", "outlook"}, // not "custom" sources
//		Failures:  syncs,          // a *syncrun.Runner: marks needs_reauth; optional
//		Publish:   events.Enqueue, // optional
//		Logger:    logger,
//	})
//
// Then, for a request:
//
//	seen := true
//	res, err := r.Do(ctx, &actionrun.Request{
//		TenantID: tenant, IntegrationID: id, MessageIDs: []string{msgID},
//		Action: connector.Action{Seen: &seen},
//	})
//
// and for the folders a user may choose to sync or move to:
//
//	folders, err := r.Folders(ctx, tenant, id)
//
// # Errors
//
// Bad input changes nothing and is a *connector.ValidationError naming
// the request's JSON fields (message_ids, seen, flagged, add_labels,
// remove_labels, folder, role): an action the provider cannot do
// (labels on IMAP), contradictory fields, a folder or label the mailbox
// does not have. Unknown messages are a *MessagesNotFoundError, an
// integration without a mailbox (a custom source) an *UnsupportedError.
// A failure of the provider is the connector's error, classified by its
// kind (connector.ErrAuth, ErrRateLimited, ...), after Options.Failures
// saw it: syncrun's JobError marks an integration whose credentials
// were refused needs_reauth.
//
// A message's own failure is its MessageResult: OutcomeGone when the
// provider no longer has it, OutcomeFailed when the provider refused it.
package actionrun
