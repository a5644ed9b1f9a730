package webhook

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a webhook-timestamp may be from the
// verifier's clock, either way, when VerifierOptions.Tolerance is zero.
const DefaultTolerance = 5 * time.Minute

// Canonical forms of the Standard Webhooks headers, to index an
// http.Header without canonicalizing on every request.
const (
	canonicalID        = "Webhook-Id"
	canonicalTimestamp = "Webhook-Timestamp"
	canonicalSignature = "Webhook-Signature"
)

// VerifierOptions configures a Verifier. The zero value accepts
// timestamps within 5 minutes of the clock either way and bodies up to
// 1 MiB, with no replay protection.
type VerifierOptions struct {
	// Tolerance is how far webhook-timestamp may be from Now, in the past
	// or in the future (default DefaultTolerance).
	Tolerance time.Duration
	// MaxBodyBytes limits the body VerifyRequest and Middleware read
	// (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Replay, if set, makes Middleware serve each webhook-id once: a
	// delivery whose id it has seen within ReplayTTL is acknowledged
	// (204) without calling the next handler. Verify and VerifyRequest
	// do not use it.
	Replay ReplayStore
	// ReplayTTL is how long an id is remembered (default 2×Tolerance, the
	// time during which a captured delivery's timestamp stays accepted;
	// shorter is an error).
	ReplayTTL time.Duration
	// ReplayScope is prepended to the webhook-id to make the replay key
	// (default "standard:"). Give each sender its own (for example
	// "custom:<integration id>:"): ids are unique per sender only.
	ReplayScope string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives a line per rejected request, without secrets or
	// bodies (default slog.Default()).
	Logger *slog.Logger
}

// Delivery is what a verified Standard Webhooks request says about itself.
type Delivery struct {
	// ID is the webhook-id: the sender's idempotency key for the event.
	ID string
	// Timestamp is the webhook-timestamp: when this attempt was sent.
	Timestamp time.Time
}

// Verifier verifies Standard Webhooks requests signed with HMAC-SHA256
// ("v1") by one of its secrets. It is safe for concurrent use.
//
// A Verifier holds a fixed set of secrets; to verify requests of many
// senders (one secret per integration), build a Verifier per sender and
// keep it as long as its secrets: NewVerifier is cheap.
type Verifier struct {
	keys      []*macKey
	tolerance time.Duration
	maxBody   int64
	replay    ReplayStore
	replayTTL time.Duration
	scope     string
	now       func() time.Time
	logger    *slog.Logger
}

// NewVerifier returns a Verifier that accepts a signature by any of
// secrets: during a rotation, give it the new secret and the old one. It
// returns an error naming the option that is invalid.
func NewVerifier(secrets []Secret, opts VerifierOptions) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, errors.New("webhook: NewVerifier: no secrets")
	}
	v := &Verifier{
		tolerance: opts.Tolerance,
		maxBody:   opts.MaxBodyBytes,
		replay:    opts.Replay,
		replayTTL: opts.ReplayTTL,
		scope:     opts.ReplayScope,
		now:       opts.Now,
		logger:    opts.Logger,
	}
	for i, s := range secrets {
		if s.IsZero() {
			return nil, fmt.Errorf("webhook: NewVerifier: secret %d is the zero Secret", i)
		}
		v.keys = append(v.keys, newMACKey(s))
	}
	switch {
	case v.tolerance < 0:
		return nil, fmt.Errorf("webhook: VerifierOptions.Tolerance %v is negative", v.tolerance)
	case v.tolerance == 0:
		v.tolerance = DefaultTolerance
	}
	switch {
	case v.maxBody < 0:
		return nil, fmt.Errorf("webhook: VerifierOptions.MaxBodyBytes %d is negative", v.maxBody)
	case v.maxBody == 0:
		v.maxBody = DefaultMaxBodyBytes
	}
	switch {
	case v.replayTTL == 0:
		v.replayTTL = 2 * v.tolerance
	case v.replayTTL < 2*v.tolerance:
		return nil, fmt.Errorf("webhook: VerifierOptions.ReplayTTL %v is shorter than 2×Tolerance (%v): a delivery could be replayed while its timestamp is still accepted",
			v.replayTTL, 2*v.tolerance)
	}
	if v.scope == "" {
		v.scope = "standard:"
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.logger == nil {
		v.logger = slog.Default()
	}
	return v, nil
}

// signed is what the headers of a request say, checked except for the
// signature.
type signed struct {
	id, timestamp, signatures string
	at                        time.Time
}

