package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/store"
)

// probQuota: a per-tenant quota is spent (429); the problem's limit and
// max name it.
const probQuota = problemBase + "quota-exceeded"

// The limits problems name (their "limit" member).
const (
	limitIntegrations = "integrations_per_tenant"       // TENANT_MAX_INTEGRATIONS
	limitPendingSends = "pending_sends_per_tenant"      // TENANT_MAX_PENDING_SENDS
	limitPendingBytes = "pending_send_bytes_per_tenant" // TENANT_MAX_PENDING_SEND_BYTES
	limitMessageBytes = "message_bytes"                 // the provider's, or SMTP_MAX_MESSAGE_BYTES
)

// limitProblem is a problem naming the limit a request went beyond.
// Limit and Max are extension members.
type limitProblem struct {
	problem
	Limit string `json:"limit"`
	Max   int64  `json:"max"`
}

// writeLimitProblem answers with a problem naming limit and its max.
func writeLimitProblem(w http.ResponseWriter, r *http.Request, status int, typ, detail, limit string, limitMax int64, errs ...fieldError) {
	writeProblemBody(w, status, limitProblem{problem: newProblem(r, status, typ, detail, errs), Limit: limit, Max: limitMax})
}

// quotaExceeded is a per-tenant quota a request would go beyond.
type quotaExceeded struct {
	limit  string
	max    int64
	detail string
}

func (e *quotaExceeded) Error() string { return e.detail }

// write answers with e's 429 problem.
func (e *quotaExceeded) write(w http.ResponseWriter, r *http.Request) {
	writeLimitProblem(w, r, http.StatusTooManyRequests, probQuota, e.detail, e.limit, e.max)
}

// integrationQuota returns a *quotaExceeded when the tenant has as many
// integrations as TENANT_MAX_INTEGRATIONS allows. Concurrent creates of
// one tenant may pass it together: the quota may be exceeded by as many
// as the tenant creates at once.
func (a *App) integrationQuota(ctx context.Context, tenant string) error {
	n, err := a.store.CountTenantIntegrations(ctx, tenant)
	if err != nil {
		return err
	}
	if most := int64(a.cfg.Quotas.IntegrationsPerTenant); n >= most {
		return &quotaExceeded{limit: limitIntegrations, max: most,
			detail: fmt.Sprintf("the tenant has %d integrations, as many as this server allows; delete one first", n)}
	}
	return nil
}

// allowIntegration answers 429 and returns false when the tenant has no
// room for one more integration (integrationQuota).
func (a *App) allowIntegration(w http.ResponseWriter, r *http.Request) bool {
	var q *quotaExceeded
	switch err := a.integrationQuota(r.Context(), TenantID(r.Context())); {
	case errors.As(err, &q):
		q.write(w, r)
		return false
	case err != nil:
		a.storeError(w, r, err, "integration")
		return false
	}
	return true
}

// allowSend refuses a message its provider can never accept (422,
// message_bytes) and one the tenant's pending sends have no room for
// (429, pending_sends_per_tenant or pending_send_bytes_per_tenant), and
// then returns false. As for allowIntegration, concurrent sends of one
// tenant may pass it together.
func (a *App) allowSend(w http.ResponseWriter, r *http.Request, in *store.Integration, msg *connector.OutboundMessage) bool {
	if most, n := a.maxMessageBytes(in.Provider), mime.MinSize(msg); n > most {
		writeLimitProblem(w, r, http.StatusUnprocessableEntity, probValidation,
			fmt.Sprintf("the message is too large for its provider (%s): at least %d bytes once encoded, at most %d accepted", in.Provider, n, most),
			limitMessageBytes, most, fieldError{Field: largestPart(msg), Message: fmt.Sprintf("make the message at least %d bytes smaller", n-most)})
		return false
	}
	u, err := a.store.PendingOutbox(r.Context(), in.TenantID)
	if err != nil {
		a.storeError(w, r, err, "integration")
		return false
	}
	q := a.cfg.Quotas
	switch {
	case u.Entries >= int64(q.PendingSends):
		writeLimitProblem(w, r, http.StatusTooManyRequests, probQuota,
			fmt.Sprintf("the tenant has %d messages waiting to be sent, as many as this server allows; retry when some are sent", u.Entries),
			limitPendingSends, int64(q.PendingSends))
		return false
	case u.Bytes+store.MessageSize(msg) > q.PendingSendBytes:
		writeLimitProblem(w, r, http.StatusTooManyRequests, probQuota,
			fmt.Sprintf("the tenant's messages waiting to be sent hold %d bytes; this one would pass the %d this server allows; retry when some are sent", u.Bytes, q.PendingSendBytes),
			limitPendingBytes, q.PendingSendBytes)
		return false
	}
	return true
}

// largestPart names the request field that makes most of msg's size.
func largestPart(msg *connector.OutboundMessage) string {
	var att int
	for _, at := range msg.Attachments {
		att += len(at.Content)
	}
	switch {
	case att >= len(msg.Text) && att >= len(msg.HTML):
		return "attachments"
	case len(msg.HTML) > len(msg.Text):
		return "html"
	}
	return "text"
}

// maxMessageBytes is the largest message a provider accepts, rendered:
// Gmail's messages.send, Graph's MIME sendMail (a 4 MB request body,
// base64), SMTP_MAX_MESSAGE_BYTES for an SMTP server.
func (a *App) maxMessageBytes(provider string) int64 {
	switch provider {
	case providerGmail:
		return gmail.MaxSendSize
	case providerOutlook:
		return outlook.MaxMIMESend
	}
	return a.cfg.Quotas.SMTPMessageBytes
}

// checkSizes refuses a config (compact JSON) or credentials larger than
// INTEGRATION_MAX_CONFIG_BYTES or INTEGRATION_MAX_CREDENTIALS_BYTES.
func (a *App) checkSizes(config json.RawMessage, creds *credentialsInput, errs []fieldError) []fieldError {
	q := a.cfg.Quotas
	if len(config) > q.ConfigBytes {
		errs = append(errs, fieldError{Field: "config", Message: fmt.Sprintf("is %d bytes as compact JSON; at most %d are allowed", len(config), q.ConfigBytes)})
	}
	if creds != nil {
		if n := len(creds.Username) + len(creds.Password); n > q.CredentialsBytes {
			errs = append(errs, fieldError{Field: "credentials", Message: fmt.Sprintf("are %d bytes; at most %d are allowed", n, q.CredentialsBytes)})
		}
	}
	return errs
}
