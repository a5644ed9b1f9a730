package store

import (
	"time"

	"github.com/ucsp/integration/connector"
)

// BackfillMode says which of a mailbox's history an integration stores:
// what the mailbox held when the integration was created (see
// connector.Backfiller).
type BackfillMode string

// The backfill modes.
const (
	// BackfillAll stores every message of the history: the default (the
	// zero BackfillMode means it too).
	BackfillAll BackfillMode = "all"
	// BackfillSince stores the history received since Backfill.Since.
	BackfillSince BackfillMode = "since"
	// BackfillNone stores no history: only mail that arrives after the
	// integration was created.
	BackfillNone BackfillMode = "none"
)

// Backfill is an integration's history policy: what of the mailbox's
// history a sync stores, and whether it is announced. The zero Backfill
// stores all of it and announces none of it.
type Backfill struct {
	// Mode is which history is stored; "" means BackfillAll.
	Mode BackfillMode `json:"mode,omitempty"`
	// Since is where BackfillSince starts (a message received at or after
	// it is stored); required with it, and only with it.
	Since time.Time `json:"since,omitzero"`
	// AnnounceHistory announces the history stored as new mail
	// (message.received), as a sync did before history was told apart.
	AnnounceHistory bool `json:"announce_history,omitempty"`
	// Mark is the connector's cursor at the integration's creation
	// (connector.Backfiller.BackfillCursor): where its first sync starts.
	// Zero when the connector is not a Backfiller or the mark could not
	// be taken; the first sync then takes it.
	Mark connector.Cursor `json:"mark,omitempty"`
}

// Validate checks b's policy, naming the JSON field at fault
// ("backfill.mode", "backfill.since") in a *connector.ValidationError.
func (b Backfill) Validate() error {
	var fields []connector.FieldError
	switch b.Mode {
	case "", BackfillAll, BackfillNone:
		if !b.Since.IsZero() {
			fields = append(fields, connector.FieldError{Field: "backfill.since", Message: `is allowed only with mode "since"`})
		}
	case BackfillSince:
		if b.Since.IsZero() {
			fields = append(fields, connector.FieldError{Field: "backfill.since", Message: `is required with mode "since"`})
		}
	default:
		fields = append(fields, connector.FieldError{Field: "backfill.mode", Message: `must be one of "all", "since", "none"`})
	}
	if len(fields) > 0 {
		return &connector.ValidationError{Context: "store: invalid backfill policy", Fields: fields}
	}
	return nil
}

// Keeps reports whether the policy stores a message of the history
// received at t (zero: unknown, kept by BackfillSince).
func (b Backfill) Keeps(t time.Time) bool {
	switch b.Mode {
	case BackfillNone:
		return false
	case BackfillSince:
		return t.IsZero() || !t.Before(b.Since)
	}
	return true
}
