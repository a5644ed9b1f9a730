package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// The statements CommitSync writes messages with, after the fence. They
// rely on the fence's lock on the integration's row: no other commit can
// store a message of the integration until this one ends, so the
// messages knownMessagesSQL does not find are new, and COPY inserts
// them without an ON CONFLICT clause it does not have.
//
// All but flagMessagesSQL name messages once, joined to the batch
// through an index on its ids or refs, and so plan as the plain joins
// they are.
const (
	// knownMessagesSQL reads the state of the stored messages the batch
	// names: by provider id ($2: the batch's messages, the changes'
	// targets) or by the ref they hold before the batch ($3). The state is
	// what SyncResult.Changed reports as a change's Before.
	knownMessagesSQL = `
		SELECT id, provider_id, provider_ref, flags, labels, folders, deleted_at IS NOT NULL FROM messages
		WHERE integration_id = $1 AND (provider_id = ANY($2::text[])
			OR (provider_ref = ANY($3::text[]) AND provider_ref <> ''))`

	// takeRefsSQL takes each ref the batch gives, u.provider_ref, from any
	// message but the one that is to hold it, u.provider_id, before COPY
	// and updateMessagesSQL give it: messages_provider_ref_key allows one
	// holder at a time.
	takeRefsSQL = `
		UPDATE messages AS m SET provider_ref = ''
		FROM unnest($2::text[], $3::text[]) AS u(provider_ref, provider_id)
		WHERE m.integration_id = $1 AND m.provider_ref = u.provider_ref AND m.provider_ref <> ''
			AND m.provider_id <> u.provider_id`

	// updateMessagesSQL updates the mutable state of known messages,
	// where it changed: a replayed batch sends no bodies and writes
	// nothing. A new ref alone is written without moving updated_at,
	// which moves to the commit's time, $2, only when the thread, flags,
	// labels or folders change or the message comes back (the condition
	// is spelled twice, in SET, which sees the stored row, and in WHERE).
	// RETURNING sees only the new row, so it tells the two apart by
	// updated_at = $2: the fence stamps each commit later than every
	// earlier one, so no row held $2 before.
	updateMessagesSQL = `
		UPDATE messages AS m SET provider_ref = u.provider_ref, thread_id = u.thread_id, flags = u.flags::text[],
			labels = u.labels::text[], folders = u.folders::text[], deleted_at = NULL,
			updated_at = CASE
				WHEN (m.thread_id, m.flags, m.labels, m.folders) IS DISTINCT FROM
					(u.thread_id, u.flags::text[], u.labels::text[], u.folders::text[])
					OR m.deleted_at IS NOT NULL
				THEN $2 ELSE m.updated_at END
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
			AS u(provider_id, provider_ref, thread_id, flags, labels, folders)
		WHERE m.integration_id = $1 AND m.provider_id = u.provider_id
			AND ((m.thread_id, m.flags, m.labels, m.folders) IS DISTINCT FROM
				(u.thread_id, u.flags::text[], u.labels::text[], u.folders::text[])
				OR m.deleted_at IS NOT NULL OR m.provider_ref <> u.provider_ref)
		RETURNING m.provider_id, m.updated_at = $2`

	// deleteMessagesSQL and deleteRefsSQL mark messages deleted, each
	// ($3) only when its change names no folder ($4: '') or one the
	// message is in.
	deleteMessagesSQL = `
		UPDATE messages AS m SET deleted_at = $2, updated_at = $2
		FROM unnest($3::text[], $4::text[]) AS u(provider_id, folder)
		WHERE m.integration_id = $1 AND m.provider_id = u.provider_id AND m.deleted_at IS NULL
			AND (u.folder = '' OR u.folder = ANY(m.folders))
		RETURNING m.provider_id`

	deleteRefsSQL = `
		UPDATE messages AS m SET deleted_at = $2, updated_at = $2
		FROM unnest($3::text[], $4::text[]) AS u(provider_ref, folder)
		WHERE m.integration_id = $1 AND m.provider_ref = u.provider_ref AND m.provider_ref <> '' AND m.deleted_at IS NULL
			AND (u.folder = '' OR u.folder = ANY(m.folders))
		RETURNING m.provider_id`

	// flagMessagesSQL applies the flag changes, each naming its message
	// by provider id or, when that is empty, by ref. Where two name the
	// same message, the later one (n, its place in the batch) wins. So
	// it looks the messages up before it updates them, and updates each
	// by the ctid it read, which still names it: no other transaction
	// writes the integration's messages meanwhile (the fence's lock).
	// Each lookup is a LATERAL subquery fenced with OFFSET 0, one index
	// probe per change whatever the statistics say: a join of messages
	// with itself is what statistics that lag behind a first sync (10,000
	// messages the planner believes are 160) turn into scans of the whole
	// integration.
	flagMessagesSQL = `
		UPDATE messages AS m SET flags = c.flags, labels = c.labels, updated_at = $2
		FROM (
			SELECT DISTINCT ON (o.tid) o.tid, u.flags::text[] AS flags, u.labels::text[] AS labels, u.n
			FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
				AS u(provider_id, provider_ref, flags, labels, n)
			CROSS JOIN LATERAL (
				SELECT o.ctid AS tid FROM messages o
				WHERE u.provider_id <> '' AND o.integration_id = $1 AND o.provider_id = u.provider_id
				UNION ALL
				SELECT o.ctid FROM messages o
				WHERE u.provider_id = '' AND o.integration_id = $1 AND o.provider_ref = u.provider_ref
					AND o.provider_ref <> ''
				OFFSET 0
			) AS o
			ORDER BY o.tid, u.n DESC
		) AS c
		WHERE m.ctid = c.tid AND m.integration_id = $1 AND (m.flags, m.labels) IS DISTINCT FROM (c.flags, c.labels)
		RETURNING m.provider_id, c.n`
)

