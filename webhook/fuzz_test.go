package webhook_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ucsp/integration/webhook"
)

// FuzzVerify: no header or body makes Verify panic, and whatever it
// accepts carries the signature the secret makes of that id, timestamp
// and body.
func FuzzVerify(f *testing.F) {
	f.Add(specID, "1614265330", specSignature, specBody)
	f.Add(specID, "1614265330", "v1,"+b64(32, 1)+" v1a,xyz "+specSignature, specBody)
	f.Add("", "", "", "")
	f.Add("a", "1614265330", "v1,,,, ,v1 v1,====", "{}")
	f.Add("a.b", "0001614265330", "v2,"+strings.Repeat("A", 44), "x")
	secret := mustSecret(f, specSecret)
	signer, err := webhook.NewSigner(secret)
	if err != nil {
		f.Fatal(err)
	}
	v := newVerifier(f, webhook.VerifierOptions{}, secret)
	f.Fuzz(func(t *testing.T, id, ts, sig, body string) {
		h := http.Header{}
		h.Set(webhook.HeaderID, id)
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sig)
		d, err := v.Verify(h, []byte(body))
		if err != nil {
			if webhook.StatusCode(err) != http.StatusUnauthorized {
				t.Fatalf("status %d for %v", webhook.StatusCode(err), err)
			}
			return
		}
		if d.ID != id {
			t.Fatalf("delivery id %q, header %q", d.ID, id)
		}
		// Recompute what the secret signs, where the signer would sign the
		// same content: it formats the timestamp without leading zeros and
		// refuses ids with "." or spaces, which senders might still use.
		if ts[0] == '0' {
			return
		}
		want, err := signer.Signature(id, d.Timestamp, []byte(body))
		if err != nil {
			return
		}
		for _, entry := range strings.Fields(sig) {
			if entry == want {
				return
			}
		}
		t.Fatalf("accepted without the right signature: %q", sig)
	})
}
