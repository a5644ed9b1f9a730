package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ucsp/integration/webhook"
)

// compareWebhook measures verified Standard Webhooks deliveries per
// second to POST /webhooks/custom/{id} of the real binary in embedded
// mode (signature and timestamp check, replay check, JSON decoding, the
// message and its message.received event stored, access log, metrics),
// against the peer's hello-world handler on the same route. Every
// delivery is new (its own webhook-id and message_id), so each one is
// stored; both sides get the same signed requests, built by the driver.
func compareWebhook(ctx context.Context, bin string, peer *process) (float64, float64, error) {
	ours, err := startProcess(ctx, bin, serverEnv(), "all")
	if err != nil {
		return 0, 0, err
	}
	defer ours.stop()
	tok, err := serverToken(ctx, bin)
	if err != nil {
		return 0, 0, err
	}
	id, secret, err := createBenchSource(ctx, ours.base, tok)
	if err != nil {
		return 0, 0, err
	}
	s, err := webhook.ParseSecret(secret)
	if err != nil {
		return 0, 0, err
	}
	signer, err := webhook.NewSigner(s)
	if err != nil {
		return 0, 0, err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: rlGoroutines, MaxConnsPerHost: rlGoroutines}}
	var seq atomic.Int64
	push := func(base string) func(context.Context, int) error {
		url := base + "/webhooks/custom/" + id
		return func(ctx context.Context, _ int) error {
			n := strconv.FormatInt(seq.Add(1), 10)
			body := []byte(`{"from":{"name":"Ann","email":"ann@example.org"},"to":[{"email":"help@example.com"}],` +
				`"subject":"Order ` + n + `","text":"Where is my order?","message_id":"bench-` + n + `@example.org"}`)
			h, err := signer.Sign("msg_"+n, time.Now(), body)
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
			if err != nil {
				return err
			}
			for k, v := range h {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("POST %s: %s", url, resp.Status)
			}
			return nil
		}
	}
	return interleave(ctx, push(ours.base), push(peer.base))
}

// createBenchSource creates a custom source and returns its id and
// webhook secret.
func createBenchSource(ctx context.Context, base, tok string) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/integrations",
		strings.NewReader(`{"name":"Bench webhook source","provider":"custom"}`))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var in struct {
		ID            string `json:"id"`
		WebhookSecret string `json:"webhook_secret"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&in) != nil {
		return "", "", fmt.Errorf("create custom source: %s", resp.Status)
	}
	return in.ID, in.WebhookSecret, nil
}

// peerWebhook is the peer's hello-world answer to a push: the body read
// and dropped, a small JSON object written.
func peerWebhook(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"hello":"world"}` + "\n"))
}
