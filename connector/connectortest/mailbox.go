package connectortest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// MailboxOptions configures a Mailbox. The zero value is a mailbox that
// accepts any credentials and syncs in batches of 10.
type MailboxOptions struct {
	// BatchSize is the most messages and changes per batch; 0 means 10.
	BatchSize int
	// Password, when set, is the only password Connect's connectors may
	// authenticate with; others get ErrAuth errors.
	Password string
	// Provider is what Connector.Provider returns; "" means "memory".
	Provider string
}

// Mailbox is an in-memory mailbox with a change log: the server side of a
// fake provider. Tests put mail in with Deliver, change it with Delete,
// SetFlags and Reset, and read what its connectors sent with Sent. It is
// safe for concurrent use.
//
// It exists so that code built on connector (a sync pipeline, a server)
// can be tested without a network, and so that connectortest's suite has
// a connector to run against.
type Mailbox struct {
	opts MailboxOptions

	mu        sync.Mutex
	epoch     int64 // changes on Reset, like an IMAP UIDVALIDITY
	log       []entry
	msgs      map[string]*stored // by provider id
	sent      []*stored
	listeners map[chan struct{}]struct{}
	failNext  error
}

type entryKind uint8

const (
	entryDelivered entryKind = iota + 1
	entryDeleted
	entryFlags
)

type entry struct {
	seq        int64
	kind       entryKind
	providerID string
}

type stored struct {
	providerID string
	messageID  string
	threadID   string
	raw        []byte
	flags      []string
	received   time.Time
	deleted    bool
}

// NewMailbox returns an empty mailbox.
func NewMailbox(opts MailboxOptions) *Mailbox {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 10
	}
	if opts.Provider == "" {
		opts.Provider = "memory"
	}
	return &Mailbox{
		opts:      opts,
		epoch:     time.Now().UnixNano(),
		msgs:      make(map[string]*stored),
		listeners: make(map[chan struct{}]struct{}),
	}
}

// Deliver adds raw (an RFC 5322 message) as new inbound mail and returns
// its provider id. Listeners are notified.
func (m *Mailbox) Deliver(raw []byte) (string, error) {
	parsed, err := mime.Parse(raw, mime.ParseOptions{})
	if err != nil {
		return "", fmt.Errorf("connectortest: deliver: %w", err)
	}
	m.mu.Lock()
	seq := int64(len(m.log) + 1)
	id := fmt.Sprintf("m%d", seq)
	thread := parsed.MessageID
	if len(parsed.References) > 0 {
		thread = parsed.References[0]
	} else if len(parsed.InReplyTo) > 0 {
		thread = parsed.InReplyTo[0]
	}
	m.msgs[id] = &stored{providerID: id, messageID: parsed.MessageID, threadID: thread, raw: append([]byte(nil), raw...), received: time.Now().UTC()}
	m.log = append(m.log, entry{seq: seq, kind: entryDelivered, providerID: id})
	m.notifyLocked()
	m.mu.Unlock()
	return id, nil
}

// Delete removes the message with providerID.
func (m *Mailbox) Delete(providerID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.msgs[providerID]
	if !ok || s.deleted {
		return connector.NotFoundError("connectortest: delete", fmt.Errorf("no message %q", providerID))
	}
	s.deleted = true
	m.log = append(m.log, entry{seq: int64(len(m.log) + 1), kind: entryDeleted, providerID: providerID})
	m.notifyLocked()
	return nil
}

// DeleteByMessageID removes the message whose Message-ID is messageID.
func (m *Mailbox) DeleteByMessageID(messageID string) error {
	m.mu.Lock()
	var id string
	for _, s := range m.msgs {
		if s.messageID == messageID && !s.deleted {
			id = s.providerID
		}
	}
	m.mu.Unlock()
	if id == "" {
		return connector.NotFoundError("connectortest: delete", fmt.Errorf("no message <%s>", messageID))
	}
	return m.Delete(id)
}

// SetFlags replaces the flags of the message with providerID.
func (m *Mailbox) SetFlags(providerID string, flags ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.msgs[providerID]
	if !ok || s.deleted {
		return connector.NotFoundError("connectortest: set flags", fmt.Errorf("no message %q", providerID))
	}
	s.flags = append([]string(nil), flags...)
	m.log = append(m.log, entry{seq: int64(len(m.log) + 1), kind: entryFlags, providerID: providerID})
	m.notifyLocked()
	return nil
}

// Reset invalidates every cursor handed out so far, as a changed IMAP
// UIDVALIDITY or an expired Gmail history id does: the next sync from an
// old cursor starts over and says so with a ChangeResync.
func (m *Mailbox) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.epoch++
	m.notifyLocked()
}

// FailNext makes the next Test, Sync or Send of any of the mailbox's
// connectors return err.
func (m *Mailbox) FailNext(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failNext = err
}

// Sent returns the raw messages sent through the mailbox's connectors, in
// order.
func (m *Mailbox) Sent() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([][]byte, len(m.sent))
	for i, s := range m.sent {
		out[i] = append([]byte(nil), s.raw...)
	}
	return out
}

// Len returns the number of messages in the mailbox, deleted ones not
// counted.
func (m *Mailbox) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.msgs {
		if !s.deleted {
			n++
		}
	}
	return n
}

// Connect returns a connector to the mailbox that authenticates with
// creds.
func (m *Mailbox) Connect(creds connector.Credentials) *Conn {
	return &Conn{mb: m, creds: creds}
}

// Factory returns a connector.Factory that connects to this mailbox with
// the config's credentials, for a connector.Registry.
func (m *Mailbox) Factory() connector.Factory {
	return func(_ context.Context, cfg connector.Config) (connector.Connector, error) {
		return m.Connect(cfg.Credentials), nil
	}
}

func (m *Mailbox) takeFailure() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.failNext
	m.failNext = nil
	return err
}

func (m *Mailbox) authorized(creds connector.Credentials) bool {
	if m.opts.Password == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(creds.Password), []byte(m.opts.Password)) == 1
}

func (m *Mailbox) logLen() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.log))
}

func (m *Mailbox) notifyLocked() {
	for ch := range m.listeners {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// The cursor is "mem1:<epoch>:<seq>": the mailbox's epoch and the last log
// entry covered.
func (m *Mailbox) cursor(seq int64) connector.Cursor {
	return connector.Cursor("mem1:" + strconv.FormatInt(m.epoch, 10) + ":" + strconv.FormatInt(seq, 10))
}

var errBadCursor = errors.New("not a cursor of this mailbox")

func parseCursor(c connector.Cursor) (epoch, seq int64, err error) {
	parts := strings.Split(string(c), ":")
	if len(parts) != 3 || parts[0] != "mem1" {
		return 0, 0, errBadCursor
	}
	epoch, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || seq < 0 {
		return 0, 0, errBadCursor
	}
	return epoch, seq, nil
}
