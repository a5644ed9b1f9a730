// Package pubsubtest makes Google Pub/Sub push requests for tests of code
// that verifies them with package pubsub: an Issuer that signs OIDC
// tokens as Google does for a push subscription's service account, with
// an HTTP client that serves the Issuer's keys at Google's certificate
// URLs, and push bodies in Pub/Sub's wire format. Package pubsub's own
// tests run on it, and so can the tests of any program built on pubsub.
//
// # Tokens and keys
//
// NewIssuer makes a fresh RSA key. Issuer.Token signs the token Pub/Sub
// puts in a push request's Authorization header; Issuer.Claims and
// Issuer.SignClaims make tokens with any claims, to test rejections.
// Give Issuer.HTTPClient to the verifier (pubsub.Options.HTTPClient): it
// answers https://www.googleapis.com/oauth2/v3/certs, where idtoken
// fetches the keys of RS256 tokens, with the Issuer's public key, and
// fails every other URL, so that nothing leaves the machine.
// Issuer.FailFetches makes those fetches fail, as when Google cannot be
// reached, and Issuer.Fetches counts them. An issuer from Issuer.Rogue
// signs with another key under the same key id, one HTTPClient does not
// serve, as a forger would; Issuer.SignJWT sets any header field.
//
//	iss := pubsubtest.NewIssuer()
//	v, _ := pubsub.New(ctx, pubsub.Options{
//		Audience:       "https://example.com/push",
//		ServiceAccount: "push@my-project.iam.gserviceaccount.com",
//		HTTPClient:     iss.HTTPClient(),
//	})
//	tok := iss.Token("push@my-project.iam.gserviceaccount.com", "https://example.com/push")
//	body := pubsubtest.PushBody("projects/my-project/subscriptions/gmail", "1", data, nil)
//	req := pubsubtest.NewPushRequest("https://example.com/push", tok, body)
//
// # Not here
//
// It does not run a Pub/Sub emulator: there are no topics, subscriptions
// or redeliveries, and no ES256 (Identity-Aware Proxy) tokens. It imports
// none of Google's client libraries.
package pubsubtest
