package gmailtest

import (
	"fmt"
	"slices"
	"strings"
)

// systemLabels are Gmail's system labels in the order labels.list gives
// them.
var systemLabels = []string{
	"CHAT", LabelSent, LabelInbox, "IMPORTANT", LabelTrash, LabelDraft, LabelSpam,
	"CATEGORY_FORUMS", "CATEGORY_UPDATES", "CATEGORY_PERSONAL", "CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL",
	"STARRED", LabelUnread,
}

// fixedLabels are the system labels a client cannot add or remove: Gmail
// sets them itself.
var fixedLabels = []string{LabelSent, LabelDraft, "CHAT"}

// label is one label of a mailbox.
type label struct {
	id, name string
	system   bool
}

// labelsLocked returns the mailbox's labels, system ones first, creating
// them on first use.
func (mb *Mailbox) labelsLocked() []*label {
	if mb.labels == nil {
		for _, id := range systemLabels {
			mb.labels = append(mb.labels, &label{id: id, name: id, system: true})
		}
	}
	return mb.labels
}

func (mb *Mailbox) labelLocked(id string) *label {
	for _, l := range mb.labelsLocked() {
		if l.id == id {
			return l
		}
	}
	return nil
}

// ensureLabelsLocked creates the user labels of ids the mailbox lacks,
// named after their ids, so that messages a test inserts with any label
// list it.
func (mb *Mailbox) ensureLabelsLocked(ids []string) {
	for _, id := range ids {
		if mb.labelLocked(id) == nil {
			mb.labels = append(mb.labels, &label{id: id, name: id})
		}
	}
}

// CreateLabel creates a user label named name, as labels.create does,
// and returns its id ("Label_1", "Label_2", ...). A name in use returns
// the existing label's id.
func (mb *Mailbox) CreateLabel(name string) string {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	for _, l := range mb.labelsLocked() {
		if strings.EqualFold(l.name, name) {
			return l.id
		}
	}
	for {
		mb.labelSeq++
		id := fmt.Sprintf("Label_%d", mb.labelSeq)
		if mb.labelLocked(id) == nil {
			mb.labels = append(mb.labels, &label{id: id, name: name})
			return id
		}
	}
}

// LabelNames returns the mailbox's labels: name by id.
func (mb *Mailbox) LabelNames() map[string]string {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := map[string]string{}
	for _, l := range mb.labelsLocked() {
		out[l.id] = l.name
	}
	return out
}

// wire renders l for labels.list, or with counted for labels.get with
// its message and thread counts.
func (l *label) wire(mb *Mailbox, counted bool) wireLabel {
	w := wireLabel{ID: l.id, Name: l.name, Type: "user"}
	if l.system {
		w.Type = "system"
		if slices.Contains([]string{LabelInbox, LabelSent, LabelDraft, LabelTrash, LabelSpam, "STARRED", "IMPORTANT", "CHAT"}, l.id) {
			w.MessageListVisibility, w.LabelListVisibility = "hide", "labelHide"
			if l.id == LabelInbox || l.id == LabelSent || l.id == LabelDraft {
				w.MessageListVisibility, w.LabelListVisibility = "", ""
			}
		}
	} else {
		w.MessageListVisibility, w.LabelListVisibility = "show", "labelShow"
	}
	if !counted {
		return w
	}
	total, unread := 0, 0
	threads, unreadThreads := map[string]bool{}, map[string]bool{}
	for _, m := range mb.order {
		if m.deleted || !slices.Contains(m.labels, l.id) {
			continue
		}
		total++
		threads[m.threadID] = true
		if slices.Contains(m.labels, LabelUnread) {
			unread++
			unreadThreads[m.threadID] = true
		}
	}
	nt, nu := len(threads), len(unreadThreads)
	w.MessagesTotal, w.MessagesUnread, w.ThreadsTotal, w.ThreadsUnread = &total, &unread, &nt, &nu
	return w
}
