// Command webhook-verify shows both ends of a Standard Webhooks delivery
// (standardwebhooks.com): it signs an event with webhook.Signer, sends it to
// a receiver on a loopback port that checks it with webhook.Verifier's
// middleware, sends it again (a replay, acknowledged but not handled twice),
// and then sends it with its body changed, which the receiver refuses.
//
//	go run ./examples/webhook-verify
//	WEBHOOK_SECRET=whsec_... go run ./examples/webhook-verify -event '{"type":"ping"}'
//
// Without WEBHOOK_SECRET a new secret is generated. Sender and receiver
// share the secret; in real life it is shown once to whoever configures the
// sender and stored, encrypted, by the receiver.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/ucsp/integration/webhook"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.Event, "event", `{"type":"message.received","data":{"id":"msg_1"}}`, "the event to send, as JSON")
	flag.Parse()
	cfg.Secret = os.Getenv("WEBHOOK_SECRET")
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-verify:", err)
		os.Exit(1)
	}
}

// config is run's input.
type config struct {
	Secret string // "whsec_..."; empty: a new one
	Event  string
	Logger *slog.Logger
}

// result is what the receiver saw.
type result struct {
	Handled     []string // ids of the deliveries passed to the handler
	TamperedErr error    // Verify's verdict on the changed body
}

func run(ctx context.Context, cfg config, out io.Writer) (*result, error) {
	secret := webhook.GenerateSecret()
	if cfg.Secret != "" {
		var err error
		if secret, err = webhook.ParseSecret(cfg.Secret); err != nil {
			return nil, fmt.Errorf("WEBHOOK_SECRET: %w", err)
		}
	}

	// The receiver: the middleware verifies each request before the
	// handler sees it, and with a replay store serves each id once.
	v, err := webhook.NewVerifier([]webhook.Secret{secret}, webhook.VerifierOptions{
		Replay: webhook.NewMemoryReplayStore(),
		Logger: cfg.Logger, // one line per rejected request
	})
	if err != nil {
		return nil, err
	}
	handled := make(chan string, 10)
	receiver := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := webhook.DeliveryFromContext(r.Context())
		handled <- d.ID // a real handler queues the work and answers at once
		w.WriteHeader(http.StatusOK)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: receiver, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	url := "http://" + ln.Addr().String() + "/hooks"

	// The sender: the id stays the same on every retry of the event; the
	// timestamp is the attempt's.
	signer, err := webhook.NewSigner(secret)
	if err != nil {
		return nil, err
	}
	id := "evt_" + rand.Text()
	body := []byte(cfg.Event)
	headers, err := signer.Sign(id, time.Now(), body)
	if err != nil {
		return nil, err
	}

	tampered := fmt.Appendf(nil, `{"forged":true,"event":%s}`, body)
	for _, send := range []struct {
		what string
		body []byte
	}{
		{"the event", body},
		{"the same delivery again", body},
		{"the event with its body changed", tampered},
	} {
		status, err := post(ctx, url, headers, send.body)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "sent %s: %s\n", send.what, status)
	}
	close(handled)
	res := &result{}
	for id := range handled {
		fmt.Fprintf(out, "handled %s\n", id)
		res.Handled = append(res.Handled, id)
	}

	// Without the middleware, Verify says why: one of the package's
	// errors, matched with errors.Is, with the HTTP status to answer.
	_, res.TamperedErr = v.Verify(headers, tampered)
	var werr *webhook.Error
	if errors.As(res.TamperedErr, &werr) {
		fmt.Fprintf(out, "Verify of the changed body: %v (HTTP %d)\n", werr, werr.StatusCode())
	}
	return res, nil
}

// post sends body with the signature headers and returns the answer's
// status.
func post(ctx context.Context, url string, headers http.Header, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	for k, vals := range headers {
		req.Header[k] = vals
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Status, nil
}
