package server

import (
	"context"
	"encoding/json"
	"net"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/netguard"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/imap"
	"github.com/ucsp/integration/outlook"
	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/smtp"
)

// The providers of the API. "custom" sources push messages through
// webhooks and have no connector; the others need one registered.
const (
	providerIMAP    = "imap"
	providerGmail   = "gmail"
	providerOutlook = "outlook"
	providerCustom  = "custom"
)

var providers = []string{providerIMAP, providerGmail, providerOutlook, providerCustom}

func knownProvider(p string) bool {
	for _, q := range providers {
		if p == q {
			return true
		}
	}
	return false
}

// registryDeps are what the server's connectors share: the limiter
// that keeps Gmail's and Graph's per-mailbox quotas (nil: none), the
// semaphore of Graph's 4 concurrent requests per mailbox and of the
// IMAP and SMTP connections per host and per mailbox, across processes
// (nil: each connector's own limit, no connection caps), and the clock
// of Graph subscription expiries (nil: time.Now).
type registryDeps struct {
	limiter ratelimit.Limiter
	sem     ratelimit.Semaphore
	now     func() time.Time
}

// newRegistry returns the connectors this server links in, sharing
// deps: "imap" (IMAP in, SMTP out), whose connections refuse internal
// addresses unless cfg.AllowPrivateHosts, "gmail" (the Gmail API at
// cfg.Gmail.APIURL, tokens refreshed with the GOOGLE_CLIENT_ID client)
// and "outlook" (Microsoft Graph at cfg.Graph.APIURL, tokens refreshed
// with the MICROSOFT_CLIENT_ID client).
func newRegistry(cfg *Config, deps registryDeps) (*connector.Registry, error) {
	limiter := deps.limiter
	dialer, err := newMailDialer(cfg, deps.sem)
	if err != nil {
		return nil, err
	}
	var r connector.Registry
	err = r.Register(providerIMAP, imap.Factory(imap.FactoryOptions{
		Base: imap.Config{DialContext: dialer.DialContext, BatchSize: 1000, MaxMessageBytes: cfg.IMAPMaxMessageBytes},
		DialMailbox: func(m string) func(context.Context, string, string) (net.Conn, error) {
			return dialer.Mailbox("imap:" + m)
		},
		Sender: smtp.SenderFactory(smtp.FactoryOptions{
			Base: smtp.Config{DialContext: dialer.DialContext},
			DialMailbox: func(m string) func(context.Context, string, string) (net.Conn, error) {
				return dialer.Mailbox("smtp:" + m)
			},
		}),
	}))
	if err != nil {
		return nil, err
	}
	base := gmail.Config{Endpoint: cfg.Gmail.APIURL}
	if limiter != nil {
		q := ratelimit.GmailUserQuota()
		q.Limit = cfg.Gmail.UserQuota
		base.Quota = gmail.QuotaFunc(func(ctx context.Context, user, method string) error {
			return q.Wait(ctx, limiter, "gmail:"+user, method)
		})
	}
	var conf *oauth2.Config
	if cfg.Google.ID != "" {
		conf = googleOAuthConfig(cfg)
	}
	if err := r.Register(providerGmail, gmail.Factory(gmail.FactoryOptions{Base: base, OAuth2: conf})); err != nil {
		return nil, err
	}
	graph := outlook.Config{Endpoint: cfg.Graph.APIURL, Now: deps.now}
	if limiter != nil {
		graph.Limiter = graphLimiter(limiter, deps.sem)
	}
	var msConf *oauth2.Config
	if cfg.Microsoft.ID != "" {
		msConf = microsoftOAuthConfig(cfg)
	}
	if err := r.Register(providerOutlook, outlook.Factory(outlook.FactoryOptions{Base: graph, OAuth2: msConf})); err != nil {
		return nil, err
	}
	return &r, nil
}

