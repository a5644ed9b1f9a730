package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ucsp/integration/webhook"
)

// A sender signs an event; the receiver's middleware verifies it, and
// answers a redelivery of the same event without serving it again.
func ExampleVerifier_Middleware() {
	secret := webhook.GenerateSecret() // shared with the sender once, as secret.Encode()

	v, err := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{
		Replay: webhook.NewMemoryReplayStore(),
	})
	if err != nil {
		panic(err)
	}
	handler := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := webhook.DeliveryFromContext(r.Context())
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("serving %s: %s\n", d.ID, body)
	}))

	signer, err := webhook.NewSigner(secret)
	if err != nil {
		panic(err)
	}
	body := `{"type":"message.received"}`
	send := func(id string, s *webhook.Signer) int {
		h, err := s.Sign(id, time.Now(), []byte(body))
		if err != nil {
			panic(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
		for k, vals := range h {
			req.Header[k] = vals
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(send("evt_1", signer))
	fmt.Println(send("evt_1", signer))

	impostor, _ := webhook.NewSigner(webhook.GenerateSecret())
	fmt.Println(send("evt_2", impostor))
	// Output:
	// serving evt_1: {"type":"message.received"}
	// 200
	// 204
	// 401
}

// Verify is the plain function behind the middleware: here, the example
// published with the Standard Webhooks specification.
func ExampleVerifier_Verify() {
	secret, _ := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	v, _ := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{
		Now: func() time.Time { return time.Unix(1614265330, 0) },
	})
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	d, err := v.Verify(h, []byte(`{"test": 2432232314}`))
	fmt.Println(d.ID, err)

	_, err = v.Verify(h, []byte(`{"test": 2432232315}`))
	fmt.Println(err, webhook.StatusCode(err))
	// Output:
	// msg_p5jXN8AQM9LWM0D4loKWxJek <nil>
	// webhook: no matching signature 401
}

// Rotating a secret: the sender signs with both secrets for a while, and
// receivers that know either one accept the event.
func ExampleNewSigner_rotation() {
	oldSecret, newSecret := webhook.GenerateSecret(), webhook.GenerateSecret()
	signer, _ := webhook.NewSigner(newSecret, oldSecret)
	h, _ := signer.Sign("evt_42", time.Now(), []byte("{}"))
	fmt.Println(len(strings.Fields(h.Get("webhook-signature"))), "signatures")

	stillOld, _ := webhook.NewVerifier([]webhook.Secret{oldSecret}, webhook.VerifierOptions{})
	_, err := stillOld.Verify(h, []byte("{}"))
	fmt.Println(err)
	// Output:
	// 2 signatures
	// <nil>
}

// A Microsoft Graph notification URL: the middleware answers the
// validation handshake, checks clientStates, and answers 202.
func ExampleGraphVerifier_Middleware() {
	clientStates := map[string]string{"sub-1": "a-random-secret-per-subscription"}
	g, _ := webhook.NewGraphVerifier(webhook.GraphOptions{
		ClientState: func(_ context.Context, id string) (string, bool, error) {
			s, ok := clientStates[id]
			return s, ok, nil
		},
	})
	handler := g.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		batch, _ := webhook.GraphBatchFromContext(r.Context())
		for _, n := range batch.Notifications {
			fmt.Println("queue a sync for", n.SubscriptionID, n.ChangeType)
		}
	}))

	post := func(target, body string) {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, strings.NewReader(body)))
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Body.String())))
	}
	post("/webhooks/microsoft?validationToken=Validation%3a+Testing", "")
	post("/webhooks/microsoft", `{"value":[{"subscriptionId":"sub-1","clientState":"a-random-secret-per-subscription","changeType":"created"}]}`)
	post("/webhooks/microsoft", `{"value":[{"subscriptionId":"sub-1","clientState":"guess","changeType":"created"}]}`)
	// Output:
	// 200 Validation: Testing
	// queue a sync for sub-1 created
	// 202
	// 403 {"type":"about:blank","title":"Forbidden","status":403,"detail":"webhook: invalid clientState: notification 0"}
}
