package mime

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// TestParseClassifies: Parse classifies from the top-level header and the
// top-level report's delivery-status part, whatever it keeps of
// attachments; a report inside an attached message does not count;
// ParseHeader classifies on the header alone.
func TestParseClassifies(t *testing.T) {
	t.Parallel()
	ds := "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
	report := "From: MAILER-DAEMON@mx.example.com\r\nReturn-Path: <>\r\nSubject: Undelivered\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n" +
		"--r\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n" +
		"--r\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(ds)) + "\r\n--r--\r\n"

	for _, keep := range []int64{0, -1} {
		m, err := Parse([]byte(report), ParseOptions{MaxAttachmentContent: keep, Headers: []string{}})
		require.NoError(t, err)
		require.Equal(t, connector.AutomatedBounce, m.Automated.Kind, "attachment content kept: %d", keep)
		require.Equal(t, []connector.BounceRecipient{{Address: "gone@example.org", Action: "failed", Status: "5.1.1"}}, m.Automated.Bounce.Recipients)
		require.Empty(t, m.Headers, "the classifier's fields are not added to Headers")
	}

	forward := "From: Kim <kim@example.org>\r\nReturn-Path: <kim@example.org>\r\nSubject: Fwd: Undelivered\r\n" +
		"Content-Type: multipart/mixed; boundary=f\r\n\r\n--f\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n" +
		"--f\r\nContent-Type: message/rfc822\r\n\r\n" + report + "\r\n--f--\r\n"
	m, err := Parse([]byte(forward), ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, connector.AutomatedHuman, m.Automated.Kind, "%q", m.Automated.Reasons)

	// An attached multipart/report is not the message's own report.
	nested := "From: Kim <kim@example.org>\r\nSubject: Look\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n" +
		"--n\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r2\r\n\r\n" +
		"--r2\r\nContent-Type: message/delivery-status\r\n\r\n" + ds + "\r\n--r2--\r\n--n--\r\n"
	m, err = Parse([]byte(nested), ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, connector.AutomatedHuman, m.Automated.Kind)

	h, err := ParseHeader([]byte("From: a@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: =?utf-8?q?Abwesend?=\r\n"), ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, connector.AutomatedAutoReply, h.Automated.Kind)
	require.Equal(t, []string{"Auto-Submitted: auto-replied"}, h.Automated.Reasons)
}
