// Package webhook verifies the HTTP callbacks a service receives and signs
// the ones it sends.
//
// Inbound, it checks that a request comes from whom it claims before
// anything is done with it: Standard Webhooks signatures (custom sources,
// any sender following standardwebhooks.com) and Microsoft Graph change
// notifications (the validation handshake and each subscription's
// clientState). Google Cloud Pub/Sub pushes (Gmail) are verified by the
// subpackage webhook/pubsub, the only one that imports Google's libraries:
// this package depends on the standard library and go-redis only.
// Outbound, Signer signs events per Standard Webhooks.
//
// It is not a router, a queue or a delivery system: a verified request is
// handed to the next handler, which should queue the work and answer
// quickly.
//
// # Standard Webhooks
//
// A sender signs "id.timestamp.body" with HMAC-SHA256 and a shared secret
// ("whsec_" + base64) and sends webhook-id, webhook-timestamp and
// webhook-signature (space-separated "v1,<base64>" entries, several
// during a secret rotation). A Verifier accepts a request whose timestamp
// is within 5 minutes of its clock (either way) and one of whose
// signatures matches one of its secrets, compared in constant time:
//
//	secret, err := webhook.ParseSecret(stored) // "whsec_..."
//	v, err := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{
//		Replay: webhook.NewMemoryReplayStore(),
//	})
//	mux.Handle("POST /hooks", v.Middleware(handler))
//
// Sending is the mirror image:
//
//	signer, err := webhook.NewSigner(secret)
//	h, err := signer.Sign(eventID, time.Now(), body)
//	for k, vals := range h {
//		req.Header[k] = vals
//	}
//
// The event id stays the same on every retry (receivers use it to drop
// duplicates); the timestamp is the attempt's. GenerateSecret makes a new
// secret; Secret.Encode is its text form, and a Secret never prints
// itself otherwise.
//
// # Microsoft Graph
//
// Graph does not sign notifications. When a subscription is created it
// POSTs a validationToken the endpoint must echo; afterwards every
// notification carries the subscription's clientState, a secret given
// when the subscription was created. GraphVerifier.Middleware answers
// the handshake, checks each notification's clientState against a lookup
// by subscription id, and answers 202 Accepted once the next handler has
// taken the batch (GraphBatchFromContext). Lifecycle notifications
// (reauthorizationRequired, subscriptionRemoved, missed) come through the
// same verifier, with LifecycleEvent set.
//
// Anyone can post to a notification URL, so what one request costs is
// bounded: a collection of more than 100 notifications
// (GraphOptions.MaxNotifications) is refused before any lookup, the
// subscriptions it names are looked up together, each once
// (GraphOptions.Lookup), and GraphOptions.OnUnknown hears of made-up
// ones, to count them against the sender.
//
// # Bodies
//
// Verifiers read bodies with ReadBody: up to a limit (1 MiB by default),
// into memory that grows with the bytes received, never with the length
// the client announced. Give the route's connections a read deadline
// (ratelimit.Deadlines) and a body that does not arrive in time fails
// with ErrBodyTimeout (408).
//
// # Replays
//
// A captured request can be sent again while its timestamp (or token) is
// accepted, and senders redeliver on their own. With a ReplayStore
// (MemoryReplayStore in one process, RedisReplayStore across replicas) a
// middleware serves each delivery id once: a repeat is acknowledged with
// 204 and not passed on. If the next handler fails (answers other than
// 2xx, or panics), the id is forgotten, so that the sender's retry is
// served. If the store is down, the request gets 503 and is retried by
// its sender: nothing is served twice.
//
// # Errors
//
// Every failed check returns an *Error: ErrMissingHeaders,
// ErrTimestampTooOld, ErrTimestampTooNew, ErrInvalidSignature,
// ErrMalformedSignature, ErrInvalidClientState, ErrBodyTooLarge, ...
// (possibly wrapped with detail; match with errors.Is). Its StatusCode is
// what the middleware answers: 401 for missing or wrong credentials, 403
// for valid ones that are not for this endpoint, 413 for a body over the
// limit (1 MiB by default) or too many Graph notifications, 408 for a
// body too slow to arrive, 400 for a body that is not what the scheme
// sends. The answer is an RFC 9457 application/problem+json body
// (WriteError does the same for callers of the plain functions), the next
// handler is not called, and nothing is logged but which check failed:
// never a secret, a signature, a token or a body.
package webhook
