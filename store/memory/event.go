package memory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/internal/validjson"
)

// InsertEvents stores events, all or none, filling in place the ID,
// Status (pending), NextAttemptAt (now: due at once) and CreatedAt of
// each that has them empty. An event whose ID is already stored, or
// appears earlier in events, is left as it is. TenantID and Type are
// required, an ID given must be a UUID, a Payload must be JSON, and an
// IntegrationID must name one of the tenant's integrations
// (store.ErrNotFound).
func (s *Store) InsertEvents(ctx context.Context, events ...*store.Event) error {
	return s.write(ctx, func(t *tables) error {
		batch, err := t.prepareEvents(events, eventScope{}, s.now())
		if err != nil {
			return err
		}
		t.storeEvents(batch)
		return nil
	})
}

// GetEvent returns the tenant's event id, or store.ErrNotFound.
func (s *Store) GetEvent(ctx context.Context, tenantID, id string) (*store.Event, error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	var out *store.Event
	err := s.read(ctx, func(t *tables) error {
		row := t.events[normID(id)]
		if row == nil || row.ev.TenantID != tenantID {
			return notFound("event")
		}
		out = cloneEvent(&row.ev)
		return nil
	})
	return out, err
}

// ListEvents pages through the tenant's events in the order they were
// stored, keeping those that match opts.Status and opts.IntegrationID
// when set. An unknown opts.Status is store.ErrInvalid.
func (s *Store) ListEvents(ctx context.Context, tenantID string, opts store.ListEventsOptions) (*store.Page[*store.Event], error) {
	if err := requireTenant(tenantID); err != nil {
		return nil, err
	}
	if opts.Status != "" && !validEventStatus(opts.Status) {
		return nil, invalid("status", "is not a known event status")
	}
	limit, after, err := seqCursor(opts.ListOptions)
	if err != nil {
		return nil, err
	}
	integrationID := normID(opts.IntegrationID)
	var p *store.Page[*store.Event]
	err = s.read(ctx, func(t *tables) error {
		rows := t.tenantEvents[tenantID]
		start := sort.Search(len(rows), func(i int) bool { return rows[i].seq > after })
		p = collect(rows[start:], limit,
			func(r *eventRow) bool {
				return (opts.Status == "" || r.ev.Status == opts.Status) &&
					(integrationID == "" || r.ev.IntegrationID == integrationID)
			},
			func(r *eventRow) *store.Event { return cloneEvent(&r.ev) },
			func(r *eventRow) string { return seqKey(r.seq) })
		return nil
	})
	return p, err
}

// RecentEvents scans every event; fine for the few an embedded store
// holds.
func (s *Store) RecentEvents(ctx context.Context, status store.EventStatus, limit int) ([]*store.Event, error) {
	if limit < 1 || limit > store.MaxLimit {
		return nil, invalid("limit", fmt.Sprintf("must be 1 to %d", store.MaxLimit))
	}
	if status != "" && !validEventStatus(status) {
		return nil, invalid("status", "is not a known event status")
	}
	var recent []*store.Event
	err := s.read(ctx, func(t *tables) error {
		var rows []*eventRow
		for _, r := range t.events {
			if status == "" || r.ev.Status == status {
				rows = append(rows, r)
			}
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].seq > rows[j].seq })
		recent = make([]*store.Event, 0, min(limit, len(rows)))
		for _, r := range rows[:min(limit, len(rows))] {
			recent = append(recent, cloneEvent(&r.ev)) // the store's rows stay its own
		}
		return nil
	})
	return recent, err
}

func validEventStatus(s store.EventStatus) bool {
	switch s {
	case store.EventPending, store.EventDelivered, store.EventDead:
		return true
	}
	return false
}

// eventScope is the change that events are stored with (a sync commit,
// an outbox update): it gives them a default tenant and integration, and
// they must belong to its tenant. The zero scope is InsertEvents'.
type eventScope struct {
	tenantID      string
	integrationID string
	// owned: the events are the store's to keep (SyncCommit.Events made
	// them for this commit), so their payloads are kept without a copy.
	owned bool
}

// eventBatch is a validated set of events, ready to store.
type eventBatch struct {
	// given are the caller's events, and filled their completed copies,
	// index by index.
	given  []*store.Event
	filled []*store.Event
	// fresh are the events to store: those whose id is not stored yet;
	// freshGiven the caller's events they copy.
	fresh      []*eventRow
	freshGiven []*store.Event
}

