package pushwatch

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// The providers whose integrations get a push registration, by the
// names their connectors are registered under (gmail.ProviderName,
// outlook.ProviderName).
const (
	gmailProvider   = "gmail"
	outlookProvider = "outlook"
)

// The job types a Manager handles. Their names are stable: jobs queued
// by one version are run by the next.
const (
	// JobRenew renews every registration due (Renew), periodically: see
	// RenewSchedule.
	JobRenew = "renew-watches"
	// JobLifecycle acts on a Graph lifecycle notification (Lifecycle);
	// GraphNotifications enqueues it.
	JobLifecycle = "subscription-lifecycle"
)

// DefaultRenewBefore is Options.RenewBefore's zero value: a
// registration is renewed once it expires within 6 days. A Gmail watch
// lasts 7 days and Google recommends renewing it daily, so that a
// renewal that fails for a few days in a row still leaves a working
// watch; a Graph subscription of a mailbox lasts at most about 3 days,
// so every round renews it.
const DefaultRenewBefore = 6 * 24 * time.Hour

// DefaultMaxAttempts is the attempts of a JobLifecycle job when
// Options.MaxAttempts is zero.
const DefaultMaxAttempts = 10

// renewBatch is how many registrations a renewal round reads at a time.
const renewBatch = 100

// Store is what a Manager needs of a store: a subset of store.Store, so
// that store/memory, store/postgres or a deployment's own
// implementation can be passed as it is.
type Store interface {
	GetIntegration(ctx context.Context, tenantID, id string) (*store.Integration, error)
	PutSubscription(ctx context.Context, s *store.Subscription) error
	GetSubscription(ctx context.Context, tenantID, integrationID string) (*store.Subscription, error)
	DeleteSubscription(ctx context.Context, tenantID, integrationID string) error
	FindSubscriptions(ctx context.Context, provider string, ids []string) (map[string]*store.Subscription, error)
	FindSubscriptionsByAddress(ctx context.Context, provider, address string) ([]*store.Subscription, error)
	DueSubscriptions(ctx context.Context, before time.Time, limit int) ([]*store.Subscription, error)
}

var _ Store = store.Store(nil)

// TriggerFunc enqueues a (coalesced) sync of the tenant's integration:
// syncrun.Runner.Trigger.
type TriggerFunc func(ctx context.Context, tenant, integration string) (*queue.EnqueueResult, error)

// Failures is the error policy a Manager applies to a provider's
// refusals: *syncrun.Runner's (see syncrun.Runner.JobError). A
// registration refused for the integration's credentials marks it
// needs_reauth, announced once.
type Failures interface {
	// JobError turns the failure of operation op of a job into what the
	// queue should do with the job, recording on the integration what
	// it must know (an auth failure: needs_reauth).
	JobError(ctx context.Context, in *store.Integration, op string, err error, scope syncrun.Scope) error
	// MarkIntegration records status and its cause on the integration.
	MarkIntegration(ctx context.Context, in *store.Integration, status store.IntegrationStatus, cause error)
}

// Options configure a Manager. The zero value of every field but
// Connect, Trigger and Failures means its documented default; a
// provider whose push settings are empty gets no registrations (its
// mail arrives by the sync runner's sweep).
type Options struct {
	// Connect builds an integration's connector, with its credentials;
	// a connector that is not a connector.Watcher gets no registration.
	// A connector that holds connections is closed (io.Closer) when the
	// Manager is done with it. Required.
	Connect syncrun.ConnectFunc
	// Trigger enqueues a sync: a push, a missed or removed Graph
	// subscription call it. Required.
	Trigger TriggerFunc
	// Failures records the provider's refusals on the integration.
	// Required.
	Failures Failures

	// GmailTopic is the Pub/Sub topic Gmail watches publish to
	// ("projects/P/topics/T"); empty means Gmail integrations get no
	// watch.
	GmailTopic string
	// GraphNotificationURL is where Graph posts the change notifications
	// of the subscriptions (an absolute http or https URL, verified with
	// webhook.GraphVerifier); empty means Outlook integrations get no
	// subscription. GraphLifecycleURL, optional, receives their
	// lifecycle notifications.
	GraphNotificationURL, GraphLifecycleURL string
	// NewClientState returns the secret a new Graph subscription is
	// created with (at most 128 characters); nil means 256 random bits,
	// base64url (as outlook.NewClientState).
	NewClientState func() string
	// Address returns the mailbox address an integration's pushes name
	// (Gmail's emailAddress); nil means the "email" member of its
	// Config.
	Address func(in *store.Integration) string

	// RenewBefore is how long before it expires a registration is
	// renewed; 0 means DefaultRenewBefore.
	RenewBefore time.Duration
	// MaxAttempts is the attempts of a JobLifecycle job; 0 means
	// DefaultMaxAttempts.
	MaxAttempts int
	// Now is the clock of expiries; nil means time.Now.
	Now func() time.Time
	// Logger receives the Manager's logs; nil means slog.Default().
	Logger *slog.Logger
}

