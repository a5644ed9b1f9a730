package pubsub_test

import (
	"testing"

	"github.com/ucsp/integration/webhook/pubsub"
	"github.com/ucsp/integration/webhook/pubsub/pubsubtest"
)

// BenchmarkVerifyToken measures verifying a push token with Google's keys
// cached: an RSA-2048 signature check and the claim checks.
func BenchmarkVerifyToken(b *testing.B) {
	iss := pubsubtest.NewIssuer()
	v := newVerifier(b, iss, pubsub.Options{})
	tok := iss.Token(testAccount, testAudience)
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
