package postgres

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// messageBatch is a SyncCommit's messages, checked, cleaned and
// deduplicated.
type messageBatch struct {
	// msgs are the distinct messages in the order their provider ids
	// first appear; byProviderID indexes them. Each has the ref it holds
	// once the batch is applied.
	msgs         []connector.Message
	byProviderID map[string]int
	// refs are the refs the batch gives, sorted, and holders the provider
	// id of the message that ends up holding each ("" for none): every
	// other message that holds one of refs loses it.
	refs, holders []string
}

// newMessageBatch checks and cleans msgs and folds repeats of a provider
// id into one message, as upserting them one after the other would: the
// first occurrence's content with the last one's thread, flags, labels,
// folders and ref. A ref that a later message was given keeps only that
// one.
func newMessageBatch(msgs []*connector.Message) (*messageBatch, error) {
	b := &messageBatch{byProviderID: make(map[string]int, len(msgs))}
	for i, m := range msgs {
		if err := checkMessage(i, m); err != nil {
			return nil, err
		}
		c := cleanMessage(m)
		if j, seen := b.byProviderID[m.ProviderID]; seen {
			first := &b.msgs[j]
			first.ThreadID, first.Flags, first.Labels, first.Folders = c.ThreadID, c.Flags, c.Labels, c.Folders
			first.ProviderRef = c.ProviderRef
			continue
		}
		b.byProviderID[m.ProviderID] = len(b.msgs)
		b.msgs = append(b.msgs, c)
	}
	holders := refHolders(msgs)
	if len(holders) == 0 {
		return b, nil
	}
	for i := range b.msgs {
		if m := &b.msgs[i]; m.ProviderRef != "" && holders[m.ProviderRef] != m.ProviderID {
			m.ProviderRef = ""
		}
	}
	b.refs = slices.Sorted(maps.Keys(holders))
	b.holders = make([]string, len(b.refs))
	for i, r := range b.refs {
		b.holders[i] = holders[r]
	}
	return b, nil
}

