package sendrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// MaxIdempotencyKey bounds an idempotency key, in bytes.
const MaxIdempotencyKey = 255

// Send is a message to send through an integration.
type Send struct {
	TenantID, IntegrationID string
	// IdempotencyKey is the client's key for the send, unique per
	// tenant: required, printable ASCII without spaces, at most
	// MaxIdempotencyKey bytes (see CheckIdempotencyKey).
	IdempotencyKey string
	// Fingerprint identifies the request the key was given with, so that
	// the key reused with another request is a conflict
	// (store.ErrIdempotencyConflict); "" means Fingerprint of the
	// integration and the message less its MessageID. An HTTP API
	// fingerprints the request body as it decoded it.
	Fingerprint string
	// Message is what to send. An empty MessageID gets NewMessageID's.
	Message connector.OutboundMessage
	// Automated marks a send no person wrote (an auto-reply, an
	// acknowledgement, a bot's answer): it goes with Auto-Submitted
	// (RFC 3834 §5: auto-replied when it answers a message,
	// auto-generated otherwise) and only if the Runner's LoopGuard lets
	// it. A message whose Headers carry Auto-Submitted other than "no"
	// is automated too.
	Automated bool
	// Answers is the stored message the send answers (Runner.Answering
	// finds it), which the LoopGuard checks; nil when it answers none.
	Answers *store.Message
}

// payload is the payload of a send job.
type payload struct {
	TenantID string `json:"tenant_id"`
	OutboxID string `json:"outbox_id"`
}

// Enqueue stores s in the outbox and enqueues its send job, once per
// idempotency key: created says whether this call stored it. The same
// key with the same fingerprint returns the entry stored first (and
// enqueues its job again while it is pending: a no-op while the job
// lives, a recovery when the first call died before enqueueing); with
// another fingerprint it is store.ErrIdempotencyConflict. A key that
// CheckIdempotencyKey refuses is a *KeyError, an integration that does
// not exist store.ErrNotFound. An automated send (Send.Automated) goes
// with Auto-Submitted and only if the Runner's LoopGuard lets it: a
// refusal is a *LoopError (ErrLoop) and nothing is stored or enqueued.
// The message is not validated here (connector.OutboundMessage.Validate):
// the send would fail for good.
func (r *Runner) Enqueue(ctx context.Context, s *Send) (e *store.OutboxEntry, created bool, err error) {
	if err := CheckIdempotencyKey(s.IdempotencyKey); err != nil {
		return nil, false, err
	}
	msg := s.Message
	if msg.MessageID == "" {
		msg.MessageID = NewMessageID(msg.From.Email)
	}
	fp := s.Fingerprint
	if fp == "" {
		bare := s.Message
		bare.MessageID = ""
		fp = Fingerprint(s.IntegrationID, &bare)
	}
	if s.Automated || autoSubmitted(msg.Headers) != "" {
		if err := r.guardAutomated(ctx, s, &msg); err != nil {
			return nil, false, err
		}
	}
	e, created, err = r.store.CreateOutbox(ctx, &store.OutboxEntry{
		TenantID: s.TenantID, IntegrationID: s.IntegrationID, IdempotencyKey: s.IdempotencyKey,
		RequestHash: fp, Message: msg,
	})
	if err != nil {
		return nil, false, err
	}
	if created || e.Status == store.OutboxPending {
		if _, err := queue.EnqueueJSON(ctx, r.broker, JobSend, payload{TenantID: e.TenantID, OutboxID: e.ID},
			queue.ID(JobID(e.ID)), queue.MaxAttempts(r.maxAttempts)); err != nil {
			return nil, false, fmt.Errorf("sendrun: enqueueing the send of %s: %w", e.ID, err)
		}
	}
	return e, created, nil
}

// JobID returns the id of the send job of outbox entry outboxID: one job
// per entry at a time.
func JobID(outboxID string) string { return "send:" + outboxID }

// KeyError says what is wrong with an idempotency key.
type KeyError struct {
	// Reason completes "the idempotency key ...": "is required", "must
	// be at most 255 characters", "must be printable ASCII without
	// spaces".
	Reason string
}

// Error says what is wrong.
func (e *KeyError) Error() string { return "sendrun: the idempotency key " + e.Reason }

// CheckIdempotencyKey returns a *KeyError when k cannot be an
// idempotency key, or nil.
func CheckIdempotencyKey(k string) error {
	switch {
	case k == "":
		return &KeyError{Reason: "is required"}
	case len(k) > MaxIdempotencyKey:
		return &KeyError{Reason: "must be at most 255 characters"}
	case strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }):
		return &KeyError{Reason: "must be printable ASCII without spaces"}
	}
	return nil
}

// Fingerprint returns the hex SHA-256 of integrationID and the JSON of
// req: the fingerprint of a send request to an integration, so that a
// key reused with another request or for another integration is a
// conflict. req is hashed as it is (an HTTP API passes the body as it
// decoded it, so that whitespace does not matter); it must marshal
// (plain values do).
func Fingerprint(integrationID string, req any) string {
	b, err := json.Marshal(req)
	if err != nil {
		b = []byte(err.Error()) // a value that cannot marshal: still a stable, distinct hash
	}
	h := sha256.New()
	h.Write([]byte(integrationID))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// NewMessageID returns a new Message-ID (without angle brackets) for
// mail from address from: a random id at from's domain ("localhost"
// when from has none).
func NewMessageID(from string) string {
	domain := "localhost"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return store.NewID() + "@" + domain
}

// ErrNotAMessage is Runner.ReplyTo's error for a message id that is no
// stored message of the integration.
var ErrNotAMessage = errors.New("sendrun: not a message of this integration")

// ReplyTo makes msg a reply to the stored message messageID of the
// integration (Thread), or returns ErrNotAMessage (wrapping the store's
// error, store.ErrNotFound when there is none).
func (r *Runner) ReplyTo(ctx context.Context, tenantID, integrationID, messageID string, msg *connector.OutboundMessage) error {
	_, err := r.Answering(ctx, tenantID, integrationID, messageID, msg)
	return err
}

// Answering is ReplyTo that also returns the message answered, for
// Send.Answers.
func (r *Runner) Answering(ctx context.Context, tenantID, integrationID, messageID string, msg *connector.OutboundMessage) (*store.Message, error) {
	err := store.ErrNotFound
	var orig *store.Message
	if store.ValidID(messageID) {
		orig, err = r.store.GetMessage(ctx, tenantID, integrationID, messageID)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotAMessage, err)
	}
	Thread(msg, orig)
	return orig, nil
}

// Thread makes msg a reply to orig: In-Reply-To and References (when msg
// has no In-Reply-To of its own), the provider's thread and orig's
// provider id (a connector replies through the provider's own reply
// where it has one), and "Re: " + orig's subject when msg has none.
func Thread(msg *connector.OutboundMessage, orig *store.Message) {
	if msg.InReplyTo == "" && orig.MessageID != "" {
		msg.InReplyTo = orig.MessageID
		if len(msg.References) == 0 {
			msg.References = append(append([]string(nil), orig.References...), orig.MessageID)
		}
	}
	if msg.ThreadID == "" {
		msg.ThreadID = orig.ThreadID
	}
	msg.ReplyToProviderID = orig.ProviderID
	if msg.Subject == "" && orig.Subject != "" {
		msg.Subject = orig.Subject
		if !strings.HasPrefix(strings.ToLower(orig.Subject), "re:") {
			msg.Subject = "Re: " + orig.Subject
		}
	}
}
