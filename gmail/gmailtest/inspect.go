package gmailtest

import (
	"slices"
	"time"
)

// MessageInfo is a snapshot of one message in a Mailbox.
type MessageInfo struct {
	ID, ThreadID string
	Labels       []string
	// MessageID is the Message-ID header, without brackets.
	MessageID string
	Subject   string
	Raw       []byte
	// InternalDate is when the mailbox received it.
	InternalDate time.Time
	// HistoryID is the id of the last history record that changed it.
	HistoryID uint64
}

func (m *message) info() MessageInfo {
	return MessageInfo{
		ID: m.id, ThreadID: m.threadID, Labels: slices.Clone(m.labels), MessageID: m.messageID,
		Subject: m.subject, Raw: slices.Clone(m.raw), InternalDate: time.UnixMilli(m.internalDate), HistoryID: m.historyID,
	}
}

// Message returns the message id, if it exists and is not deleted.
func (mb *Mailbox) Message(id string) (MessageInfo, bool) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	m := mb.msgs[id]
	if m == nil || m.deleted {
		return MessageInfo{}, false
	}
	return m.info(), true
}

// Messages returns the mailbox's messages, oldest first, deleted ones
// left out.
func (mb *Mailbox) Messages() []MessageInfo {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	var out []MessageInfo
	for _, m := range mb.order {
		if !m.deleted {
			out = append(out, m.info())
		}
	}
	return out
}

// Sent returns the raw messages sent through messages.send, oldest
// first.
func (mb *Mailbox) Sent() [][]byte {
	var out [][]byte
	for _, m := range mb.Messages() {
		if slices.Contains(m.Labels, LabelSent) {
			out = append(out, m.Raw)
		}
	}
	return out
}

// Len returns the number of messages, deleted ones not counted.
func (mb *Mailbox) Len() int {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	n := 0
	for _, m := range mb.order {
		if !m.deleted {
			n++
		}
	}
	return n
}
