package custom_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/webhook"
	"github.com/ucsp/integration/webhook/custom"
)

// Sources on the memory store serve a route for custom sources: a
// delivery signed with the source's secret is stored with its
// message.received event, and its replay is acknowledged without being
// ingested again.
func Example() {
	ctx := context.Background()
	st, _ := memory.New(memory.Options{})
	defer st.Close()

	// A custom source: an integration of provider "custom" whose
	// credentials hold its Standard Webhooks secret.
	secret := webhook.GenerateSecret()
	in := &store.Integration{TenantID: "acme", Provider: custom.DefaultProvider, Name: "Contact form"}
	_ = st.CreateIntegration(ctx, in, connector.Credentials{AppSecret: secret.Encode()})

	sources, err := custom.New(st, custom.Options{
		Publish: func(_ context.Context, events ...*store.Event) {
			for _, ev := range events {
				fmt.Println("publish", ev.Type) // an event outbox would enqueue it
			}
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks/custom/{id}", func(w http.ResponseWriter, r *http.Request) {
		src, err := sources.Source(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			http.NotFound(w, r)
			return
		} else if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		src.ServeHTTP(w, r)
	})

	// The source's side: sign the body and post it.
	signer, _ := webhook.NewSigner(secret)
	body := `{"from":{"email":"ann@example.org"},"subject":"Order 42","text":"Where is it?","message_id":"q42@example.org"}`
	deliver := func(webhookID string) {
		h, _ := signer.Sign(webhookID, time.Now(), []byte(body))
		req := httptest.NewRequest(http.MethodPost, "/webhooks/custom/"+in.ID, strings.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `"duplicate":true`))
	}
	deliver("msg_1")
	deliver("msg_1") // the sender retries the same delivery
	deliver("msg_2") // or delivers the message again

	n, _ := st.CountMessages(ctx, "acme", in.ID)
	fmt.Println("stored:", n)
	// Output:
	// publish message.received
	// 200 false
	// 204 false
	// 200 true
	// stored: 1
}
