package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// Event delivery: one "deliver-event" job per event, to
// EVENTS_WEBHOOK_URL, retried by the queue.
const (
	jobDeliverEvent = "deliver-event"
	// eventMaxAttempts is how many delivery attempts an event gets
	// before it is dead (with the default backoff, about 8 minutes).
	eventMaxAttempts = 10
	// eventAttemptTimeout bounds one delivery request.
	eventAttemptTimeout = 15 * time.Second
	// eventErrorBytes is how much of a refusal's body the debug log
	// shows.
	eventErrorBytes = 200
)

// deliverJob is the payload of a deliver-event job.
type deliverJob struct {
	TenantID string `json:"tenant_id"`
	EventID  string `json:"event_id"`
}

// eventEnvelope is the JSON body of a delivery: the event's type, when
// it happened, and its payload (with the tenant's id).
type eventEnvelope struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// eventDeliverer posts events, signed per Standard Webhooks.
type eventDeliverer struct {
	url    string
	signer *webhook.Signer
	client *http.Client
}

// newEventDeliverer returns the deliverer of cfg, or nil when
// EVENTS_WEBHOOK_URL is not set (events then stay pending).
func newEventDeliverer(cfg *Config) (*eventDeliverer, error) {
	if cfg.EventsWebhookURL == "" {
		return nil, nil
	}
	secret, err := webhook.ParseSecret(cfg.EventsWebhookSecret)
	if err != nil {
		return nil, errors.New("EVENTS_WEBHOOK_SECRET: not a whsec_ secret")
	}
	signer, err := webhook.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("EVENTS_WEBHOOK_SECRET: %w", err)
	}
	return &eventDeliverer{
		url:    cfg.EventsWebhookURL,
		signer: signer,
		client: &http.Client{
			Timeout: eventAttemptTimeout,
			// A redirect is an answer, not a delivery: never follow it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// envelope returns the body delivered for ev.
func envelope(ev *store.Event) ([]byte, error) {
	data := map[string]json.RawMessage{}
	if err := json.Unmarshal(ev.Payload, &data); err != nil {
		return nil, fmt.Errorf("event %s: payload is not a JSON object: %w", ev.ID, err)
	}
	tenant, _ := json.Marshal(ev.TenantID)
	data["tenant_id"] = tenant
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(eventEnvelope{Type: ev.Type, Timestamp: ev.CreatedAt.UTC(), Data: raw})
}

// attemptOutcome is what one delivery attempt came to.
type attemptOutcome struct {
	// retry: a network error, a 5xx, 408 or 429; otherwise a refusal
	// (any other non-2xx) or a success.
	ok, retry bool
	// retryAfter is the receiver's Retry-After, if it gave one.
	retryAfter time.Duration
	// class is why the attempt failed, as the event's tenant sees it
	// (events_delivery_class.go): never the receiver's words.
	class string
	// detail is the failure's own text, for the operator's debug log
	// only: the client's error without the URL, or the receiver's status
	// and the start of its answer.
	detail string
}

// failedAttempt is an attempt that failed without an answer.
func failedAttempt(class string, retry bool, err error) attemptOutcome {
	return attemptOutcome{retry: retry, class: class, detail: err.Error()}
}

// post makes one delivery attempt of ev.
func (d *eventDeliverer) post(ctx context.Context, ev *store.Event) attemptOutcome {
	body, err := envelope(ev)
	if err != nil {
		return failedAttempt(deliveryInternal, false, err)
	}
	h, err := d.signer.Sign(ev.ID, time.Now(), body)
	if err != nil {
		return failedAttempt(deliveryInternal, false, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err != nil {
		return failedAttempt(deliveryInternal, false, withoutURL(err))
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ucsp-integration-service")
	resp, err := d.client.Do(req)
	if err != nil {
		return failedAttempt(networkClass(err), true, withoutURL(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, eventErrorBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return attemptOutcome{ok: true}
	}
	out := attemptOutcome{class: statusClass(resp.StatusCode), detail: fmt.Sprintf("receiver answered %d: %q", resp.StatusCode, bytes.TrimSpace(snippet))}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		out.retry = true
		out.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return out
}

// withoutURL drops the URL from a client error: EVENTS_WEBHOOK_URL may
// carry a token in its query.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// parseRetryAfter reads a Retry-After of seconds or an HTTP date; zero
// when absent or unreadable. It is capped at an hour.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(max(n, 0)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), time.Hour)
}

// runDeliverEvent delivers one event and records the attempt on it:
// delivered on a 2xx; retried (with the queue's backoff, or at the
// receiver's Retry-After) on a network error, 5xx, 408 or 429; dead at
// once on any other answer, and after the last attempt.
func (a *App) runDeliverEvent(ctx context.Context, job *queue.Job) error {
	var p deliverJob
	if err := job.Decode(&p); err != nil {
		return fmt.Errorf("%w: deliver-event payload: %w", queue.ErrSkipRetry, err)
	}
	ev, err := a.store.GetEvent(ctx, p.TenantID, p.EventID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil // its integration was deleted
	case err != nil:
		return err
	case ev.Status != store.EventPending:
		return nil // delivered or dead meanwhile (a duplicate job)
	case a.deliverer == nil:
		return nil // no EVENTS_WEBHOOK_URL: stays pending
	}
	out := a.deliverer.post(ctx, ev)
	if out.ok {
		return a.store.MarkEventDelivered(ctx, ev.ID, time.Now())
	}
	var next time.Time
	if out.retry && job.Attempt < job.MaxAttempts {
		wait := a.eventBackoff(job.Attempt)
		if out.retryAfter > 0 {
			wait = out.retryAfter
		}
		next = time.Now().Add(wait)
	}
	a.logger.DebugContext(ctx, "event delivery failed", slog.String("event_id", ev.ID), slog.Int("attempt", job.Attempt),
		slog.String("class", out.class), slog.String("detail", out.detail))
	if err := a.store.MarkEventFailed(ctx, ev.ID, next, out.class); err != nil {
		return err
	}
	failure := errors.New("delivery: " + out.class)
	if next.IsZero() {
		return fmt.Errorf("%w: %w", queue.ErrSkipRetry, failure)
	}
	return queue.RetryAt(next, failure)
}

// enqueueEvents enqueues the delivery of events just committed. A
// failure is logged: the sweep enqueues what was missed.
func (a *App) enqueueEvents(ctx context.Context, events ...*store.Event) {
	if a.deliverer == nil {
		return
	}
	enqueue := func(ev *store.Event) {
		if err := a.enqueueDelivery(ctx, ev, ""); err != nil {
			a.logger.WarnContext(ctx, "enqueueing an event's delivery failed; the sweep will", "event_id", ev.ID, "error", err)
		}
	}
	if len(events) == 1 {
		enqueue(events[0])
		return
	}
	// A batch's events are enqueued concurrently, so that the broker
	// writes them in a few pipelines instead of a round trip each.
	var wg sync.WaitGroup
	sem := make(chan struct{}, enqueueConcurrency)
	for _, ev := range events {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			enqueue(ev)
		})
	}
	wg.Wait()
}

// enqueueConcurrency bounds the concurrent enqueues of one batch's
// events.
const enqueueConcurrency = 64

// enqueueDelivery enqueues one delivery job of ev. Its job id is the
// event's (with suffix for a redelivery), so that enqueueing it again
// while a job for it is pending, scheduled or running is a no-op.
func (a *App) enqueueDelivery(ctx context.Context, ev *store.Event, suffix string) error {
	_, err := queue.EnqueueJSON(ctx, a.broker, jobDeliverEvent, deliverJob{TenantID: ev.TenantID, EventID: ev.ID},
		queue.ID("event-"+ev.ID+suffix), queue.MaxAttempts(eventMaxAttempts), queue.Timeout(2*eventAttemptTimeout))
	return err
}
