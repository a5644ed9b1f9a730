package memory

import (
	"slices"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// planMoves finds the moves of c (store.SyncCommit.Changes): each
// ChangeMoved whose ProviderID names a stored message that is not
// deleted, is not one of c's messages and holds a ref of the commit's
// ChangeVanished changes, and whose Target is a message of c that is not
// stored. It returns the stored message moving to each Target, and the
// provider ids the moves leave. The first qualifying change of a message or a Target wins.
func planMoves(msgs *messageTable, c *store.SyncCommit) (moves map[string]*store.Message, movedFrom map[string]bool) {
	var vanished map[string]bool
	for _, ch := range c.Changes {
		if ch.Kind == connector.ChangeVanished && ch.ProviderRef != "" {
			if vanished == nil {
				vanished = map[string]bool{}
			}
			vanished[ch.ProviderRef] = true
		}
	}
	if vanished == nil {
		return nil, nil
	}
	inBatch := make(map[string]bool, len(c.Messages))
	for _, m := range c.Messages {
		inBatch[m.ProviderID] = true
	}
	for _, ch := range c.Changes {
		if ch.Kind != connector.ChangeMoved || ch.ProviderID == "" || ch.Target == "" || movedFrom[ch.ProviderID] || moves[ch.Target] != nil {
			continue
		}
		old := msgs.byProvider[ch.ProviderID]
		if old == nil || !old.DeletedAt.IsZero() || !vanished[old.ProviderRef] || msgs.byProvider[ch.Target] != nil {
			continue
		}
		if !inBatch[ch.Target] || inBatch[ch.ProviderID] {
			continue // no Target, or the source is said to be still there
		}
		if moves == nil {
			moves, movedFrom = map[string]*store.Message{}, map[string]bool{}
		}
		moves[ch.Target], movedFrom[ch.ProviderID] = old, true
	}
	return moves, movedFrom
}

// messageChange reports the change from old to m, its staged copy.
func messageChange(old, m *store.Message, deleted, restored bool) *store.MessageChange {
	ch := &store.MessageChange{
		ID: m.ID, TenantID: m.TenantID, IntegrationID: m.IntegrationID,
		ProviderID: m.ProviderID, ProviderRef: m.ProviderRef,
		Before:  store.MessageState{Flags: slices.Clone(old.Flags), Labels: slices.Clone(old.Labels), Folders: slices.Clone(old.Folders)},
		After:   store.MessageState{Flags: slices.Clone(m.Flags), Labels: slices.Clone(m.Labels), Folders: slices.Clone(m.Folders)},
		Deleted: deleted, Restored: restored,
	}
	if m.ProviderID != old.ProviderID {
		ch.PreviousProviderID = old.ProviderID
	}
	return ch
}
