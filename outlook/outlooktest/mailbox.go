package outlooktest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// The well-known folder names the server knows; a folder is addressed by
// its well-known name (any case) or its id.
const (
	Inbox        = "inbox"
	SentItems    = "sentitems"
	Drafts       = "drafts"
	DeletedItems = "deleteditems"
	JunkEmail    = "junkemail"
	Archive      = "archive"
)

var wellKnown = []string{Inbox, SentItems, Drafts, DeletedItems, JunkEmail, Archive}

// Mailbox is one user's mail: folders, messages and a change log that
// delta queries replay. Tests change it behind the client's back with
// Insert, Delete, Move, SetRead and ExpireDeltaTokens. It shares its
// Server's lock.
type Mailbox struct {
	s     *Server
	email string
	id    string // the user's object id

	epoch int64 // ExpireDeltaTokens bumps it
	log   []change
	msgs  map[string]*message // by immutable id
	next  int
	sent  [][]byte

	folders    []*folder // user folders; see folders.go
	nextFolder int
	removed    []string // well-known folders the mailbox lacks
}

// change is one entry of the change log: something happened to message
// id as seen from folder.
type change struct {
	folder, id string
}

type message struct {
	id, folder     string
	raw            []byte
	parsed         *connector.Message
	conversationID string
	received       time.Time
	modified       time.Time
	read, flagged  bool
	draft          bool
	categories     []string
	importance     string
	changeKey      int
	deleted        bool
}

// AddUser returns the mailbox of email, creating it if needed.
func (s *Server) AddUser(email string) *Mailbox {
	key := strings.ToLower(strings.TrimSpace(email))
	s.mu.Lock()
	defer s.mu.Unlock()
	if mb := s.users[key]; mb != nil {
		return mb
	}
	sum := sha256.Sum256([]byte(key))
	mb := &Mailbox{s: s, email: key, id: fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]), epoch: 1, msgs: map[string]*message{}}
	s.users[key] = mb
	return mb
}

// Mailbox returns the mailbox of email, or nil.
func (s *Server) Mailbox(email string) *Mailbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[strings.ToLower(strings.TrimSpace(email))]
}

// Email returns the mailbox's address.
func (mb *Mailbox) Email() string { return mb.email }

// FolderID returns the id of the folder with well-known name (inbox,
// sentitems, ...), or "" when the server has no such folder.
func FolderID(name string) string {
	name = strings.ToLower(name)
	if !slices.Contains(wellKnown, name) {
		return ""
	}
	return "AQMkADAwATM0MDAAMS1" + base64.RawURLEncoding.EncodeToString([]byte(name))
}

// resolveFolder maps a well-known name or a folder id to the folder id.
func resolveFolder(ref string) (string, bool) {
	ref = strings.Trim(ref, "'")
	if id := FolderID(ref); id != "" {
		return id, true
	}
	for _, n := range wellKnown {
		if FolderID(n) == ref {
			return ref, true
		}
	}
	return "", false
}

// Insert puts raw (an RFC 5322 message) into folder (a well-known name
// or id; "" means inbox) as new mail and returns its immutable id.
func (mb *Mailbox) Insert(raw []byte, folder string) (string, error) {
	if folder == "" {
		folder = Inbox
	}
	fid, ok := mb.resolve(folder)
	if !ok {
		return "", fmt.Errorf("outlooktest: no folder %q", folder)
	}
	parsed, err := mime.Parse(raw, mime.ParseOptions{MaxAttachmentContent: -1})
	if err != nil {
		return "", fmt.Errorf("outlooktest: insert: %w", err)
	}
	s := mb.s
	s.mu.Lock()
	defer s.mu.Unlock()
	mb.next++
	now := s.opts.Now().UTC().Truncate(time.Second)
	m := &message{
		id:     fmt.Sprintf("AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A%08d", mb.next),
		folder: fid, raw: append([]byte(nil), raw...), parsed: parsed,
		conversationID: conversationID(parsed), received: now, modified: now, changeKey: 1,
		read: fid == FolderID(SentItems), draft: fid == FolderID(Drafts),
	}
	mb.msgs[m.id] = m
	mb.recordLocked(fid, m, "created")
	return m.id, nil
}

