package memory

import (
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// newStoredMessage returns the copy of m that a commit stores as a new
// message with id: without attachment content (which
// connector.Attachment does not serialise and store/postgres therefore
// does not keep either), and compact. Its strings (id included) share
// one allocation, as do its address lists and its string lists, instead
// of one allocation each: the store holds every message for the life of
// the process, and the collector visits each of its objects on every
// cycle, so a message of a dozen objects costs several times the marking
// of one of four. Nothing of m is shared with the copy.
func newStoredMessage(id string, m *connector.Message) *store.Message {
	s := &store.Message{ID: id}
	c := &s.Message
	*c = *m
	c.Headers = m.Headers.Clone()
	c.Automated = m.Automated.Clone()

	carve(&c.From, &c.To, &c.Cc, &c.Bcc, &c.ReplyTo)
	carve(&c.InReplyTo, &c.References, &c.Folders, &c.Labels, &c.Flags, &c.Problems)
	if m.Attachments != nil {
		c.Attachments = make([]connector.Attachment, len(m.Attachments)) // empty, not nil, for an empty list
		for i, a := range m.Attachments {
			a.Content = nil
			c.Attachments[i] = a
		}
	}

	// The strings, now in the copy's own fields, moved into one.
	total := 0
	eachString(s, func(p *string) { total += len(*p) })
	var b strings.Builder
	b.Grow(total)
	eachString(s, func(p *string) { b.WriteString(*p) })
	all, off := b.String(), 0
	eachString(s, func(p *string) {
		if n := len(*p); n > 0 {
			*p, off = all[off:off+n], off+n
		}
	})
	return s
}

// eachString calls f with each string field of s that a commit copies
// from the connector's message, and s's id, in a fixed order (the
// headers excepted, which keep their own allocations).
func eachString(s *store.Message, f func(*string)) {
	c := &s.Message
	for _, p := range []*string{&s.ID, &c.ProviderID, &c.ProviderRef, &c.ThreadID, &c.MessageID, &c.Subject, &c.Text, &c.HTML} {
		f(p)
	}
	for _, l := range [][]connector.Address{c.From, c.To, c.Cc, c.Bcc, c.ReplyTo} {
		for i := range l {
			f(&l[i].Name)
			f(&l[i].Email)
		}
	}
	for _, l := range [][]string{c.InReplyTo, c.References, c.Folders, c.Labels, c.Flags, c.Problems} {
		for i := range l {
			f(&l[i])
		}
	}
	for i := range c.Attachments {
		a := &c.Attachments[i]
		f(&a.ID)
		f(&a.Filename)
		f(&a.ContentType)
		f(&a.ContentID)
	}
}

// carve replaces the lists with copies cut from one new array, each
// capped at its length so that an append to one cannot overwrite the
// next. A nil list stays nil and an empty one empty.
func carve[T any](lists ...*[]T) {
	n := 0
	for _, l := range lists {
		n += len(*l)
	}
	all := make([]T, 0, n) // no allocation when n is 0
	for _, l := range lists {
		switch {
		case *l == nil:
		case len(*l) == 0:
			*l = []T{}
		default:
			start := len(all)
			all = append(all, *l...)
			*l = all[start:len(all):len(all)]
		}
	}
}