// refHolders says where msgs leave each provider ref they give, as
// upserting them one after the other would: the ref maps to the provider
// id of the last message given with it, or to "" when that message was
// given again with another ref.
func refHolders(msgs []*connector.Message) map[string]string {
	if !slices.ContainsFunc(msgs, func(m *connector.Message) bool { return m.ProviderRef != "" }) {
		return nil
	}
	holders := make(map[string]string)
	current := make(map[string]string) // provider id → its latest ref
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

// checkMessage refuses what cleaning cannot mend: a missing or
// unstorable provider id, an unstorable ref (cleaning a key could merge
// two messages), and times JSON cannot hold.
func checkMessage(i int, m *connector.Message) error {
	field := func(name string) string { return fmt.Sprintf("messages[%d]%s", i, name) }
	switch {
	case m == nil:
		return store.Invalid(field(""), "is nil")
	case m.ProviderID == "":
		return store.Invalid(field(".provider_id"), "is required")
	case !storable(m.ProviderID):
		return store.Invalid(field(".provider_id"), badText)
	case !storable(m.ProviderRef):
		return store.Invalid(field(".provider_ref"), badText)
	case !jsonYear(m.Date):
		return store.Invalid(field(".date"), "must be within the years 0 to 9999")
	case !jsonYear(m.ReceivedAt):
		return store.Invalid(field(".received_at"), "must be within the years 0 to 9999")
	}
	return nil
}

// jsonYear reports whether encoding/json can encode t.
func jsonYear(t time.Time) bool { return t.Year() >= 0 && t.Year() <= 9999 }

// providerIDs returns the provider ids of b's messages.
func (b *messageBatch) providerIDs() []string {
	ids := make([]string, len(b.msgs))
	for i := range b.msgs {
		ids[i] = b.msgs[i].ProviderID
	}
	return ids
}

// messageCopyColumns are the columns COPY writes, in the order of the
// values copyRows makes.
var messageCopyColumns = []string{
	"integration_id", "id", "provider_id", "provider_ref", "thread_id", "message_id", "subject", "from_email",
	"sent_at", "received_at", "flags", "labels", "folders", "body_text", "body_html", "data",
	"automated", "created_at", "updated_at",
}

// copyRows returns a source for COPY of the messages b.msgs[i] for i in
// which, each given a new id, recorded in ids (one per entry of which).
// Ids travel as pgtype.UUID: a uuid.UUID would go through its
// driver.Valuer, as text, several times slower.
func (b *messageBatch) copyRows(integrationID pgtype.UUID, t time.Time, which []int, ids []pgtype.UUID) pgx.CopyFromSource {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	return pgx.CopyFromSlice(len(which), func(j int) ([]any, error) {
		m := &b.msgs[which[j]]
		ids[j] = pgtype.UUID{Bytes: uuid.Must(uuid.NewV7()), Valid: true}
		fromEmail := ""
		if len(m.From) > 0 {
			fromEmail = strings.ToLower(m.From[0].Email)
		}
		// buf is reused: pgx encodes a row before it asks for the next.
		buf.Reset()
		if err := enc.Encode(messageData(m)); err != nil {
			return nil, fmt.Errorf("encode message %d: %w", which[j], err) // checkMessage rules this out
		}
		var automated []byte // NULL: not classified
		if !m.Automated.IsZero() {
			var err error
			if automated, err = json.Marshal(m.Automated); err != nil {
				return nil, fmt.Errorf("encode message %d: %w", which[j], err)
			}
		}
		return []any{
			integrationID, ids[j], m.ProviderID, m.ProviderRef, m.ThreadID, m.MessageID, m.Subject, fromEmail,
			nullTime(m.Date), nullTime(m.ReceivedAt), notNil(m.Flags), notNil(m.Labels), notNil(m.Folders),
			m.Text, m.HTML, bytes.TrimRight(buf.Bytes(), "\n"), automated, t, t,
		}, nil
	})
}

// notNil stores a nil list as an empty array, not NULL.
func notNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// knownRows are the columns of updateMessagesSQL's unnest: the state
// of a known message that a sync may change.
type knownRows struct {
	providerIDs, providerRefs, threadIDs, flags, labels, folders []string
}

// knownRows returns the mutable columns of the messages b.msgs[i] for i
// in which.
func (b *messageBatch) knownRows(which []int) *knownRows {
	n := len(which)
	r := &knownRows{
		providerIDs: make([]string, n), providerRefs: make([]string, n), threadIDs: make([]string, n),
		flags: make([]string, n), labels: make([]string, n), folders: make([]string, n),
	}
	for j, i := range which {
		m := &b.msgs[i]
		r.providerIDs[j], r.providerRefs[j], r.threadIDs[j] = m.ProviderID, m.ProviderRef, m.ThreadID
		r.flags[j], r.labels[j], r.folders[j] = textArray(m.Flags), textArray(m.Labels), textArray(m.Folders)
	}
	return r
}

// messageData is what the data column keeps of m: all but the fields
// that have columns of their own, which hold them exactly.
func messageData(m *connector.Message) *connector.Message {
	d := *m
	d.ProviderID, d.ProviderRef, d.ThreadID, d.MessageID, d.Subject = "", "", "", "", ""
	d.Flags, d.Labels, d.Folders = nil, nil, nil
	d.Text, d.HTML = "", ""
	d.Automated = connector.Automated{}
	return &d
}

// changeSet is a SyncCommit's changes, ready for the bulk updates.
type changeSet struct {
	// deleted are the provider ids to mark deleted, deletedRefs the refs
	// of the changes that name a message by ref only; deletedIn and
	// deletedRefsIn the folders the changes are scoped to, index by index
	// ("" for none). Each pair is distinct.
	deleted, deletedRefs     []string
	deletedIn, deletedRefsIn []string
	// flagged are the flag changes in the order given, each the last of
	// those naming its message the same way: by provider id, or by ref
	// when the id is empty ("" in the other). flags and labels hold the
	// new sets as array literals.
	flagged                          []connector.Change
	flagIDs, flagRefs, flags, labels []string
	// moves are the ChangeMoved changes in the order given, vanished the
	// refs of the ChangeVanished ones.
	moves    []connector.Change
	vanished []string
	resync   bool
}

// lookupKeys returns the provider ids and refs of stored messages the
// changes may touch, for readStates.
func (cs *changeSet) lookupKeys() (ids, refs []string) {
	ids = append(ids, cs.deleted...)
	ids = append(ids, cs.flagIDs...)
	for _, m := range cs.moves {
		ids = append(ids, m.ProviderID)
	}
	refs = append(refs, cs.deletedRefs...)
	refs = append(refs, cs.flagRefs...)
	return ids, refs
}

// newChangeSet sorts changes by kind. A provider id or ref no stored
// message can have (text PostgreSQL cannot hold) is ignored, as unknown
// ones are, and so is a change that names neither.
func newChangeSet(changes []connector.Change) (*changeSet, error) {
	cs := &changeSet{}
	type key struct{ id, ref, folder string }
	keyOf := func(ch connector.Change) (key, bool) {
		switch {
		case ch.ProviderID != "":
			return key{id: ch.ProviderID}, storable(ch.ProviderID)
		case ch.ProviderRef != "":
			return key{ref: ch.ProviderRef}, storable(ch.ProviderRef)
		}
		return key{}, false
	}
	deleted := make(map[key]bool)
	lastFlags := make(map[key]int) // the index of the last flag change of each key
	for i, ch := range changes {
		switch ch.Kind {
		case connector.ChangeResync:
			cs.resync = true
		case connector.ChangeMoved:
			if ch.ProviderID == "" || ch.Target == "" {
				return nil, store.Invalid(fmt.Sprintf("changes[%d].target", i), "and provider_id are required")
			}
			if storable(ch.ProviderID) && storable(ch.Target) {
				cs.moves = append(cs.moves, ch)
			}
		case connector.ChangeVanished:
			if ch.ProviderRef == "" {
				return nil, store.Invalid(fmt.Sprintf("changes[%d].provider_ref", i), "is required")
			}
			if storable(ch.ProviderRef) {
				cs.vanished = append(cs.vanished, ch.ProviderRef)
			}
		case connector.ChangeDeleted:
			k, ok := keyOf(ch)
			k.folder = cleanText(ch.Folder)
			if ok && !deleted[k] {
				deleted[k] = true
				if k.id != "" {
					cs.deleted, cs.deletedIn = append(cs.deleted, k.id), append(cs.deletedIn, k.folder)
				} else {
					cs.deletedRefs, cs.deletedRefsIn = append(cs.deletedRefs, k.ref), append(cs.deletedRefsIn, k.folder)
				}
			}
		case connector.ChangeFlags:
			if k, ok := keyOf(ch); ok {
				lastFlags[k] = i
			}
		default:
			return nil, store.Invalid(fmt.Sprintf("changes[%d].kind", i), fmt.Sprintf("%d is not a change kind", ch.Kind))
		}
	}
	for i, ch := range changes {
		if ch.Kind != connector.ChangeFlags {
			continue
		}
		if k, ok := keyOf(ch); !ok || lastFlags[k] != i {
			continue
		}
		if ch.ProviderID != "" {
			ch.ProviderRef = "" // the id wins
		}
		ch.Flags, ch.Labels = cleanTexts(ch.Flags), cleanTexts(ch.Labels)
		cs.flagged = append(cs.flagged, ch)
		cs.flagIDs = append(cs.flagIDs, ch.ProviderID)
		cs.flagRefs = append(cs.flagRefs, ch.ProviderRef)
		cs.flags = append(cs.flags, textArray(ch.Flags))
		cs.labels = append(cs.labels, textArray(ch.Labels))
	}
	return cs, nil
}