// conversationID derives a Graph-like conversationId from the thread's
// root Message-ID.
func conversationID(p *connector.Message) string {
	root := p.MessageID
	if len(p.References) > 0 {
		root = p.References[0]
	} else if len(p.InReplyTo) > 0 {
		root = p.InReplyTo[0]
	}
	sum := sha256.Sum256([]byte(root))
	return "AAQkADAwATM0MDAAMS1" + base64.RawURLEncoding.EncodeToString(sum[:12])
}

// recordLocked appends a change and notifies subscriptions.
func (mb *Mailbox) recordLocked(folder string, m *message, changeType string) {
	mb.log = append(mb.log, change{folder: folder, id: m.id})
	mb.s.notifyLocked(mb, folder, m.id, changeType)
}

func (mb *Mailbox) liveLocked(id string) (*message, error) {
	m := mb.msgs[id]
	if m == nil || m.deleted {
		return nil, fmt.Errorf("outlooktest: no message %q", id)
	}
	return m, nil
}

// Delete removes message id (hard delete): delta queries report it
// @removed.
func (mb *Mailbox) Delete(id string) error {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	m, err := mb.liveLocked(id)
	if err != nil {
		return err
	}
	m.deleted = true
	mb.recordLocked(m.folder, m, "deleted")
	return nil
}

// DeleteByMessageID removes the message whose internetMessageId is
// messageID (without brackets).
func (mb *Mailbox) DeleteByMessageID(messageID string) error {
	id, ok := mb.IDByMessageID(messageID)
	if !ok {
		return fmt.Errorf("outlooktest: no message <%s>", messageID)
	}
	return mb.Delete(id)
}

// IDByMessageID returns the id of the live message whose
// internetMessageId is messageID (without brackets).
func (mb *Mailbox) IDByMessageID(messageID string) (string, bool) {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	for _, m := range mb.msgs {
		if !m.deleted && m.parsed.MessageID == messageID {
			return m.id, true
		}
	}
	return "", false
}

// Move moves message id to folder. Its immutable id stays; delta queries
// report it @removed from the old folder and new in the other.
func (mb *Mailbox) Move(id, folder string) error {
	fid, ok := mb.resolve(folder)
	if !ok {
		return fmt.Errorf("outlooktest: no folder %q", folder)
	}
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	m, err := mb.liveLocked(id)
	if err != nil {
		return err
	}
	old := m.folder
	m.folder = fid
	m.changeKey++
	mb.recordLocked(old, m, "deleted")
	mb.recordLocked(fid, m, "created")
	return nil
}

// SetRead marks message id read or unread: delta queries report it
// again.
func (mb *Mailbox) SetRead(id string, read bool) error {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	m, err := mb.liveLocked(id)
	if err != nil {
		return err
	}
	m.read = read
	m.changeKey++
	m.modified = mb.s.opts.Now().UTC().Truncate(time.Second)
	mb.recordLocked(m.folder, m, "updated")
	return nil
}

// ExpireDeltaTokens makes every delta and skip token handed out so far
// answer 410 Gone with code syncStateNotFound, as Graph does for a
// token it lost or that expired.
func (mb *Mailbox) ExpireDeltaTokens() {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	mb.epoch++
}

// Sent returns the MIME of every message sent from the mailbox
// (sendMail and reply), oldest first.
func (mb *Mailbox) Sent() [][]byte {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	out := make([][]byte, len(mb.sent))
	for i, r := range mb.sent {
		out[i] = append([]byte(nil), r...)
	}
	return out
}

// Len returns the number of live messages in folder ("" means every
// folder).
func (mb *Mailbox) Len(folder string) int {
	fid, _ := mb.resolve(folder)
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	n := 0
	for _, m := range mb.msgs {
		if !m.deleted && (folder == "" || m.folder == fid) {
			n++
		}
	}
	return n
}
