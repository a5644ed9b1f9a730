package settings

import (
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
)

// Default sets *v to def when it is zero; a negative *v is a problem of
// field in e ("must not be negative, got -1").
func Default[T int | time.Duration](e *connector.ValidationError, field string, v *T, def T) {
	switch {
	case *v < 0:
		e.Addf(field, "must not be negative, got %v", *v)
	case *v == 0:
		*v = def
	}
}

// Address trims *v and checks that it is a mailbox address, bare (no
// display name, no angle brackets); an empty or other one is a problem
// of field in e.
func Address(e *connector.ValidationError, field string, v *string) {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		e.Addf(field, "is required")
	} else if a, err := connector.ParseAddress(*v); err != nil || a.Email != *v || a.Name != "" {
		e.Addf(field, "must be a bare email address, got %q", *v)
	}
}

// URL sets *v to def when it is empty, and reports whether *v is an
// http or https URL with a host; another one is a problem of field in
// e.
func URL(e *connector.ValidationError, field string, v *string, def string) bool {
	if *v == "" {
		*v = def
		return true
	}
	if u, err := url.Parse(*v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		e.Addf(field, "must be an http(s) URL, got %q", *v)
		return false
	}
	return true
}

// Logger is the logger a connector built for cc logs to: cc.Logger
// with the integration's id, when both are set; nil (the provider's
// default) without a Logger.
func Logger(cc connector.Config) *slog.Logger {
	if cc.Logger != nil && cc.IntegrationID != "" {
		return cc.Logger.With("integration_id", cc.IntegrationID)
	}
	return cc.Logger
}
