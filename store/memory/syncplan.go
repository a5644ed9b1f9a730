package memory

import (
	"maps"
	"slices"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// syncPlan is what a CommitSync will write, computed on copies before
// anything is written.
type syncPlan struct {
	// writes are the messages to store: the new ones and changed copies
	// of known ones.
	writes []planWrite
	// inserted are the new messages, in batch order.
	inserted []*store.Message
	// changed reports the changes to known messages.
	changed []*store.MessageChange
	updated int
	deleted int
	resync  bool
}

// planWrite is a message a commit stores; isNew says it is not stored
// yet.
type planWrite struct {
	m     *store.Message
	isNew bool
}

// stagedMessage is a batch's copy of a message and the stored message
// it copies, nil for a new one.
type stagedMessage struct{ m, old *store.Message }

// planSync applies c's messages and changes to copies of the messages
// they touch in msgs, and counts what changed. A known message counts as
// updated when its thread, flags, labels or folders (compared as sets)
// changed or it is no longer deleted; as deleted when it was not deleted
// before. A message both undeleted and deleted again by the batch keeps
// the time it was first deleted. A new provider ref, or one taken away, is
// written without counting and without moving UpdatedAt.
func planSync(msgs *messageTable, c *store.SyncCommit, now time.Time) *syncPlan {
	p := &syncPlan{}
	// staged holds the batch's copies by provider id, each with the
	// stored message it copies (nil for a new one).
	staged := make(map[string]stagedMessage, len(c.Messages))
	order := make([]string, 0, len(c.Messages))
	// moves maps each Target of a move to the stored message moving
	// there; movedFrom holds those messages' former provider ids, which
	// name nothing once the batch is applied.
	moves, movedFrom := planMoves(msgs, c)
	stage := func(providerID string) *store.Message {
		if s, ok := staged[providerID]; ok {
			return s.m
		}
		if movedFrom[providerID] {
			return nil
		}
		old := msgs.byProvider[providerID]
		if old == nil {
			return nil
		}
		m := cloneMessage(old)
		staged[providerID] = stagedMessage{m: m, old: old}
		order = append(order, providerID)
		return m
	}

	holders := refHolders(c.Messages)
	for _, in := range dedupeMessages(c.Messages) {
		ref := in.ProviderRef
		if holders[ref] != in.ProviderID {
			ref = "" // a later message of the batch took it
		}
		if old := moves[in.ProviderID]; old != nil {
			m := cloneMessage(old)
			m.ProviderID = in.ProviderID
			staged[in.ProviderID] = stagedMessage{m: m, old: old}
			order = append(order, in.ProviderID)
		}
		if m := stage(in.ProviderID); m != nil {
			m.ProviderRef = ref
			m.ThreadID = in.ThreadID
			m.Flags = slices.Clone(in.Flags)
			m.Labels = slices.Clone(in.Labels)
			m.Folders = slices.Clone(in.Folders)
			m.DeletedAt = time.Time{}
			continue
		}
		m := newStoredMessage(store.NewID(), in)
		m.TenantID, m.IntegrationID = c.TenantID, normID(c.IntegrationID)
		m.CreatedAt, m.UpdatedAt = now, now
		if ref == "" {
			m.ProviderRef = ""
		}
		staged[in.ProviderID] = stagedMessage{m: m}
		order = append(order, in.ProviderID)
		p.inserted = append(p.inserted, m)
	}
	// A ref the batch gives is taken from the stored message holding it.
	if len(holders) > 0 {
		for _, ref := range slices.Sorted(maps.Keys(holders)) {
			if old := msgs.byRef[ref]; old != nil && old.ProviderID != holders[ref] {
				if m := stage(old.ProviderID); m != nil && m.ProviderRef == ref {
					m.ProviderRef = ""
				}
			}
		}
	}
	// byRef finds the message holding ref once the batch's messages are
	// applied.
	byRef := func(ref string) *store.Message {
		if holder, ok := holders[ref]; ok {
			if holder == "" {
				return nil
			}
			return stage(holder)
		}
		if old := msgs.byRef[ref]; old != nil {
			if m := stage(old.ProviderID); m != nil && m.ProviderRef == ref {
				return m
			}
		}
		return nil
	}
	target := func(ch connector.Change) *store.Message {
		switch {
		case ch.ProviderID != "":
			return stage(ch.ProviderID)
		case ch.ProviderRef != "":
			return byRef(ch.ProviderRef)
		}
		return nil
	}

	for _, ch := range c.Changes {
		switch ch.Kind {
		case connector.ChangeResync:
			p.resync = true
		case connector.ChangeDeleted:
			if m := target(ch); m != nil && m.DeletedAt.IsZero() && (ch.Folder == "" || slices.Contains(m.Folders, ch.Folder)) {
				m.DeletedAt = now
			}
		case connector.ChangeFlags:
			if m := target(ch); m != nil {
				m.Flags = slices.Clone(ch.Flags)
				m.Labels = slices.Clone(ch.Labels)
			}
		}
	}

	for _, providerID := range order {
		s := staged[providerID]
		m, old := s.m, s.old
		if old == nil {
			if !m.DeletedAt.IsZero() {
				p.deleted++
			}
			p.writes = append(p.writes, planWrite{m: m, isNew: true})
			continue
		}
		wasDeleted, isDeleted := !old.DeletedAt.IsZero(), !m.DeletedAt.IsZero()
		if wasDeleted && isDeleted {
			m.DeletedAt = old.DeletedAt
		}
		stateChanged := !sameSet(m.Flags, old.Flags) || !sameSet(m.Labels, old.Labels) || !sameSet(m.Folders, old.Folders)
		moved := m.ProviderID != old.ProviderID
		restored := wasDeleted && !isDeleted
		changed := m.ThreadID != old.ThreadID || stateChanged || restored || moved
		newlyDeleted := !wasDeleted && isDeleted
		if changed {
			p.updated++
		}
		if newlyDeleted {
			p.deleted++
		}
		if stateChanged || restored || moved || newlyDeleted {
			p.changed = append(p.changed, messageChange(old, m, newlyDeleted, restored))
		}
		switch {
		case changed || newlyDeleted:
			m.UpdatedAt = now
			p.writes = append(p.writes, planWrite{m: m})
		case m.ProviderRef != old.ProviderRef:
			p.writes = append(p.writes, planWrite{m: m})
		}
	}
	return p
}

// refHolders says where the batch msgs leaves each provider ref it
// gives, as upserting the messages one after the other would: the ref
// maps to the provider id of the last message given with it, or to ""
// when that message was given again with another ref.
func refHolders(msgs []*connector.Message) map[string]string {
	if !slices.ContainsFunc(msgs, func(m *connector.Message) bool { return m.ProviderRef != "" }) {
		return nil // no refs: nothing to say, and nothing to allocate
	}
	holders := map[string]string{}
	current := map[string]string{} // provider id → its latest ref
	for _, m := range msgs {
		if r := current[m.ProviderID]; r != "" && holders[r] == m.ProviderID {
			holders[r] = ""
		}
		current[m.ProviderID] = m.ProviderRef
		if m.ProviderRef != "" {
			holders[m.ProviderRef] = m.ProviderID
		}
	}
	return holders
}

// dedupeMessages keeps one message per provider id: the last copy in the
// batch, at the place of the first.
func dedupeMessages(msgs []*connector.Message) []*connector.Message {
	if len(msgs) < 2 {
		return msgs
	}
	at := make(map[string]int, len(msgs))
	out := make([]*connector.Message, 0, len(msgs))
	for _, m := range msgs {
		if i, ok := at[m.ProviderID]; ok {
			out[i] = m
			continue
		}
		at[m.ProviderID] = len(out)
		out = append(out, m)
	}
	return out
}
