package pubsub_test

import (
	"testing"

	"github.com/ucsp/integration/webhook/pubsub"
)

// BenchmarkVerifyToken measures verifying a push token with Google's keys
// cached: an RSA-2048 signature check and the claim checks.
func BenchmarkVerifyToken(b *testing.B) {
	v, _ := newVerifier(b, pubsub.Options{})
	tok := googleToken(b, nil)
	if _, err := v.VerifyToken(b.Context(), tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyToken(b.Context(), tok); err != nil {
			b.Fatal(err)
		}
	}
}
