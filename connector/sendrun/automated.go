package sendrun

import (
	"context"
	"strings"

	"github.com/ucsp/integration/connector"
)

// guardAutomated marks msg, an automated send's message, with
// Auto-Submitted and asks the Runner's LoopGuard whether it may go.
func (r *Runner) guardAutomated(ctx context.Context, s *Send, msg *connector.OutboundMessage) error {
	answers := s.Answers != nil || msg.InReplyTo != ""
	if autoSubmitted(msg.Headers) == "" {
		h := make(connector.Header, len(msg.Headers)+1)
		for k, v := range msg.Headers {
			if !strings.EqualFold(k, "Auto-Submitted") { // "no": this send is automated
				h[k] = v
			}
		}
		h["Auto-Submitted"] = []string{"auto-generated"}
		if answers {
			h["Auto-Submitted"] = []string{"auto-replied"}
		}
		msg.Headers = h
	}
	g := GuardedSend{Scope: s.TenantID + "\x00" + s.IntegrationID, Key: s.IdempotencyKey, InReplyTo: msg.InReplyTo}
	if s.Answers != nil {
		g.Answers = &s.Answers.Message
	}
	for _, list := range [][]connector.Address{msg.To, msg.Cc, msg.Bcc} {
		for _, a := range list {
			g.Recipients = append(g.Recipients, a.Email)
		}
	}
	return r.guard.Check(ctx, g)
}

// autoSubmitted returns the value of h's Auto-Submitted field (any
// case of its name) when it says the message is automated: not empty,
// not "no".
func autoSubmitted(h connector.Header) string {
	for k, vals := range h {
		if !strings.EqualFold(k, "Auto-Submitted") {
			continue
		}
		for _, v := range vals {
			kw := strings.ToLower(strings.TrimSpace(v))
			if i := strings.IndexAny(kw, "; \t("); i >= 0 {
				kw = kw[:i]
			}
			if kw != "" && kw != "no" {
				return v
			}
		}
	}
	return ""
}
