package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// markTimeout bounds the provider calls that take a new integration's
// backfill mark (IMAP: a login and a STATUS per folder; Gmail: one
// getProfile; Graph: none).
const markTimeout = 20 * time.Second

// takeMark takes a new mailbox integration's backfill mark (what its
// mailbox holds now is history), within markTimeout, before its first
// sync is triggered; should it fail, the first sync takes it.
func takeMark(ctx context.Context, syncs *syncrun.Runner, logger *slog.Logger, in *store.Integration) {
	ctx, cancel := context.WithTimeout(ctx, markTimeout)
	defer cancel()
	if err := syncs.TakeMark(ctx, in.TenantID, in.ID); err != nil {
		logger.WarnContext(ctx, "taking a new integration's backfill mark failed; its first sync will", "integration_id", in.ID, "error", err)
	}
}

// backfillInput is the "backfill" object of a create or an update: the
// integration's history policy (store.Backfill). Absent on a create:
// the default (all history stored, none announced); absent on an
// update: unchanged.
type backfillInput struct {
	Mode            string `json:"mode"`
	Since           string `json:"since"`
	AnnounceHistory bool   `json:"announce_history"`
}

// checkBackfill validates in for provider and returns the policy, the
// mark of cur (the integration updated, or the zero one) kept.
func checkBackfill(in *backfillInput, provider string, cur store.Backfill, errs []fieldError) (store.Backfill, []fieldError) {
	if in == nil {
		return cur, errs
	}
	if provider == providerCustom {
		return cur, append(errs, fieldError{Field: "backfill", Message: "must be absent: a custom source has no history (what it posts is new)"})
	}
	b := store.Backfill{Mode: store.BackfillMode(in.Mode), AnnounceHistory: in.AnnounceHistory, Mark: cur.Mark}
	if in.Since != "" {
		t, err := time.Parse(time.RFC3339, in.Since)
		if err != nil {
			return cur, append(errs, fieldError{Field: "backfill.since", Message: "must be an RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z"})
		}
		b.Since = t.UTC()
	}
	var ve *connector.ValidationError
	if err := b.Validate(); errors.As(err, &ve) {
		for _, f := range ve.Fields {
			errs = append(errs, fieldError{Field: f.Field, Message: f.Message})
		}
		return cur, errs
	}
	if b.Mode == "" {
		b.Mode = store.BackfillAll
	}
	return b, errs
}

// backfillView is an integration's history policy as the API shows it
// (never its mark).
type backfillView struct {
	Mode            string     `json:"mode"`
	Since           *time.Time `json:"since,omitempty"`
	AnnounceHistory bool       `json:"announce_history"`
}

func viewBackfill(b store.Backfill) *backfillView {
	v := &backfillView{Mode: string(b.Mode), AnnounceHistory: b.AnnounceHistory}
	if v.Mode == "" {
		v.Mode = string(store.BackfillAll)
	}
	if !b.Since.IsZero() {
		since := b.Since
		v.Since = &since
	}
	return v
}
