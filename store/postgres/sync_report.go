package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/ucsp/integration/store"
)

const (
	// moveMessagesSQL gives each moving message ($3, ids) the provider id
	// of its Target ($4), before updateMessagesSQL upserts the Target's
	// state into it: no stored message has that provider id (planMoves).
	moveMessagesSQL = `
		UPDATE messages AS m SET provider_id = u.target, updated_at = $2
		FROM unnest($3::uuid[], $4::text[]) AS u(id, target)
		WHERE m.integration_id = $1 AND m.id = u.id`

	// changedStatesSQL reads the state the commit left the messages it
	// changed in.
	changedStatesSQL = `
		SELECT id, provider_id, provider_ref, flags, labels, folders, deleted_at IS NOT NULL FROM messages
		WHERE integration_id = $1 AND provider_id = ANY($2::text[])`
)

// storedState is the part of a stored message a commit reports changes
// of.
type storedState struct {
	id, providerID, providerRef string
	state                       store.MessageState
	deleted                     bool
}

// scanStoredState scans a row of knownMessagesSQL or changedStatesSQL.
func scanStoredState(row pgx.CollectableRow) (*storedState, error) {
	st := &storedState{}
	err := row.Scan(&st.id, &st.providerID, &st.providerRef, &st.state.Flags, &st.state.Labels, &st.state.Folders, &st.deleted)
	return st, err
}

// move is a stored message, by id, taking the provider id of the batch's
// message target.
type move struct{ id, target string }

// nonEmpty returns ss without its empty strings.
func nonEmpty(ss []string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

// planMoves picks the moves of the commit (store.SyncCommit.Changes):
// each ChangeMoved whose source is stored, not deleted, not one of the
// batch's messages and holds a vanished ref, and whose Target is one of the batch's new messages
// (fresh). The first qualifying change of a message or a Target wins. A
// Target that moves is known, not fresh, from then on.
func (w *written) planMoves(batch *messageBatch, changes *changeSet, fresh, known []int) (newFresh, newKnown []int) {
	if len(changes.moves) == 0 || len(changes.vanished) == 0 {
		return fresh, known
	}
	byProviderID := make(map[string]*storedState, len(w.before))
	for _, st := range w.before {
		byProviderID[st.providerID] = st
	}
	isFresh := make(map[string]int, len(fresh))
	for _, i := range fresh {
		isFresh[batch.msgs[i].ProviderID] = i
	}
	vanished := make(map[string]bool, len(changes.vanished))
	for _, r := range changes.vanished {
		vanished[r] = true
	}
	moving := make(map[string]bool)
	for _, ch := range changes.moves {
		src := byProviderID[ch.ProviderID]
		i, targetFresh := isFresh[ch.Target]
		_, srcInBatch := batch.byProviderID[ch.ProviderID]
		if src == nil || src.deleted || moving[src.id] || srcInBatch || !targetFresh || !vanished[src.providerRef] {
			continue
		}
		moving[src.id] = true
		delete(isFresh, ch.Target)
		w.moves = append(w.moves, move{id: src.id, target: ch.Target})
		known = append(known, i)
	}
	if len(w.moves) == 0 {
		return fresh, known
	}
	newFresh = slices.DeleteFunc(fresh, func(i int) bool { _, still := isFresh[batch.msgs[i].ProviderID]; return !still })
	return newFresh, known
}

// report reads the state the commit left the messages it changed in and
// returns the changes to report (store.SyncResult.Changed): a message
// whose flags, labels or folders differ from w.before, that it deleted,
// brought back or moved.
func (w *written) report(ctx context.Context, tx pgx.Tx, integrationID string) ([]*store.MessageChange, error) {
	deleted := make(map[string]bool, len(w.deleted))
	ids := make([]string, 0, len(w.changed)+len(w.deleted))
	for pid := range w.changed {
		if _, inserted := w.insertedID[pid]; !inserted {
			ids = append(ids, pid)
		}
	}
	for _, pid := range w.deleted {
		if _, inserted := w.insertedID[pid]; !inserted {
			deleted[pid] = true
			if !w.changed[pid] {
				ids = append(ids, pid)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, _ := tx.Query(ctx, changedStatesSQL, integrationID, ids)
	after, err := pgx.CollectRows(rows, scanStoredState)
	if err != nil {
		return nil, fmt.Errorf("read changed messages: %w", err)
	}
	var out []*store.MessageChange
	for _, a := range after {
		b := w.before[a.id]
		if b == nil {
			continue // not stored before this commit
		}
		ch := &store.MessageChange{
			ID: a.id, ProviderID: a.providerID, ProviderRef: a.providerRef,
			Before: b.state, After: a.state,
			Deleted: deleted[a.providerID], Restored: b.deleted && !a.deleted,
		}
		if a.providerID != b.providerID {
			ch.PreviousProviderID = b.providerID
		}
		if ch.StateChanged() || ch.Deleted || ch.Restored || ch.PreviousProviderID != "" {
			out = append(out, ch)
		}
	}
	return out, nil
}