// ErrInvalid is returned by New for options it cannot run with; the
// error's text names the field.
var ErrInvalid = errors.New("pushwatch: invalid options")

// Manager keeps the integrations' push registrations at their
// providers: made at sign-in, renewed before they expire, removed
// before an integration is deleted; and it turns the providers'
// verified pushes into syncs. It is safe for concurrent use.
type Manager struct {
	store       Store
	broker      queue.Broker
	opts        Options
	renewBefore time.Duration
	maxAttempts int
	logger      *slog.Logger
}

// New returns a Manager that keeps its registrations in st and enqueues
// its jobs on broker. It checks opts and reports every problem at once,
// each naming its field.
func New(st Store, broker queue.Broker, opts Options) (*Manager, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if st == nil {
		bad("New: nil store")
	}
	if broker == nil {
		bad("New: nil broker")
	}
	if opts.Connect == nil {
		bad("Options.Connect is required")
	}
	if opts.Trigger == nil {
		bad("Options.Trigger is required")
	}
	if opts.Failures == nil {
		bad("Options.Failures is required")
	}
	if opts.GraphNotificationURL != "" && !absoluteURL(opts.GraphNotificationURL) {
		bad("Options.GraphNotificationURL %q is not an absolute http(s) URL", opts.GraphNotificationURL)
	}
	switch {
	case opts.GraphLifecycleURL == "":
	case opts.GraphNotificationURL == "":
		bad("Options.GraphLifecycleURL needs Options.GraphNotificationURL")
	case !absoluteURL(opts.GraphLifecycleURL):
		bad("Options.GraphLifecycleURL %q is not an absolute http(s) URL", opts.GraphLifecycleURL)
	}
	if opts.RenewBefore < 0 {
		bad("Options.RenewBefore %s must not be negative", opts.RenewBefore)
	}
	if opts.MaxAttempts < 0 {
		bad("Options.MaxAttempts %d must not be negative", opts.MaxAttempts)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m := &Manager{store: st, broker: broker, opts: opts, renewBefore: opts.RenewBefore, maxAttempts: opts.MaxAttempts, logger: opts.Logger}
	if m.opts.NewClientState == nil {
		m.opts.NewClientState = newClientState
	}
	if m.opts.Address == nil {
		m.opts.Address = configEmail
	}
	if m.opts.Now == nil {
		m.opts.Now = time.Now
	}
	if m.renewBefore == 0 {
		m.renewBefore = DefaultRenewBefore
	}
	if m.maxAttempts == 0 {
		m.maxAttempts = DefaultMaxAttempts
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	return m, nil
}

// Register adds the Manager's job handlers to mux: JobRenew and
// JobLifecycle.
func (m *Manager) Register(mux *queue.Mux) {
	mux.HandleFunc(JobRenew, m.HandleRenew)
	mux.HandleFunc(JobLifecycle, m.HandleLifecycle)
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// newClientState returns 256 random bits, base64url.
func newClientState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// configEmail returns the "email" member of in's Config.
func configEmail(in *store.Integration) string {
	var s struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(in.Config, &s) // none: pushes name no address of it
	return s.Email
}
