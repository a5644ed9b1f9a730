package server

import "github.com/ucsp/integration/connector"

// Quotas bound what one tenant may hold, and how many connections the
// server opens to the mail servers tenants name. Each is an environment
// variable (documented in .env.example); a request beyond one answers a
// problem naming it.
type Quotas struct {
	// IntegrationsPerTenant (TENANT_MAX_INTEGRATIONS, default 100) is the
	// most integrations a tenant may have; one more is a 429 naming
	// "integrations_per_tenant".
	IntegrationsPerTenant int
	// ConfigBytes (INTEGRATION_MAX_CONFIG_BYTES, default 16384) bounds
	// an integration's config as compact JSON, CredentialsBytes
	// (INTEGRATION_MAX_CREDENTIALS_BYTES, default 4096) its username
	// and password together: a larger one is a 422 naming the field.
	ConfigBytes      int
	CredentialsBytes int
	// PendingSends (TENANT_MAX_PENDING_SENDS, default 1000) and
	// PendingSendBytes (TENANT_MAX_PENDING_SEND_BYTES, default 512 MiB)
	// bound a tenant's outbox entries not sent yet, in number and in the
	// bytes of their bodies and attachments; a send beyond either is a
	// 429 naming "pending_sends_per_tenant" or
	// "pending_send_bytes_per_tenant".
	PendingSends     int
	PendingSendBytes int64
	// SMTPMessageBytes (SMTP_MAX_MESSAGE_BYTES, default 25 MiB) is the
	// largest message an imap integration sends over SMTP, the
	// providers' own limits being fixed (Gmail 36,700,160 bytes, Graph's
	// MIME sendMail 3 MiB); a larger send is a 422 naming
	// "message_bytes".
	SMTPMessageBytes int64
	// MailConnsPerHost (MAIL_MAX_CONNECTIONS_PER_HOST, default 100) and
	// MailConnsPerMailbox (MAIL_MAX_CONNECTIONS_PER_MAILBOX, default 4)
	// cap the IMAP and SMTP connections open at once, by every process
	// of the deployment together (a Redis semaphore in production), to
	// one remote address and to one mailbox. Each IMAP IDLE watcher
	// holds one; a process killed without closing its connections holds
	// their slots until their leases lapse (semaphoreLeaseTTL).
	MailConnsPerHost    int
	MailConnsPerMailbox int
}

// loadQuotas reads Quotas.
func (c *Config) loadQuotas(e *envReader) {
	c.Quotas = Quotas{
		IntegrationsPerTenant: e.int("TENANT_MAX_INTEGRATIONS", 100, 1, 1_000_000),
		ConfigBytes:           e.int("INTEGRATION_MAX_CONFIG_BYTES", 16<<10, 256, 1<<20),
		CredentialsBytes:      e.int("INTEGRATION_MAX_CREDENTIALS_BYTES", 4<<10, 64, 1<<20),
		PendingSends:          e.int("TENANT_MAX_PENDING_SENDS", 1000, 1, 10_000_000),
		PendingSendBytes:      int64(e.int("TENANT_MAX_PENDING_SEND_BYTES", 512<<20, 1<<10, 1<<40)),
		SMTPMessageBytes:      int64(e.int("SMTP_MAX_MESSAGE_BYTES", 25<<20, 1<<10, connector.MaxOutboundSize)),
		MailConnsPerHost:      e.int("MAIL_MAX_CONNECTIONS_PER_HOST", 100, 1, 100_000),
		MailConnsPerMailbox:   e.int("MAIL_MAX_CONNECTIONS_PER_MAILBOX", 4, 1, 1000),
	}
}