// prepareEvents validates and completes copies of events, changing
// nothing. The events' ids are made here, under the write lock, so that
// they are in the order the events are stored.
func (t *tables) prepareEvents(events []*store.Event, scope eventScope, now time.Time) (*eventBatch, error) {
	b := &eventBatch{given: events, filled: make([]*store.Event, 0, len(events)), fresh: make([]*eventRow, 0, len(events)), freshGiven: make([]*store.Event, 0, len(events))}
	// Ids given twice in the batch: a few are searched for, more are
	// kept in a map.
	var seen map[string]bool
	if len(events) > 16 {
		seen = make(map[string]bool, len(events))
	}
	givenBefore := func(id string) bool {
		if seen != nil {
			return seen[id]
		}
		return slices.ContainsFunc(b.fresh, func(r *eventRow) bool { return r.ev.ID == id })
	}
	for i, e := range events {
		if e == nil {
			return nil, invalid(fmt.Sprintf("events[%d]", i), "is nil")
		}
		row, err := t.prepareEvent(e, i, scope, now)
		if err != nil {
			return nil, err
		}
		c := &row.ev
		b.filled = append(b.filled, c)
		// An id the caller gave may be stored already, or given twice; one
		// generated here is new.
		if e.ID != "" && (givenBefore(c.ID) || t.events[c.ID] != nil) {
			continue
		}
		if seen != nil {
			seen[c.ID] = true
		}
		b.fresh = append(b.fresh, row) // row is this batch's own copy
		b.freshGiven = append(b.freshGiven, e)
	}
	return b, nil
}

// prepareEvent validates and completes a copy of e, in the row that
// stores it if it is new.
func (t *tables) prepareEvent(e *store.Event, i int, scope eventScope, now time.Time) (*eventRow, error) {
	field := func(name string) string { return fmt.Sprintf("events[%d].%s", i, name) }
	row := &eventRow{ev: *e}
	c := &row.ev
	if !scope.owned {
		c.Payload = bytes.Clone(e.Payload)
	}
	if c.TenantID == "" {
		c.TenantID = scope.tenantID
	}
	if c.IntegrationID == "" {
		c.IntegrationID = scope.integrationID
	}
	switch {
	case c.TenantID == "":
		return nil, invalid(field("tenant_id"), "is required")
	case scope.tenantID != "" && c.TenantID != scope.tenantID:
		return nil, invalid(field("tenant_id"), "must be the tenant of the change the event reports")
	case c.ID != "" && !store.ValidID(c.ID):
		return nil, invalid(field("id"), "must be a UUID")
	case c.Type == "":
		return nil, invalid(field("type"), "is required")
	case len(c.Payload) > 0 && !validjson.Valid(c.Payload):
		return nil, invalid(field("payload"), "is not valid JSON")
	case c.Status != "" && !validEventStatus(c.Status):
		return nil, invalid(field("status"), "is not a known event status")
	case c.Attempts < 0:
		return nil, invalid(field("attempts"), "must not be negative")
	}
	if c.IntegrationID != "" {
		c.IntegrationID = normID(c.IntegrationID)
		if t.integration(c.TenantID, c.IntegrationID) == nil {
			return nil, fmt.Errorf("memory: integration %s of events[%d]: %w", c.IntegrationID, i, store.ErrNotFound)
		}
	}
	c.ID = normID(c.ID)
	if c.ID == "" {
		c.ID = store.NewID()
	}
	if c.Status == "" {
		c.Status = store.EventPending
	}
	if c.CreatedAt = storedTime(c.CreatedAt); c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.NextAttemptAt = storedTime(c.NextAttemptAt); c.NextAttemptAt.IsZero() {
		c.NextAttemptAt = now
	}
	c.DeliveredAt = storedTime(c.DeliveredAt)
	return row, nil
}

// storeEvents stores b's fresh events, fills the caller's events in place
// and returns those of the caller's events that were stored (now filled):
// the caller's own objects, as store/postgres returns them, never the
// store's rows.
func (t *tables) storeEvents(b *eventBatch) []*store.Event {
	for i, e := range b.given {
		f := b.filled[i]
		if e.ID == "" {
			e.ID = f.ID
		}
		if e.TenantID == "" {
			e.TenantID = f.TenantID
		}
		if e.IntegrationID == "" {
			e.IntegrationID = f.IntegrationID
		}
		if e.Status == "" {
			e.Status = f.Status
		}
		if e.NextAttemptAt.IsZero() {
			e.NextAttemptAt = f.NextAttemptAt
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = f.CreatedAt
		}
	}
	for _, row := range b.fresh {
		t.addEvent(row)
	}
	if len(b.freshGiven) == 0 {
		return nil
	}
	return b.freshGiven
}
