package sendrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/automated"
	"github.com/ucsp/integration/ratelimit"
)

// DefaultLoopWindow is LoopGuardOptions.Window when zero: at most one
// automated message to a recipient per mailbox a day. RFC 3834 §2 asks
// responders not to answer one sender more than once in "a period of
// several days"; a help desk's acknowledgements are wanted more often
// than a vacation notice, so a day.
const DefaultLoopWindow = 24 * time.Hour

// LoopGuardOptions configure a LoopGuard. The zero value means the
// documented defaults.
type LoopGuardOptions struct {
	// Limiter remembers the automated sends of the window. A
	// ratelimit.RedisLimiter shares them between every process that
	// sends; nil means a ratelimit.MemoryLimiter of this process only.
	Limiter ratelimit.Limiter
	// Window is how long after an automated message to a recipient
	// another one to the same recipient, from the same mailbox, is
	// refused. Zero means DefaultLoopWindow; it must not be negative.
	Window time.Duration
}

// LoopGuard decides whether an automated send (an auto-reply, an
// acknowledgement, a bot's answer) may go, so that a platform that
// answers mail does not loop with another machine (RFC 3834 §2). It
// refuses a send that answers a message a machine wrote
// (connector.Message.Automated, see connector/automated), or whose
// sender asked not to be answered automatically
// (automated.AutoReplySuppressed), or that goes to a recipient an automated send
// of the same mailbox went to within the window. It is safe for
// concurrent use; with a Redis limiter, across processes.
type LoopGuard struct {
	limiter ratelimit.Limiter
	limit   ratelimit.Limit
}

// NewLoopGuard returns a LoopGuard, or an error naming the option it
// cannot run with.
func NewLoopGuard(opts LoopGuardOptions) (*LoopGuard, error) {
	switch {
	case opts.Window < 0:
		return nil, fmt.Errorf("sendrun: LoopGuardOptions.Window must not be negative, got %v", opts.Window)
	case opts.Window == 0:
		opts.Window = DefaultLoopWindow
	}
	g := &LoopGuard{limiter: opts.Limiter, limit: ratelimit.Limit{Name: "loop", Rate: 1, Period: opts.Window}}
	if err := g.limit.Validate(); err != nil {
		return nil, fmt.Errorf("sendrun: LoopGuardOptions.Window: %w", err)
	}
	if g.limiter == nil {
		lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
		if err != nil {
			return nil, fmt.Errorf("sendrun: loop guard limiter: %w", err)
		}
		g.limiter = lim
	}
	return g, nil
}

// Window is the guard's window.
func (g *LoopGuard) Window() time.Duration { return g.limit.Period }

// GuardedSend is what the guard knows of an automated send.
type GuardedSend struct {
	// Scope names the sending mailbox, e.g. tenant and integration
	// ids: the window counts per scope and recipient.
	Scope string
	// Key is the send's idempotency key, if any: a send repeated with
	// the key of one the guard let through is let through again (its
	// outbox returns the first), not refused as a second send.
	Key string
	// Recipients are the addresses it goes to (To, Cc, Bcc).
	Recipients []string
	// Answers is the stored message the send answers; nil when it
	// answers none.
	Answers *connector.Message
	// InReplyTo is the Message-ID the send answers, if any. A send that
	// answers a message without naming it in Answers is refused: the
	// guard cannot check what it does not see.
	InReplyTo string
}

// ErrLoop is what a refusal of the loop guard is (errors.Is).
var ErrLoop = errors.New("sendrun: refused by the loop guard")

// LoopError says why the guard refused a send.
type LoopError struct {
	// Field is the field of the send at fault, as a send API names it:
	// "reply_to_message_id", "in_reply_to", "to".
	Field string
	// Reason completes "the automated send is refused: ...".
	Reason string
}

// Error says why.
func (e *LoopError) Error() string { return "sendrun: loop guard: " + e.Reason }

// Is makes a LoopError ErrLoop.
func (e *LoopError) Is(target error) bool { return target == ErrLoop }

// Check lets s go (nil) or says why not (a *LoopError). It records s in
// the window when it lets it go. Another error means the guard could
// not decide (its limiter failed) and the send should not go now.
func (g *LoopGuard) Check(ctx context.Context, s GuardedSend) error {
	if m := s.Answers; m != nil {
		a := m.Automated
		if a.IsZero() { // stored before classification existed: from what it kept
			a = automated.ClassifyMessage(m)
		}
		if a.IsAutomated() {
			return &LoopError{Field: "reply_to_message_id", Reason: fmt.Sprintf("it answers a message written by a machine (%s: %s)", a.Kind, firstReason(a))}
		}
		if reason, ok := automated.AutoReplySuppressed(m.Headers); ok {
			return &LoopError{Field: "reply_to_message_id", Reason: "the message it answers asked not to be answered automatically (" + reason + ")"}
		}
	} else if s.InReplyTo != "" {
		return &LoopError{Field: "in_reply_to", Reason: "an automated reply must name the message it answers by its stored id (reply_to_message_id), so that the loop guard can check it"}
	}
	return g.window(ctx, s)
}

// window refuses s when an automated send of its scope went to one of its
// recipients within the window, and records it otherwise.
func (g *LoopGuard) window(ctx context.Context, s GuardedSend) error {
	rcpts := make([]string, 0, len(s.Recipients))
	for _, r := range s.Recipients {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" && !contains(rcpts, r) {
			rcpts = append(rcpts, r)
		}
	}
	keyMark := guardKey("key", s.Scope, s.Key)
	for _, r := range rcpts {
		res, err := g.limiter.AllowN(ctx, g.rcptKey(s.Scope, r), 0, g.limit)
		if err != nil {
			return fmt.Errorf("sendrun: loop guard: %w", err)
		}
		if res.Remaining > 0 {
			continue
		}
		if s.Key != "" {
			mark, err := g.limiter.AllowN(ctx, keyMark, 0, g.limit)
			if err != nil {
				return fmt.Errorf("sendrun: loop guard: %w", err)
			}
			if mark.Remaining == 0 {
				return nil // this very send, repeated: it was let through
			}
		}
		return g.tooSoon(r)
	}
	for _, r := range rcpts {
		res, err := g.limiter.Allow(ctx, g.rcptKey(s.Scope, r), g.limit)
		if err != nil {
			return fmt.Errorf("sendrun: loop guard: %w", err)
		}
		if !res.Allowed { // another send to r got there first
			return g.tooSoon(r)
		}
	}
	if s.Key != "" {
		if _, err := g.limiter.Allow(ctx, keyMark, g.limit); err != nil {
			return fmt.Errorf("sendrun: loop guard: %w", err)
		}
	}
	return nil
}

func (g *LoopGuard) rcptKey(scope, rcpt string) string { return guardKey("rcpt", scope, rcpt) }

// guardKey is the limiter key of a recipient or an idempotency key of a
// scope: hashed, so that what an address may hold ('{', '}', spaces)
// cannot reach a Redis key, and its length is bounded.
func guardKey(kind, scope, v string) string {
	h := sha256.Sum256([]byte(scope + "\x00" + v))
	return "loopguard:" + kind + ":" + hex.EncodeToString(h[:16])
}

func (g *LoopGuard) tooSoon(rcpt string) error {
	return &LoopError{Field: "to", Reason: fmt.Sprintf("an automated message went to %s less than %v ago (at most one per recipient per window, RFC 3834 §2)", rcpt, g.limit.Period)}
}

func firstReason(a connector.Automated) string {
	if len(a.Reasons) == 0 {
		return "no reason recorded"
	}
	return a.Reasons[0]
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
