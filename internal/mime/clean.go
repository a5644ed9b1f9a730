package mime

import "github.com/ucsp/integration/connector"

// Sanitize makes a message that did not come through Parse (a custom
// source's JSON, say) as clean as Parse makes one, in place: display
// names, addresses, the subject, the threading ids and the attachments'
// metadata become single lines without control characters (line breaks
// and tabs become spaces, surrounding spaces go, as for a header);
// attachment file names lose any directory part (C:\Users\x\a.pdf,
// ../a.pdf); the bodies lose NUL bytes and their CRLF line ends become
// LF; every string is valid UTF-8. ProviderID and ThreadID, which
// identify the message and its thread, are left as they are.
func Sanitize(m *connector.Message) {
	cleanHeaderFields(m, cleanLine, cleanFilename)
	m.Text, _ = cleanBody(m.Text)
	m.HTML, _ = cleanBody(m.HTML)
}