// written is what writeMessages did.
type written struct {
	// insertedID maps the provider id of each inserted message to its
	// id; changed holds the provider ids of known messages that changed.
	insertedID map[string]string
	changed    map[string]bool
	// before holds the state of the stored messages the batch names, by
	// id, as the commit found them; moves the moves, stored message id
	// to Target.
	before map[string]*storedState
	moves  []move
	// deleted are the provider ids the deletions marked; flagged maps
	// those whose flags changed to the change (changeSet.flagged) applied.
	deleted []string
	flagged map[string]connector.Change
}

// writeMessages tells the batch's new messages from its known ones,
// copies the new ones in, and updates the known ones and applies the
// changes in one round trip.
func writeMessages(ctx context.Context, tx pgx.Tx, c *store.SyncCommit, t time.Time, batch *messageBatch, changes *changeSet) (*written, error) {
	w := &written{insertedID: make(map[string]string), changed: make(map[string]bool)}
	fresh, known, err := w.splitKnown(ctx, tx, c.IntegrationID, batch, changes)
	if err != nil {
		return nil, err
	}
	fresh, known = w.planMoves(batch, changes, fresh, known)
	if err := w.insert(ctx, tx, c.IntegrationID, t, batch, fresh); err != nil {
		return nil, err
	}
	if err := w.update(ctx, tx, c.IntegrationID, t, batch, known, changes); err != nil {
		return nil, err
	}
	return w, nil
}

