package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/quota"
)

// probQuota: a per-tenant quota is spent (429); the problem's limit and
// max name it.
const probQuota = problemBase + "quota-exceeded"

// limitMessageBytes names the largest message a provider accepts (the
// provider's, or SMTP_MAX_MESSAGE_BYTES) in a problem's "limit"; the
// tenant quotas are named by package quota (quota.LimitIntegrations...).
const limitMessageBytes = "message_bytes"

// tenantQuotas answers the requests that would go beyond what the server
// lets a tenant hold (Quotas): the tenant quotas, checked by package
// quota (429), and the sizes of configs, credentials and messages (422).
type tenantQuotas struct {
	checker *quota.Checker
	limits  Quotas
	logger  *slog.Logger
}

// newTenantQuotas returns the quotas of limits over st.
func newTenantQuotas(st store.Store, limits Quotas, logger *slog.Logger) (*tenantQuotas, error) {
	c, err := quota.New(st, quota.Limits{
		Integrations:     int64(limits.IntegrationsPerTenant),
		PendingSends:     int64(limits.PendingSends),
		PendingSendBytes: limits.PendingSendBytes,
	})
	if err != nil {
		return nil, err
	}
	return &tenantQuotas{checker: c, limits: limits, logger: logger}, nil
}

// quotaExceeded is a tenant quota a request would go beyond, as the API
// words it.
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

// quotaProblem words a quota the tenant has no room in.
func quotaProblem(e *quota.ExceededError) *quotaExceeded {
	detail := fmt.Sprintf("the tenant has %d integrations, as many as this server allows; delete one first", e.Used)
	switch e.Limit {
	case quota.LimitPendingSends:
		detail = fmt.Sprintf("the tenant has %d messages waiting to be sent, as many as this server allows; retry when some are sent", e.Used)
	case quota.LimitPendingSendBytes:
		detail = fmt.Sprintf("the tenant's messages waiting to be sent hold %d bytes; this one would pass the %d this server allows; retry when some are sent", e.Used, e.Max)
	}
	return &quotaExceeded{limit: e.Limit, max: e.Max, detail: detail}
}

// integration returns a *quotaExceeded when the tenant has as many
// integrations as TENANT_MAX_INTEGRATIONS allows. Concurrent creates of
// one tenant may pass it together: the quota may be exceeded by as many
// as the tenant creates at once.
func (q *tenantQuotas) integration(ctx context.Context, tenant string) error {
	err := q.checker.Integration(ctx, tenant)
	if e, ok := errors.AsType[*quota.ExceededError](err); ok {
		return quotaProblem(e)
	}
	return err
}

// allowIntegration answers 429 and returns false when the tenant has no
// room for one more integration (integration).
func (q *tenantQuotas) allowIntegration(w http.ResponseWriter, r *http.Request) bool {
	var e *quotaExceeded
	switch err := q.integration(r.Context(), TenantID(r.Context())); {
	case errors.As(err, &e):
		e.write(w, r)
		return false
	case err != nil:
		storeError(w, r, q.logger, err, "integration")
		return false
	}
	return true
}

// allowSend refuses a message its provider can never accept (422,
// message_bytes) and one the tenant's pending sends have no room for
// (429, pending_sends_per_tenant or pending_send_bytes_per_tenant), and
// then returns false. As for allowIntegration, concurrent sends of one
// tenant may pass it together.
func (q *tenantQuotas) allowSend(w http.ResponseWriter, r *http.Request, in *store.Integration, msg *connector.OutboundMessage) bool {
	if most, n := q.maxMessageBytes(in.Provider), mime.MinSize(msg); n > most {
		writeLimitProblem(w, r, http.StatusUnprocessableEntity, probValidation,
			fmt.Sprintf("the message is too large for its provider (%s): at least %d bytes once encoded, at most %d accepted", in.Provider, n, most),
			limitMessageBytes, most, fieldError{Field: largestPart(msg), Message: fmt.Sprintf("make the message at least %d bytes smaller", n-most)})
		return false
	}
	err := q.checker.Send(r.Context(), in.TenantID, msg)
	if e, ok := errors.AsType[*quota.ExceededError](err); ok {
		quotaProblem(e).write(w, r)
		return false
	}
	if err != nil {
		storeError(w, r, q.logger, err, "integration")
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
func (q *tenantQuotas) maxMessageBytes(provider string) int64 {
	switch provider {
	case providerGmail:
		return gmail.MaxSendSize
	case providerOutlook:
		return outlook.MaxMIMESend
	}
	return q.limits.SMTPMessageBytes
}

// checkSizes refuses a config (compact JSON) or credentials larger than
// INTEGRATION_MAX_CONFIG_BYTES or INTEGRATION_MAX_CREDENTIALS_BYTES.
func (q *tenantQuotas) checkSizes(config json.RawMessage, creds *credentialsInput, errs []fieldError) []fieldError {
	if len(config) > q.limits.ConfigBytes {
		errs = append(errs, fieldError{Field: "config", Message: fmt.Sprintf("is %d bytes as compact JSON; at most %d are allowed", len(config), q.limits.ConfigBytes)})
	}
	if creds != nil {
		if n := len(creds.Username) + len(creds.Password); n > q.limits.CredentialsBytes {
			errs = append(errs, fieldError{Field: "credentials", Message: fmt.Sprintf("are %d bytes; at most %d are allowed", n, q.limits.CredentialsBytes)})
		}
	}
	return errs
}
