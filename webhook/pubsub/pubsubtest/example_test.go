package pubsubtest_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/ucsp/integration/webhook/pubsub"
	"github.com/ucsp/integration/webhook/pubsub/pubsubtest"
)

// A test of a Gmail push endpoint: the verifier fetches the Issuer's keys
// instead of Google's, and the push is signed with them.
func Example() {
	const (
		audience = "https://integrations.example.com/webhooks/gmail"
		account  = "gmail-push@my-project.iam.gserviceaccount.com"
	)
	iss := pubsubtest.NewIssuer()
	v, err := pubsub.New(context.Background(), pubsub.Options{
		Audience:       audience,
		ServiceAccount: account,
		HTTPClient:     iss.HTTPClient(),
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	endpoint := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		push, claims, _ := pubsub.PushFromContext(r.Context())
		fmt.Printf("%s from %s: %s\n", push.Message.MessageID, claims.Email, push.Message.Data)
		w.WriteHeader(http.StatusNoContent)
	}))

	body := pubsubtest.PushBody("projects/my-project/subscriptions/gmail-push", "136969346945",
		[]byte(`{"emailAddress":"user@example.com","historyId":9876543210}`), nil)
	for _, tok := range []string{
		iss.Token(account, audience),
		iss.Rogue().Token(account, audience),
		iss.Token("someone@other-project.iam.gserviceaccount.com", audience),
	} {
		rec := httptest.NewRecorder()
		endpoint.ServeHTTP(rec, pubsubtest.NewPushRequest(audience, tok, body))
		fmt.Println(rec.Code)
	}
	// Output:
	// 136969346945 from gmail-push@my-project.iam.gserviceaccount.com: {"emailAddress":"user@example.com","historyId":9876543210}
	// 204
	// 401
	// 403
}
