// Package pubsub verifies Google Cloud Pub/Sub push requests, such as the
// Gmail notifications a users.watch sends: the OIDC token Pub/Sub puts in
// the Authorization header, and the push envelope in the body.
//
// It is the only package of this module that imports
// google.golang.org/api/idtoken, so that a service using package webhook
// alone does not compile Google's client libraries.
//
// # What is checked
//
// idtoken.Validate checks a token's signature (against Google's published
// keys), its audience and its expiry, and nothing else: any Google
// service account can mint a token for any audience. A Verifier also
// requires
//   - the RS256 algorithm (Pub/Sub's; idtoken would also try ES256 against
//     Identity-Aware Proxy keys),
//   - iss accounts.google.com or https://accounts.google.com,
//   - email equal to the service account the push subscription was
//     configured with, and email_verified true.
//
// Each failed check has its own error (ErrTokenExpired, ErrWrongAudience,
// ErrWrongEmail, ...), a *webhook.Error with the status Middleware answers
// it with: 401 for a missing, malformed, badly signed or expired token,
// 403 for a valid token that is not for this endpoint, 503 when Google's
// keys cannot be fetched.
//
// # Replays
//
// Pub/Sub delivers at least once, and the token does not cover the body:
// with Options.Replay, Middleware serves each message id of a
// subscription once, remembering it for ReplayTTL (by default the
// lifetime of a token, during which a captured request could be replayed,
// plus a margin).
//
// # Bodies
//
// DecodePush reads the push envelope
// {"message":{"data","messageId","attributes","publishTime"},"subscription"};
// message data is decoded from standard or URL-safe base64, padded or not.
// Pushes configured without the envelope ("no wrapper") are not
// supported.
//
// # Testing
//
// Package pubsubtest signs push tokens with a key of its own, serves that
// key to a Verifier through Options.HTTPClient in place of Google's, and
// makes push bodies and requests in Pub/Sub's wire format.
package pubsub
