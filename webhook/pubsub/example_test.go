package pubsub_test

import (
	"context"
	"encoding/json"
	"log"
	"net/http"

	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/pubsub"
)

// A Gmail push endpoint: only pushes signed by Google for this endpoint's
// audience and the subscription's service account get through, each
// message once.
func ExampleVerifier_Middleware() {
	ctx := context.Background()
	v, err := pubsub.New(ctx, pubsub.Options{
		Audience:       "https://integrations.example.com/webhooks/gmail",
		ServiceAccount: "gmail-push@my-project.iam.gserviceaccount.com",
		Replay:         webhook.NewMemoryReplayStore(), // webhook.NewRedisReplayStore across replicas
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /webhooks/gmail", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		push, _, _ := pubsub.PushFromContext(r.Context())
		var n struct {
			EmailAddress string      `json:"emailAddress"`
			HistoryID    json.Number `json:"historyId"`
		}
		if err := json.Unmarshal(push.Message.Data, &n); err != nil {
			w.WriteHeader(http.StatusNoContent) // not a Gmail notification: acknowledge, do not retry
			return
		}
		// Queue a sync of n.EmailAddress from its stored history id, then
		// acknowledge.
		w.WriteHeader(http.StatusNoContent)
	})))
}
