package gmailtest

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ucsp/integration/internal/mime"
)

// The Gmail system labels the fake knows about.
const (
	LabelInbox  = "INBOX"
	LabelSent   = "SENT"
	LabelUnread = "UNREAD"
	LabelDraft  = "DRAFT"
	LabelSpam   = "SPAM"
	LabelTrash  = "TRASH"
)

// firstHistoryID is a new mailbox's historyId; real ones are large too.
const firstHistoryID = 4_000_000

// Mailbox is one user's mailbox on a Server: messages with labels and
// threads, a history of changes with Gmail's historyId bookkeeping, and
// a watch. Tests change it with Insert, Delete, Modify and ExpireHistory.
// It is safe for concurrent use.
type Mailbox struct {
	s     *Server
	email string

	mu        sync.Mutex
	seq       uint64 // last message sequence number
	historyID uint64
	minStart  uint64 // history.list with an older startHistoryId is 404
	msgs      map[string]*message
	order     []*message // by seq, deleted ones included
	history   []record
	watch     *WatchInfo
	labels    []*label // see labelsLocked
	labelSeq  int
}

type message struct {
	id, threadID string
	seq          uint64
	raw          []byte
	labels       []string
	internalDate int64 // ms
	historyID    uint64
	messageID    string
	subject      string
	refs         []string // In-Reply-To and References
	snippet      string
	deleted      bool
}

type recordKind uint8

const (
	recAdded recordKind = iota + 1
	recDeleted
	recLabelsAdded
	recLabelsRemoved
)

// historyTypeNames are history.list's historyTypes values.
var historyTypeNames = map[recordKind]string{
	recAdded: "messageAdded", recDeleted: "messageDeleted",
	recLabelsAdded: "labelAdded", recLabelsRemoved: "labelRemoved",
}

type record struct {
	id     uint64
	kind   recordKind
	msg    wireMessage // id, threadId and labels at the time
	labels []string    // the labels added or removed
}

// AddUser creates the mailbox of email (or returns the existing one).
func (s *Server) AddUser(email string) *Mailbox {
	key := normUser(email)
	s.mu.Lock()
	defer s.mu.Unlock()
	if mb := s.users[key]; mb != nil {
		return mb
	}
	mb := &Mailbox{s: s, email: key, historyID: firstHistoryID, minStart: firstHistoryID, msgs: make(map[string]*message)}
	s.users[key] = mb
	return mb
}

// Mailbox returns the mailbox of email, or nil.
func (s *Server) Mailbox(email string) *Mailbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[normUser(email)]
}

