package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ucsp/integration/store"
)

// The statements CommitSync writes messages with, after the fence. They
// rely on the fence's lock on the integration's row: no other commit can
// store a message of the integration until this one ends, so the
// messages knownMessagesSQL does not find are new, and COPY inserts
// them without an ON CONFLICT clause it does not have.
const (
	knownMessagesSQL = `
		SELECT provider_id FROM messages WHERE integration_id = $1 AND provider_id = ANY($2::text[])`

	// updateMessagesSQL updates the mutable state of known messages,
	// where it changed: a replayed batch sends no bodies and writes
	// nothing.
	updateMessagesSQL = `
		UPDATE messages AS m SET thread_id = u.thread_id, flags = u.flags::text[], labels = u.labels::text[],
			folders = u.folders::text[], deleted_at = NULL, updated_at = $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			AS u(provider_id, thread_id, flags, labels, folders)
		WHERE m.integration_id = $1 AND m.provider_id = u.provider_id
			AND ((m.thread_id, m.flags, m.labels, m.folders) IS DISTINCT FROM
				(u.thread_id, u.flags::text[], u.labels::text[], u.folders::text[])
				OR m.deleted_at IS NOT NULL)
		RETURNING m.provider_id`

	deleteMessagesSQL = `
		UPDATE messages SET deleted_at = $2, updated_at = $2
		WHERE integration_id = $1 AND provider_id = ANY($3::text[]) AND deleted_at IS NULL
		RETURNING provider_id`

	flagMessagesSQL = `
		UPDATE messages AS m SET flags = u.flags::text[], labels = u.labels::text[], updated_at = $2
		FROM unnest($3::text[], $4::text[], $5::text[]) AS u(provider_id, flags, labels)
		WHERE m.integration_id = $1 AND m.provider_id = u.provider_id
			AND (m.flags, m.labels) IS DISTINCT FROM (u.flags::text[], u.labels::text[])
		RETURNING m.provider_id`
)

// written is what writeMessages did.
type written struct {
	// insertedID maps the provider id of each inserted message to its
	// id; changed holds the provider ids of known messages that changed.
	insertedID map[string]string
	changed    map[string]bool
	// deleted and flagged are the provider ids the changes touched.
	deleted, flagged []string
}

// writeMessages tells the batch's new messages from its known ones,
// copies the new ones in, and updates the known ones and applies the
// changes in one round trip.
func writeMessages(ctx context.Context, tx pgx.Tx, c *store.SyncCommit, t time.Time, batch *messageBatch, changes *changeSet) (*written, error) {
	w := &written{insertedID: make(map[string]string), changed: make(map[string]bool)}
	fresh, known, err := splitKnown(ctx, tx, c.IntegrationID, batch)
	if err != nil {
		return nil, err
	}
	if err := w.insert(ctx, tx, c.IntegrationID, t, batch, fresh); err != nil {
		return nil, err
	}
	if err := w.update(ctx, tx, c.IntegrationID, t, batch, known, changes); err != nil {
		return nil, err
	}
	return w, nil
}

// splitKnown tells the batch's messages already stored (known) from the
// others (fresh), as indexes into batch.msgs.
func splitKnown(ctx context.Context, tx pgx.Tx, integrationID string, batch *messageBatch) (fresh, known []int, err error) {
	if len(batch.msgs) == 0 {
		return nil, nil, nil
	}
	rows, _ := tx.Query(ctx, knownMessagesSQL, integrationID, batch.providerIDs())
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, fmt.Errorf("look up messages: %w", err)
	}
	isKnown := make(map[string]bool, len(stored))
	for _, id := range stored {
		isKnown[id] = true
	}
	for i := range batch.msgs {
		if isKnown[batch.msgs[i].ProviderID] {
			known = append(known, i)
		} else {
			fresh = append(fresh, i)
		}
	}
	return fresh, known, nil
}