// endpoints returns the servers an integration's config names, for the
// host guard. Providers with fixed endpoints (Gmail, Graph) name none.
func endpoints(provider string, config json.RawMessage) []endpoint {
	if provider != providerIMAP {
		return nil
	}
	var s imap.Settings
	if json.Unmarshal(config, &s) != nil {
		return nil // the factory has reported it
	}
	sec := string(s.IMAP.Security)
	if sec == "" {
		sec = string(imap.SecurityTLS)
	}
	eps := []endpoint{{field: "config.imap", host: s.IMAP.Host, security: sec}}
	if len(s.SMTP) > 0 {
		var o smtp.Settings
		if json.Unmarshal(s.SMTP, &o) == nil {
			sec := string(o.Security)
			if sec == "" {
				sec = string(smtp.SecurityStartTLS)
			}
			eps = append(eps, endpoint{field: "config.smtp", host: o.Host, security: sec})
		}
	}
	return eps
}

// credentialTargetChanges lists the config fields whose change from before
// to after would send an integration's stored credentials somewhere else
// (imap.CredentialTargetChanges, and smtp.CredentialTargetChanges for
// its "smtp" object); username is the stored credentials' Username.
// Gmail's and Graph's settings name no server: their tokens go to the
// endpoints the operator configured, whatever a tenant changes.
func credentialTargetChanges(provider string, before, after json.RawMessage, username string) []string {
	if provider != providerIMAP {
		return nil
	}
	var fields []string
	for _, f := range imap.CredentialTargetChanges(before, after, username) {
		fields = append(fields, "config."+f)
	}
	var o, n imap.Settings
	_ = json.Unmarshal(before, &o) // what does not decode has no smtp object
	_ = json.Unmarshal(after, &n)
	for _, f := range smtp.CredentialTargetChanges(o.SMTP, n.SMTP, username) {
		fields = append(fields, "config.smtp."+f)
	}
	return fields
}

// mailboxAddress returns the address an integration sends from.
func mailboxAddress(provider string, config json.RawMessage) string {
	var s struct {
		Email string `json:"email"`
	}
	if provider == providerCustom || json.Unmarshal(config, &s) != nil {
		return ""
	}
	return s.Email
}

// credentialsInput is the write-only "credentials" object of create and
// update requests.
type credentialsInput struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

func (c *credentialsInput) credentials() connector.Credentials {
	if c == nil {
		return connector.Credentials{}
	}
	return connector.Credentials{Username: c.Username, Password: c.Password}
}

// graphLimiter admits a Graph request for a mailbox under its 10,000
// requests per 10 minutes (limiter) and, with sem, its 4 concurrent
// requests across processes.
func graphLimiter(limiter ratelimit.Limiter, sem ratelimit.Semaphore) outlook.Limiter {
	q := ratelimit.GraphMailboxQuota()
	return outlook.LimiterFunc(func(ctx context.Context, mailbox string) (func(), error) {
		key := "graph:" + mailbox
		if err := q.Wait(ctx, limiter, key, "request"); err != nil {
			return nil, err
		}
		if sem == nil {
			return func() {}, nil
		}
		lease, err := sem.Acquire(ctx, key, ratelimit.GraphMailboxConcurrency)
		if err != nil {
			return nil, err
		}
		return func() { _ = lease.Release(context.WithoutCancel(ctx)) }, nil
	})
}

// newMailDialer returns the dialer of IMAP and SMTP connections: one
// that refuses non-public addresses at connect time unless private
// hosts are allowed (the check at create and update gives the tenant a
// clear error early; this one holds when a host name is re-pointed
// afterwards, DNS rebinding, since it sees the address actually
// dialled), and keeps the connections open at once within
// MAIL_MAX_CONNECTIONS_PER_HOST and MAIL_MAX_CONNECTIONS_PER_MAILBOX,
// counted in sem (shared by every process in production).
func newMailDialer(cfg *Config, sem ratelimit.Semaphore) (*netguard.Dialer, error) {
	opts := netguard.DialerOptions{AllowPrivate: cfg.AllowPrivateHosts}
	if sem != nil {
		opts.Semaphore = netguard.SemaphoreOf(sem)
		opts.KeyPrefix = "mail-"
		opts.MaxPerHost = cfg.Quotas.MailConnsPerHost
		opts.MaxPerMailbox = cfg.Quotas.MailConnsPerMailbox
		opts.ExtendEvery = semaphoreLeaseTTL / 4
	}
	return netguard.NewDialer(opts)
}

// semaphoreLeaseTTL is the lease time of the server's semaphore: a
// crashed process's slots free themselves within it.
const semaphoreLeaseTTL = time.Minute