func normUser(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func sameUser(a, b string) bool { return normUser(a) == normUser(b) }

// Email returns the mailbox's address.
func (mb *Mailbox) Email() string { return mb.email }

// HistoryID returns the mailbox's current historyId.
func (mb *Mailbox) HistoryID() uint64 {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.historyID
}

// nextHistoryIDLocked advances the historyId by a gap of 1 to 4: Gmail's
// ids increase but are not contiguous.
func (mb *Mailbox) nextHistoryIDLocked() uint64 {
	mb.historyID += 1 + mb.historyID%4
	return mb.historyID
}

// Insert puts raw (an RFC 5322 message) into the mailbox as received
// mail, as messages.insert does, with labels (none means INBOX and
// UNREAD), and returns its id. It joins the thread of a message it
// answers (In-Reply-To or References naming it, same subject once
// "Re:"/"Fwd:" prefixes are removed), like Gmail's threading.
func (mb *Mailbox) Insert(raw []byte, labels ...string) (string, error) {
	if len(labels) == 0 {
		labels = []string{LabelInbox, LabelUnread}
	}
	m, err := newMessage(raw)
	if err != nil {
		return "", err
	}
	m.labels = normLabels(labels)
	mb.mu.Lock()
	mb.ensureLabelsLocked(m.labels)
	m.threadID = mb.threadOfLocked(m)
	pushes := mb.addLocked(m)
	mb.mu.Unlock()
	mb.s.push(pushes)
	return m.id, nil
}

func newMessage(raw []byte) (*message, error) {
	p, err := mime.Parse(raw, mime.ParseOptions{MaxAttachmentContent: -1, Headers: []string{}})
	if err != nil {
		return nil, fmt.Errorf("gmailtest: %w", err)
	}
	return &message{
		raw:       slices.Clone(raw),
		messageID: p.MessageID,
		subject:   p.Subject,
		refs:      append(slices.Clone(p.InReplyTo), p.References...),
		snippet:   snippet(p.Text),
	}, nil
}

// threadOfLocked finds the thread m belongs to by Gmail's rules, or
// returns "" for a new one.
func (mb *Mailbox) threadOfLocked(m *message) string {
	if len(m.refs) == 0 {
		return ""
	}
	for _, o := range slices.Backward(mb.order) {
		if !o.deleted && o.messageID != "" && slices.Contains(m.refs, o.messageID) && sameSubject(o.subject, m.subject) {
			return o.threadID
		}
	}
	return ""
}

// addLocked stores m, assigning its id (and thread id when it has
// none), and records a messageAdded.
func (mb *Mailbox) addLocked(m *message) []Push {
	mb.seq++
	m.seq = mb.seq
	m.id = fmt.Sprintf("%016x", 0x19a0000000000000+mb.seq*7)
	if m.threadID == "" {
		m.threadID = m.id
	}
	m.internalDate = mb.s.opts.Now().UnixMilli()
	if n := len(mb.order); n > 0 && m.internalDate <= mb.order[n-1].internalDate {
		m.internalDate = mb.order[n-1].internalDate + 1
	}
	mb.msgs[m.id] = m
	mb.order = append(mb.order, m)
	return mb.recordLocked(recAdded, m, nil)
}

// recordLocked appends a history record for m and returns the push
// notifications it causes.
func (mb *Mailbox) recordLocked(kind recordKind, m *message, labels []string) []Push {
	id := mb.nextHistoryIDLocked()
	m.historyID = id
	snap := wireMessage{ID: m.id, ThreadID: m.threadID}
	if kind != recDeleted {
		snap.LabelIDs = slices.Clone(m.labels)
	}
	mb.history = append(mb.history, record{id: id, kind: kind, msg: snap, labels: slices.Clone(labels)})
	return mb.pushesLocked(m, labels)
}

// Delete removes the message id for good, as messages.delete does.
func (mb *Mailbox) Delete(id string) error {
	mb.mu.Lock()
	m := mb.msgs[id]
	if m == nil || m.deleted {
		mb.mu.Unlock()
		return fmt.Errorf("gmailtest: no message %q", id)
	}
	m.deleted = true
	pushes := mb.recordLocked(recDeleted, m, nil)
	mb.mu.Unlock()
	mb.s.push(pushes)
	return nil
}

// DeleteByMessageID removes the message whose Message-ID header is
// messageID (without brackets).
func (mb *Mailbox) DeleteByMessageID(messageID string) error {
	id, ok := mb.IDByMessageID(messageID)
	if !ok {
		return fmt.Errorf("gmailtest: no message <%s>", messageID)
	}
	return mb.Delete(id)
}

// IDByMessageID returns the id of the newest message whose Message-ID
// header is messageID (without brackets).
func (mb *Mailbox) IDByMessageID(messageID string) (string, bool) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	for _, m := range slices.Backward(mb.order) {
		if !m.deleted && m.messageID == messageID {
			return m.id, true
		}
	}
	return "", false
}

// Modify adds and removes labels of the message id, as messages.modify
// does (trashing is adding TRASH), recording labelAdded and labelRemoved
// history.
func (mb *Mailbox) Modify(id string, add, remove []string) error {
	mb.mu.Lock()
	m := mb.msgs[id]
	if m == nil || m.deleted {
		mb.mu.Unlock()
		return fmt.Errorf("gmailtest: no message %q", id)
	}
	mb.ensureLabelsLocked(normLabels(add))
	pushes := mb.modifyLocked(m, add, remove)
	mb.mu.Unlock()
	mb.s.push(pushes)
	return nil
}

// modifyLocked adds and removes labels of m (a label in both is added),
// recording a labelAdded and a labelRemoved history record when
// something changed, and returns the pushes they cause.
func (mb *Mailbox) modifyLocked(m *message, add, remove []string) []Push {
	var added, removed []string
	for _, l := range normLabels(add) {
		if !slices.Contains(m.labels, l) {
			added = append(added, l)
		}
	}
	for _, l := range normLabels(remove) {
		if slices.Contains(m.labels, l) && !slices.Contains(added, l) {
			removed = append(removed, l)
		}
	}
	var pushes []Push
	if len(added) > 0 {
		m.labels = normLabels(append(m.labels, added...))
		pushes = append(pushes, mb.recordLocked(recLabelsAdded, m, added)...)
	}
	if len(removed) > 0 {
		m.labels = slices.DeleteFunc(m.labels, func(l string) bool { return slices.Contains(removed, l) })
		pushes = append(pushes, mb.recordLocked(recLabelsRemoved, m, removed)...)
	}
	return pushes
}

// ExpireHistory forgets the mailbox's history, as Gmail does after about
// a week: history.list from any historyId issued so far answers 404.
func (mb *Mailbox) ExpireHistory() {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.history = nil
	mb.minStart = mb.nextHistoryIDLocked()
}