// splitKnown tells the batch's messages already stored (known) from the
// others (fresh), as indexes into batch.msgs, and, in the same round
// trip, takes the refs the batch gives from the messages that hold them.
func (w *written) splitKnown(ctx context.Context, tx pgx.Tx, integrationID string, batch *messageBatch, changes *changeSet) (fresh, known []int, err error) {
	ids, refs := changes.lookupKeys()
	if len(batch.msgs) == 0 && len(ids) == 0 && len(refs) == 0 {
		return nil, nil, nil
	}
	var qb pgx.Batch
	qb.Queue(knownMessagesSQL, integrationID, nonEmpty(append(batch.providerIDs(), ids...)), nonEmpty(refs))
	if len(batch.refs) > 0 {
		qb.Queue(takeRefsSQL, integrationID, batch.refs, batch.holders)
	}
	results := tx.SendBatch(ctx, &qb)
	defer results.Close()
	rows, _ := results.Query()
	stored, err := pgx.CollectRows(rows, scanStoredState)
	if err != nil {
		return nil, nil, fmt.Errorf("look up messages: %w", err)
	}
	w.before = make(map[string]*storedState, len(stored))
	isKnown := make(map[string]bool, len(stored))
	for _, st := range stored {
		w.before[st.id] = st
		isKnown[st.providerID] = true
	}
	if len(batch.refs) > 0 {
		if _, err := results.Exec(); err != nil {
			return nil, nil, fmt.Errorf("take refs: %w", err)
		}
	}
	if err := results.Close(); err != nil {
		return nil, nil, fmt.Errorf("look up messages: %w", err)
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
	if len(w.moves) > 0 {
		ids, targets := make([]string, len(w.moves)), make([]string, len(w.moves))
		for i, m := range w.moves {
			ids[i], targets[i] = m.id, m.target
		}
		qb.Queue(moveMessagesSQL, integrationID, t, ids, targets)
	}
	if len(known) > 0 {
		r := batch.knownRows(known)
		qb.Queue(updateMessagesSQL, integrationID, t, r.providerIDs, r.providerRefs, r.threadIDs, r.flags, r.labels, r.folders)
	}
	if len(changes.deleted) > 0 {
		qb.Queue(deleteMessagesSQL, integrationID, t, changes.deleted, changes.deletedIn)
	}
	if len(changes.deletedRefs) > 0 {
		qb.Queue(deleteRefsSQL, integrationID, t, changes.deletedRefs, changes.deletedRefsIn)
	}
	if len(changes.flagged) > 0 {
		qb.Queue(flagMessagesSQL, integrationID, t, changes.flagIDs, changes.flagRefs, changes.flags, changes.labels)
	}
	if qb.Len() == 0 {
		return nil
	}
	results := tx.SendBatch(ctx, &qb)
	defer results.Close()

	// The results come in the order the statements were queued.
	if len(w.moves) > 0 {
		if _, err := results.Exec(); err != nil {
			return fmt.Errorf("move messages: %w", err)
		}
		for _, m := range w.moves {
			w.changed[m.target] = true
		}
	}
	readIDs := func(what string) ([]string, error) {
		rows, _ := results.Query()
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return ids, nil
	}
	if len(known) > 0 {
		var (
			id      string
			changed bool
		)
		rows, _ := results.Query()
		_, err := pgx.ForEachRow(rows, []any{&id, &changed}, func() error {
			if changed {
				w.changed[id] = true
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("update messages: %w", err)
		}
	}
	if len(changes.deleted) > 0 {
		ids, err := readIDs("delete messages")
		if err != nil {
			return err
		}
		w.deleted = append(w.deleted, ids...)
	}
	if len(changes.deletedRefs) > 0 {
		ids, err := readIDs("delete messages by ref")
		if err != nil {
			return err
		}
		w.deleted = append(w.deleted, ids...)
	}
	if len(changes.flagged) > 0 {
		var (
			id string
			n  int64
		)
		w.flagged = make(map[string]connector.Change)
		rows, _ := results.Query()
		_, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error {
			w.flagged[id] = changes.flagged[n-1]
			return nil
		})
		if err != nil {
			return fmt.Errorf("change flags: %w", err)
		}
	}
	return results.Close()
}

// inserted returns the messages w inserted, in commit order, as stored:
// with the flag changes and deletions of the same commit applied. It
// counts the changes to known messages in res.
func (w *written) inserted(c *store.SyncCommit, t time.Time, batch *messageBatch, res *store.SyncResult) []*store.Message {
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
	for pid, ch := range w.flagged {
		if sm, ok := byProviderID[pid]; ok {
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
