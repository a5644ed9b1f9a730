package memory

import (
	"slices"
	"time"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/secrets"
)

// tables is everything a Store holds, guarded by Store.mu. The structs it
// points to are owned by the store: nothing outside the package ever sees
// them, only copies.
type tables struct {
	// integrations holds every integration by id, with what hangs off it.
	integrations map[string]*integrationRow
	// tenantIntegrations lists each tenant's integration ids, sorted.
	tenantIntegrations map[string][]string

	outbox map[string]*outboxRow
	// outboxKeys finds an outbox entry by tenant and idempotency key.
	outboxKeys map[outboxKey]*outboxRow
	// pendingOutbox totals each tenant's pending outbox entries.
	pendingOutbox map[string]store.OutboxUsage

	events map[string]*eventRow
	// tenantEvents lists each tenant's events in the order they were
	// stored.
	tenantEvents map[string][]*eventRow
	// pendingEvents holds the events ClaimEvents looks at.
	pendingEvents map[string]*eventRow
	// eventSeq numbers events in the order they are stored.
	eventSeq int64

	// oauthStates holds pending OAuth states by the hex SHA-256 of the
	// state.
	oauthStates map[string]*oauthRow

	// subscriptions holds each integration's push subscription by
	// integration id.
	subscriptions map[string]*subscriptionRow
	// subscriptionIDs finds a subscription by provider and ID (those
	// with an ID only).
	subscriptionIDs map[subscriptionKey]*subscriptionRow
	// subscriptionAddresses lists, by provider and address, the ids of
	// the integrations whose subscriptions have that address, sorted
	// (those with an address only).
	subscriptionAddresses map[subscriptionKey][]string
}

func newTables() *tables {
	return &tables{
		integrations:       map[string]*integrationRow{},
		tenantIntegrations: map[string][]string{},
		outbox:             map[string]*outboxRow{},
		outboxKeys:         map[outboxKey]*outboxRow{},
		pendingOutbox:      map[string]store.OutboxUsage{},
		events:             map[string]*eventRow{},
		tenantEvents:       map[string][]*eventRow{},
		pendingEvents:      map[string]*eventRow{},
		oauthStates:        map[string]*oauthRow{},

		subscriptions:         map[string]*subscriptionRow{},
		subscriptionIDs:       map[subscriptionKey]*subscriptionRow{},
		subscriptionAddresses: map[subscriptionKey][]string{},
	}
}

// integrationRow is an integration and everything stored for it.
type integrationRow struct {
	in    store.Integration
	creds secrets.Sealed
	sync  store.SyncState
	msgs  messageTable
	// update is held by UpdateIntegration while its fn runs, and by
	// CommitSync while it records LastSyncAt.
	update rowLock
	// commit is held by CommitSync from its version check to its end.
	commit rowLock
}

// messageTable holds one integration's messages. A stored message is
// never changed in place: CommitSync replaces it with a changed copy.
type messageTable struct {
	byID       map[string]*store.Message
	byProvider map[string]*store.Message
	// byRef finds the message that holds a provider ref (one at most:
	// CommitSync takes a ref from its holder when it gives it to another).
	byRef map[string]*store.Message
	// ids lists the message ids, sorted.
	ids []string
}

// put stores msg, a new message (isNew) or a changed copy of a stored
// one. The messages of one commit may be put in any order: when msg
// leaves a ref, the index forgets it only if msg still holds it there.
func (m *messageTable) put(msg *store.Message, isNew bool) {
	if m.byID == nil {
		m.byID = map[string]*store.Message{}
		m.byProvider = map[string]*store.Message{}
		m.byRef = map[string]*store.Message{}
	}
	if isNew {
		m.ids = insertSorted(m.ids, msg.ID)
	} else if old := m.byID[msg.ID]; old != nil && old.ProviderRef != "" && old.ProviderRef != msg.ProviderRef {
		r := old.ProviderRef
		if h := m.byRef[r]; h != nil && h.ID == msg.ID {
			delete(m.byRef, r)
		}
	}
	if old := m.byID[msg.ID]; !isNew && old != nil && old.ProviderID != msg.ProviderID {
		if h := m.byProvider[old.ProviderID]; h != nil && h.ID == msg.ID {
			delete(m.byProvider, old.ProviderID) // a move: the old id names nothing now
		}
	}
	m.byID[msg.ID] = msg
	m.byProvider[msg.ProviderID] = msg
	if msg.ProviderRef != "" {
		m.byRef[msg.ProviderRef] = msg
	}
}

type outboxKey struct{ tenantID, key string }

type outboxRow struct {
	entry  store.OutboxEntry
	update rowLock
}

type eventRow struct {
	seq int64
	ev  store.Event
	// lockedUntil ends the lease of the ClaimEvents call that returned the
	// event last; zero when not claimed.
	lockedUntil time.Time
}

// oauthRow is a pending OAuth state without the state itself.
type oauthRow struct {
	tenantID      string
	integrationID string
	provider      string
	verifier      secrets.Sealed
	redirectURI   string
	data          []byte
	expiresAt     time.Time
	createdAt     time.Time
}

// subscriptionRow is a push subscription with its client state sealed:
// sub.ClientState is always "". A row is replaced, never changed in
// place, so that it can be read after the store's lock is released.
type subscriptionRow struct {
	sub         store.Subscription
	clientState secrets.Sealed
}

// subscriptionKey is a provider and a subscription ID or address.
type subscriptionKey struct{ provider, value string }

// integration returns the tenant's integration id, or nil.
func (t *tables) integration(tenantID, id string) *integrationRow {
	row := t.integrations[normID(id)]
	if row == nil || row.in.TenantID != tenantID {
		return nil
	}
	return row
}

// current reports whether row is still stored: a row deleted while a
// caller waited for its lock is not.
func (t *tables) current(row *integrationRow) bool {
	return t.integrations[row.in.ID] == row
}

func (t *tables) addEvent(row *eventRow) {
	t.eventSeq++
	row.seq = t.eventSeq
	t.events[row.ev.ID] = row
	t.tenantEvents[row.ev.TenantID] = append(t.tenantEvents[row.ev.TenantID], row)
	t.indexEvent(row)
}

// indexEvent keeps pendingEvents in step with the event's status.
func (t *tables) indexEvent(row *eventRow) {
	if row.ev.Status == store.EventPending {
		t.pendingEvents[row.ev.ID] = row
	} else {
		delete(t.pendingEvents, row.ev.ID)
	}
}

// insertSorted inserts id into the sorted ids, unless it is there.
func insertSorted(ids []string, id string) []string {
	if n := len(ids); n == 0 || ids[n-1] < id {
		return append(ids, id)
	}
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

// removeSorted removes id from the sorted ids.
func removeSorted(ids []string, id string) []string {
	if i, found := slices.BinarySearch(ids, id); found {
		return slices.Delete(ids, i, i+1)
	}
	return ids
}
