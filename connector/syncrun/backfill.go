package syncrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// EventBackfillCompleted ends the first sync of an integration that had
// history: every message the mailbox held when the integration was
// created has been stored or left out by its policy
// (BackfillCompletedData). It is stored once per integration, in the
// transaction of the batch that completes the backfill.
const EventBackfillCompleted = "sync.backfill_completed"

// BackfillCompletedData is the payload of a sync.backfill_completed
// event. The counts are those of the sync that completed the backfill:
// a backfill that a failure interrupted and a later sync resumed counts
// the later sync's only.
type BackfillCompletedData struct {
	IntegrationID string `json:"integration_id"`
	// Mode is the policy's store.BackfillMode ("all", "since", "none").
	Mode string `json:"mode"`
	// Stored counts the messages of the history stored; Skipped those the
	// policy left out (mode "since" or "none").
	Stored  int `json:"stored"`
	Skipped int `json:"skipped"`
	// Announced says whether the history stored was announced
	// (store.Backfill.AnnounceHistory).
	Announced bool `json:"announced"`
	// New counts the messages that arrived after the mark and were
	// stored by the same sync up to the batch that completed the
	// backfill (each announced by its message.received).
	New int `json:"new"`
}

// BackfillStats are a sync's running counts of history and new mail,
// as BackfillCompletedData reports them.
type BackfillStats struct {
	// Stored and New count the messages of the history, and the others,
	// that the sync's commits inserted; Skipped the history the policy
	// left out.
	Stored, Skipped, New int
}

// The backfill policy, applied by Sync to every integration:
//
//   - The first sync starts from the integration's mark
//     (store.Backfill.Mark, taken when it was created), not from the
//     zero cursor. An integration without a mark whose connector is a
//     connector.Backfiller has one taken by its first sync, and kept.
//   - Messages the connector reports as history (Message.History) are
//     stored as store.Backfill's mode says (all, since a date, none) and
//     are not announced, unless AnnounceHistory is set. Every other new
//     message is announced once (message.received): mail that arrived
//     after the mark, during the first sync too.
//   - The batch that completes the backfill (Batch.BackfillDone) stores
//     one sync.backfill_completed.

// startCursor returns where in's sync starts: the stored cursor, or,
// before the first commit, the integration's mark, taken now (and kept)
// when it has none and c can.
func (r *Runner) startCursor(ctx context.Context, in *store.Integration, c connector.Connector, stored connector.Cursor) (connector.Cursor, error) {
	if !stored.IsZero() {
		return stored, nil
	}
	if !in.Backfill.Mark.IsZero() {
		return in.Backfill.Mark, nil
	}
	bf, ok := c.(connector.Backfiller)
	if !ok {
		return stored, nil
	}
	mark, err := bf.BackfillCursor(ctx)
	if err != nil {
		return "", fmt.Errorf("syncrun: taking the backfill mark: %w", err)
	}
	_, err = r.store.UpdateIntegrationWithEvents(ctx, in.TenantID, in.ID, func(cur *store.Integration) ([]*store.Event, error) {
		if cur.Backfill.Mark.IsZero() {
			cur.Backfill.Mark = mark
		} else {
			mark = cur.Backfill.Mark // another run took one first
		}
		return nil, nil
	})
	if err != nil {
		return "", fmt.Errorf("syncrun: keeping the backfill mark: %w", err)
	}
	return mark, nil
}

// applyBackfill returns b with the history that policy does not keep
// left out (b itself when it keeps all), counting it in stats.
func applyBackfill(policy store.Backfill, b *connector.Batch, stats *BackfillStats) *connector.Batch {
	drop := 0
	for _, m := range b.Messages {
		if m.History && !policy.Keeps(m.ReceivedAt) {
			drop++
		}
	}
	if drop == 0 {
		return b
	}
	stats.Skipped += drop
	kept := *b
	kept.Messages = make([]*connector.Message, 0, len(b.Messages)-drop)
	for _, m := range b.Messages {
		if !m.History || policy.Keeps(m.ReceivedAt) {
			kept.Messages = append(kept.Messages, m)
		}
	}
	return &kept
}

// countInserted adds the messages a commit inserted to stats, as
// history or new.
func countInserted(b *BatchInfo, stats *BackfillStats) {
	for _, m := range b.Inserted {
		if b.IsHistory(m.ProviderID) {
			stats.Stored++
		} else {
			stats.New++
		}
	}
}

// IsHistory reports whether the batch's connector reported the message
// with providerID as history (connector.Message.History).
func (b *BatchInfo) IsHistory(providerID string) bool {
	if b.history == nil {
		b.history = map[string]bool{}
		for _, m := range b.Batch.Messages {
			if m.History {
				b.history[m.ProviderID] = true
			}
		}
	}
	return b.history[providerID]
}

// Announced returns the inserted messages to announce as new: all of
// them when the integration's policy announces history, else those the
// connector did not report as history.
func (b *BatchInfo) Announced() []*store.Message {
	if b.Integration.Backfill.AnnounceHistory {
		return b.Inserted
	}
	out := make([]*store.Message, 0, len(b.Inserted))
	for _, m := range b.Inserted {
		if !b.IsHistory(m.ProviderID) {
			out = append(out, m)
		}
	}
	return out
}

// BackfillEvents returns the sync.backfill_completed event when b
// completes the backfill (connector.Batch.BackfillDone), else nothing:
// DefaultEvents' announcement of the end of the history.
func BackfillEvents(b *BatchInfo) ([]*store.Event, error) {
	if !b.Batch.BackfillDone {
		return nil, nil
	}
	in, s := b.Integration, b.Backfill
	mode := in.Backfill.Mode
	if mode == "" {
		mode = store.BackfillAll
	}
	ev, err := store.NewEvent(in.TenantID, in.ID, EventBackfillCompleted, BackfillCompletedData{
		IntegrationID: in.ID, Mode: string(mode), Stored: s.Stored, Skipped: s.Skipped,
		Announced: in.Backfill.AnnounceHistory, New: s.New,
	})
	if err != nil {
		return nil, err
	}
	return []*store.Event{ev}, nil
}

// TakeMark takes the backfill mark of the tenant's integration and keeps
// it (store.Backfill.Mark), when its connector is a connector.Backfiller
// and it has neither a mark nor a cursor: call it when the integration
// is created, before its first sync is triggered, so that its history
// is what the mailbox held then. It connects to the provider. When it
// fails, the first sync takes the mark instead; the error is for the
// caller to log. Credentials the provider refuses (connector.ErrAuth)
// mark the integration needs_reauth, as a sync would. An integration
// of a provider not synced is left alone.
func (r *Runner) TakeMark(ctx context.Context, tenant, integration string) error {
	in, err := r.store.GetIntegration(ctx, tenant, integration)
	if err != nil {
		return err
	}
	if !in.Backfill.Mark.IsZero() || !r.synced(in.Provider) {
		return nil
	}
	state, err := r.store.SyncState(ctx, tenant, integration)
	if err != nil || !state.Cursor.IsZero() {
		return err
	}
	c, err := r.connect(ctx, in)
	if err == nil {
		_, err = r.startCursor(ctx, in, c, "")
		closeConnector(c)
	}
	if errors.Is(err, connector.ErrAuth) {
		r.MarkIntegration(ctx, in, store.StatusNeedsReauth, err)
	}
	return err
}
