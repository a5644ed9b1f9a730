package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"golang.org/x/oauth2"
	"log/slog"
	"slices"
	"sync"
)

// ErrUnknownProvider is returned by Registry.New for a provider name that
// was never registered.
var ErrUnknownProvider = errors.New("connector: unknown provider")

// Config is what a Factory builds a connector from.
type Config struct {
	// Provider is the registered provider name.
	Provider string
	// IntegrationID identifies the mailbox in the caller's records, for
	// logs and locks.
	IntegrationID string
	// Settings are the provider's own settings as JSON (hosts, folders,
	// addresses), decoded and validated by the factory.
	Settings json.RawMessage
	// Credentials are what the connector authenticates with.
	Credentials Credentials
	// SaveCredentials, when set, is called with new credentials the
	// connector obtained (a refreshed OAuth token, a rotated refresh token)
	// so that the caller can persist them. A connector calls it before it
	// uses the new credentials.
	SaveCredentials func(ctx context.Context, c Credentials) error
	// TokenSource, when set, is where the connector takes OAuth 2.0
	// access tokens from instead of Credentials.OAuth2: one refreshing
	// source shared by the parts of an integration (IMAP in and SMTP out)
	// so that a rotated refresh token is used, and saved, once. See
	// OAuth2TokenSource.
	TokenSource oauth2.TokenSource
	// Logger receives the connector's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Factory builds a connector from cfg. It validates cfg and returns a
// *ValidationError for bad settings; it does no network I/O (Connector.Test
// does), so it is cheap enough to call to validate settings alone.
type Factory func(ctx context.Context, cfg Config) (Connector, error)

// Registry maps provider names to factories. The zero Registry is empty and
// ready to use; it is safe for concurrent use. There is no package-level
// registry: a program builds its own and registers what it links in, so a
// program that registers only "imap" never links the Gmail or Graph SDKs.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// Register adds a factory for provider name. Registering an empty name, a
// nil factory or a name twice is an error.
func (r *Registry) Register(name string, f Factory) error {
	if name == "" {
		return errors.New("connector: Register: empty provider name")
	}
	if f == nil {
		return fmt.Errorf("connector: Register %q: nil factory", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[name]; dup {
		return fmt.Errorf("connector: Register %q: provider already registered", name)
	}
	if r.factories == nil {
		r.factories = make(map[string]Factory)
	}
	r.factories[name] = f
	return nil
}

// New builds a connector for cfg.Provider. It returns an error wrapping
// ErrUnknownProvider when no factory is registered under that name.
func (r *Registry) New(ctx context.Context, cfg Config) (Connector, error) {
	r.mu.RLock()
	f := r.factories[cfg.Provider]
	r.mu.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownProvider, cfg.Provider)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return f(ctx, cfg)
}

// Has reports whether a factory is registered for name.
func (r *Registry) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.factories[name]
	return ok
}

// Providers returns the registered provider names, sorted.
func (r *Registry) Providers() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
