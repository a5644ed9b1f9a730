package memory

import (
	"bytes"
	"slices"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// The clone functions return deep copies: no slice, map or pointer of the
// copy is shared with the original.

func cloneIntegration(in *store.Integration) *store.Integration {
	c := *in
	c.Config = bytes.Clone(in.Config)
	return &c
}

func cloneMessage(m *store.Message) *store.Message {
	c := *m
	c.Message = cloneConnectorMessage(&m.Message)
	return &c
}

func cloneConnectorMessage(m *connector.Message) connector.Message {
	c := *m
	c.InReplyTo = slices.Clone(m.InReplyTo)
	c.References = slices.Clone(m.References)
	c.From = slices.Clone(m.From)
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.Bcc = slices.Clone(m.Bcc)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.Attachments = slices.Clone(m.Attachments)
	for i := range c.Attachments {
		c.Attachments[i].Content = bytes.Clone(c.Attachments[i].Content)
	}
	c.Folders = slices.Clone(m.Folders)
	c.Labels = slices.Clone(m.Labels)
	c.Flags = slices.Clone(m.Flags)
	c.Headers = cloneHeader(m.Headers)
	c.Problems = slices.Clone(m.Problems)
	return c
}

// storedConnectorMessage copies m as a store keeps it: without attachment
// content, which connector.Attachment does not serialise and store/postgres
// therefore does not keep either.
func storedConnectorMessage(m *connector.Message) connector.Message {
	c := cloneConnectorMessage(m)
	for i := range c.Attachments {
		c.Attachments[i].Content = nil
	}
	return c
}

func cloneHeader(h connector.Header) connector.Header {
	if h == nil {
		return nil
	}
	c := make(connector.Header, len(h))
	for k, v := range h {
		c[k] = slices.Clone(v)
	}
	return c
}

func cloneOutbox(e *store.OutboxEntry) *store.OutboxEntry {
	c := *e
	c.Message = cloneOutbound(&e.Message)
	if e.Result != nil {
		r := *e.Result
		c.Result = &r
	}
	return &c
}

func cloneOutbound(m *connector.OutboundMessage) connector.OutboundMessage {
	c := *m
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.Bcc = slices.Clone(m.Bcc)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.Attachments = slices.Clone(m.Attachments)
	for i := range c.Attachments {
		c.Attachments[i].Content = bytes.Clone(c.Attachments[i].Content)
	}
	c.References = slices.Clone(m.References)
	c.Headers = cloneHeader(m.Headers)
	return c
}

func cloneEvent(e *store.Event) *store.Event {
	c := *e
	c.Payload = bytes.Clone(e.Payload)
	return &c
}

// sameSet reports whether a and b hold the same strings, in any order:
// flags, labels and folders are sets, and a provider listing them in
// another order has not changed them.
func sameSet(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	as, bs := slices.Clone(a), slices.Clone(b)
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(slices.Compact(as), slices.Compact(bs))
}