// Verify checks a request's Standard Webhooks headers and its raw body:
// the three headers present, the timestamp within the tolerance, and one
// of the v1 signatures the HMAC of "id.timestamp.body" under one of the
// secrets, compared in constant time. The error is one of this package's
// *Error values (errors.Is with ErrMissingHeaders, ErrTimestampTooOld,
// ErrInvalidSignature, ...).
func (v *Verifier) Verify(h http.Header, body []byte) (Delivery, error) {
	s, err := v.checkHeaders(h)
	if err != nil {
		return Delivery{}, err
	}
	if err := v.checkSignature(s, body); err != nil {
		return Delivery{}, err
	}
	return Delivery{ID: s.id, Timestamp: s.at}, nil
}

// VerifyRequest verifies r as Verify does, reading its body first (up to
// MaxBodyBytes, or ErrBodyTooLarge). The headers are checked before the
// body is read. It returns the body, which r no longer has.
func (v *Verifier) VerifyRequest(r *http.Request) (Delivery, []byte, error) {
	s, err := v.checkHeaders(r.Header)
	if err != nil {
		return Delivery{}, nil, err
	}
	body, err := ReadBody(r, v.maxBody)
	if err != nil {
		return Delivery{}, nil, err
	}
	if err := v.checkSignature(s, body); err != nil {
		return Delivery{}, nil, err
	}
	return Delivery{ID: s.id, Timestamp: s.at}, body, nil
}

func (v *Verifier) checkHeaders(h http.Header) (signed, error) {
	ids, stamps, sigs := h[canonicalID], h[canonicalTimestamp], h[canonicalSignature]
	if len(ids) == 0 || ids[0] == "" || len(stamps) == 0 || stamps[0] == "" || len(sigs) == 0 || strings.TrimSpace(sigs[0]) == "" {
		return signed{}, fmt.Errorf("%w: %s", ErrMissingHeaders, missingHeaders(ids, stamps, sigs))
	}
	if len(ids) > 1 || len(stamps) > 1 {
		return signed{}, fmt.Errorf("%w: repeated %s or %s", ErrMalformedHeaders, HeaderID, HeaderTimestamp)
	}
	s := signed{id: ids[0], timestamp: stamps[0], signatures: sigs[0]}
	if len(sigs) > 1 {
		s.signatures = strings.Join(sigs, " ")
	}
	if len(s.id) > MaxIDLength {
		return signed{}, fmt.Errorf("%w: %s longer than %d bytes", ErrMalformedHeaders, HeaderID, MaxIDLength)
	}
	sec, ok := parseUnixSeconds(s.timestamp)
	if !ok {
		return signed{}, fmt.Errorf("%w: %s is not a decimal integer", ErrMalformedHeaders, HeaderTimestamp)
	}
	s.at = time.Unix(sec, 0)
	now := v.now()
	if s.at.Before(now.Add(-v.tolerance)) {
		return signed{}, fmt.Errorf("%w: %v before now, tolerance %v", ErrTimestampTooOld, now.Sub(s.at).Truncate(time.Second), v.tolerance)
	}
	if s.at.After(now.Add(v.tolerance)) {
		return signed{}, fmt.Errorf("%w: %v after now, tolerance %v", ErrTimestampTooNew, s.at.Sub(now).Truncate(time.Second), v.tolerance)
	}
	return s, nil
}

func (v *Verifier) checkSignature(s signed, body []byte) error {
	var sigBuf [4 * macSize]byte
	sigs, err := parseSignatures(s.signatures, sigBuf[:0])
	if err != nil {
		return err
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no %s signature", ErrInvalidSignature, signatureVersion)
	}
	var macBuf [macSize]byte
	for _, k := range v.keys {
		mac := k.sum(macBuf[:0], s.id, s.timestamp, body)
		for i := 0; i < len(sigs); i += macSize {
			if hmac.Equal(mac, sigs[i:i+macSize]) {
				return nil
			}
		}
	}
	return ErrInvalidSignature
}

// missingHeaders names the headers that are absent or empty.
func missingHeaders(ids, stamps, sigs []string) string {
	var missing []string
	if len(ids) == 0 || ids[0] == "" {
		missing = append(missing, HeaderID)
	}
	if len(stamps) == 0 || stamps[0] == "" {
		missing = append(missing, HeaderTimestamp)
	}
	if len(sigs) == 0 || strings.TrimSpace(sigs[0]) == "" {
		missing = append(missing, HeaderSignature)
	}
	return strings.Join(missing, ", ")
}

// parseUnixSeconds parses a non-negative decimal integer of at most 12
// digits (enough for the year 33658), without sign or spaces.
func parseUnixSeconds(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 12 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