// insert copies the new messages batch.msgs[i], for i in fresh, into the
// messages table.
func (w *written) insert(ctx context.Context, tx pgx.Tx, integrationID string, t time.Time, batch *messageBatch, fresh []int) error {
	if len(fresh) == 0 {
		return nil
	}
	ids := make([]pgtype.UUID, len(fresh))
	src := batch.copyRows(pgtype.UUID{Bytes: uuid.MustParse(integrationID), Valid: true}, t, fresh, ids)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"messages"}, messageCopyColumns, src); err != nil {
		if pgCode(err) == codeUniqueViolation {
			// Only a writer that bypasses the fence could cause this.
			return fmt.Errorf("insert messages: another commit stored some of them: %w", store.ErrConflict)
		}
		return fmt.Errorf("insert messages: %w", err)
	}
	for j, i := range fresh {
		w.insertedID[batch.msgs[i].ProviderID] = uuid.UUID(ids[j].Bytes).String()
	}
	return nil
}

// update sends the updates of the known messages batch.msgs[i], for i in
// known, and the changes, in one round trip.
func (w *written) update(ctx context.Context, tx pgx.Tx, integrationID string, t time.Time, batch *messageBatch, known []int, changes *changeSet) error {
	var qb pgx.Batch
	if len(known) > 0 {
		r := batch.knownRows(known)
		qb.Queue(updateMessagesSQL, integrationID, t, r.providerIDs, r.threadIDs, r.flags, r.labels, r.folders)
	}
	if len(changes.deleted) > 0 {
		qb.Queue(deleteMessagesSQL, integrationID, t, changes.deleted)
	}
	if len(changes.flagged) > 0 {
		qb.Queue(flagMessagesSQL, integrationID, t, changes.flagged, changes.flags, changes.labels)
	}
	if qb.Len() == 0 {
		return nil
	}
	results := tx.SendBatch(ctx, &qb)
	defer results.Close()

	// The results come in the order the statements were queued.
	readIDs := func(what string) ([]string, error) {
		rows, _ := results.Query()
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return ids, nil
	}
	if len(known) > 0 {
		updated, err := readIDs("update messages")
		if err != nil {
			return err
		}
		for _, id := range updated {
			w.changed[id] = true
		}
	}
	var err error
	if len(changes.deleted) > 0 {
		if w.deleted, err = readIDs("delete messages"); err != nil {
			return err
		}
	}
	if len(changes.flagged) > 0 {
		if w.flagged, err = readIDs("change flags"); err != nil {
			return err
		}
	}
	return results.Close()
}

// inserted returns the messages w inserted, in commit order, as stored:
// with the flag changes and deletions of the same commit applied. It
// counts the changes to known messages in res.
func (w *written) inserted(c *store.SyncCommit, t time.Time, batch *messageBatch, changes *changeSet, res *store.SyncResult) []*store.Message {
	inserted := make([]*store.Message, 0, len(w.insertedID))
	byProviderID := make(map[string]*store.Message, len(w.insertedID))
	for i := range batch.msgs {
		m := &batch.msgs[i]
		id, ok := w.insertedID[m.ProviderID]
		if !ok {
			continue
		}
		sm := &store.Message{ID: id, TenantID: c.TenantID, IntegrationID: c.IntegrationID, Message: copyMessage(m), CreatedAt: t, UpdatedAt: t}
		inserted = append(inserted, sm)
		byProviderID[m.ProviderID] = sm
	}
	for _, pid := range w.flagged {
		if sm, ok := byProviderID[pid]; ok {
			ch := changes.flagsOf[pid]
			sm.Flags, sm.Labels = nilIfEmpty(slices.Clone(ch.Flags)), nilIfEmpty(slices.Clone(ch.Labels))
		} else {
			w.changed[pid] = true
		}
	}
	for _, pid := range w.deleted {
		if sm, ok := byProviderID[pid]; ok {
			sm.DeletedAt = t
		}
	}
	res.Updated, res.Deleted = len(w.changed), len(w.deleted)
	return inserted
}
