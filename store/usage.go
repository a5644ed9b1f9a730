package store

import "github.com/ucsp/integration/connector"

// OutboxUsage is what a tenant's pending outbox entries (OutboxPending)
// hold: how many, and their MessageSize together. A service bounds it
// per tenant so that one tenant cannot pile up sends.
type OutboxUsage struct {
	Entries int64 `json:"entries"`
	Bytes   int64 `json:"bytes"`
}

// MessageSize is what an outbox entry counts for in OutboxUsage.Bytes:
// the bytes of its subject, bodies and attachments' content, before any
// encoding (a lower bound of the size it is sent at).
func MessageSize(m *connector.OutboundMessage) int64 {
	n := int64(len(m.Subject) + len(m.Text) + len(m.HTML))
	for _, a := range m.Attachments {
		n += int64(len(a.Content))
	}
	return n
}
