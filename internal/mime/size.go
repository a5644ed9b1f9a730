package mime

import "github.com/ucsp/integration/connector"

// MinSize is a lower bound of the size, in bytes, that m renders to
// (Build, Render): its subject and bodies as they are (encoding never
// shrinks them) and its attachments base64-encoded in lines of 76
// characters, as the builder writes them; headers and MIME structure
// are not counted. A message whose MinSize is above a provider's limit
// can never be sent there: a service refuses it before accepting it.
// It does not render the message.
func MinSize(m *connector.OutboundMessage) int64 {
	n := int64(len(m.Subject) + len(m.Text) + len(m.HTML))
	for _, a := range m.Attachments {
		b := 4 * ((int64(len(a.Content)) + 2) / 3)
		n += b + 2*(b/76)
	}
	return n
}
