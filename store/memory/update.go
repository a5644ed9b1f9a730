package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ucsp/integration/store"
)

// ApplyMessageUpdate writes u to its message, with the events u.Events
// returns, as store.MessageUpdater says. It runs one at a time with the
// integration's CommitSync calls; u.Events runs without the store's lock,
// like SyncCommit.Events.
func (s *Store) ApplyMessageUpdate(ctx context.Context, u *store.MessageUpdate) (*store.MessageChange, error) {
	if err := validateUpdate(u); err != nil {
		return nil, err
	}
	row, err := s.lookupIntegration(ctx, u.TenantID, u.IntegrationID)
	if err != nil {
		return nil, err
	}
	if err := row.commit.lock(ctx); err != nil {
		return nil, err
	}
	defer row.commit.unlock()

	var (
		old, m *store.Message
		change *store.MessageChange
	)
	err = s.read(ctx, func(t *tables) error {
		if !t.current(row) {
			return notFound("integration")
		}
		if old = row.msgs.byID[normID(u.ID)]; old == nil {
			return notFound("message")
		}
		if u.ProviderID != "" && u.ProviderID != old.ProviderID && row.msgs.byProvider[u.ProviderID] != nil {
			return fmt.Errorf("memory: message %s: provider id %q is another message's: %w", u.ID, u.ProviderID, store.ErrConflict)
		}
		m, change = planUpdate(old, u, s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, nil // the store holds that state already
	}
	var events []*store.Event
	if change != nil && u.Events != nil {
		if events, err = u.Events(change); err != nil {
			return nil, err
		}
	}
	err = s.write(ctx, func(t *tables) error {
		if !t.current(row) {
			return notFound("integration")
		}
		batch, err := t.prepareEvents(events, eventScope{tenantID: row.in.TenantID, integrationID: row.in.ID, owned: true}, s.now())
		if err != nil {
			return err
		}
		if m.ProviderRef != "" && m.ProviderRef != old.ProviderRef {
			if h := row.msgs.byRef[m.ProviderRef]; h != nil && h.ID != m.ID {
				taken := cloneMessage(h)
				taken.ProviderRef = ""
				row.msgs.put(taken, false)
			}
		}
		row.msgs.put(m, false)
		t.storeEvents(batch)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return change, nil
}

// planUpdate returns the copy of old that u makes and the change it
// reports: nil, nil when u changes nothing; a copy and a nil change when
// it changes only the ref.
func planUpdate(old *store.Message, u *store.MessageUpdate, now time.Time) (*store.Message, *store.MessageChange) {
	m := cloneMessage(old)
	if u.Deleted {
		if !old.DeletedAt.IsZero() {
			return nil, nil
		}
		m.DeletedAt, m.UpdatedAt = now, now
		return m, messageChange(old, m, true, false)
	}
	if u.ProviderID != "" {
		m.ProviderID = u.ProviderID
	}
	if u.ProviderRef != "" {
		m.ProviderRef = u.ProviderRef
	}
	if u.Known {
		m.Flags, m.Labels, m.Folders = slices.Clone(u.State.Flags), slices.Clone(u.State.Labels), slices.Clone(u.State.Folders)
	}
	restored := !old.DeletedAt.IsZero()
	m.DeletedAt = old.DeletedAt
	if restored {
		m.DeletedAt = time.Time{}
	}
	ch := messageChange(old, m, false, restored)
	if ch.StateChanged() || restored || ch.PreviousProviderID != "" {
		m.UpdatedAt = now
		return m, ch
	}
	if m.ProviderRef != old.ProviderRef {
		return m, nil
	}
	return nil, nil
}

func validateUpdate(u *store.MessageUpdate) error {
	switch {
	case u == nil:
		return invalid("update", "is required")
	case u.TenantID == "":
		return invalid("tenant_id", "is required")
	case u.IntegrationID == "":
		return invalid("integration_id", "is required")
	case u.ID == "":
		return invalid("id", "is required")
	}
	return nil
}
