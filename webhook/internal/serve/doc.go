// Package serve holds the HTTP plumbing the verifiers of package webhook
// and webhook/pubsub share: RFC 9457 problem responses, a response
// recorder, and the replay guard that serves each delivery once.
package serve
