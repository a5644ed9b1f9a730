// Package providertest holds the plumbing the gmailtest and outlooktest
// fakes share: the bookkeeping of the access and refresh tokens a fake
// OAuth 2.0 server issues (Tokens), the queue of injected faults
// (Faults), the bearer token and client credentials of a request, the
// PKCE S256 check and a context-aware delay. What a provider answers
// (its error bodies, codes and token rules) stays in its fake.
//
// Nothing here locks: each fake calls these under its own mutex.
package providertest
