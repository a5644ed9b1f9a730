package automated_test

import (
	"fmt"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/automated"
)

// A bounce names the recipients it is about; a platform marks the failed
// ones and answers nothing.
func ExampleClassify() {
	h := connector.Header{}
	h.Add("From", "Mail Delivery System <MAILER-DAEMON@mx.example.com>")
	h.Add("Return-Path", "<>")
	h.Add("Content-Type", `multipart/report; report-type=delivery-status; boundary="b"`)
	ds := []byte("Reporting-MTA: dns; mx.example.com\n\n" +
		"Final-Recipient: rfc822; gone@example.org\nAction: failed\nStatus: 5.1.1\n")

	r := automated.Classify(automated.Input{Header: h, DeliveryStatus: ds})
	fmt.Println(r.Kind, r.IsAutomated(), r.Bounce.Failed())
	for _, rc := range r.Bounce.Recipients {
		fmt.Println(rc.Address, rc.Action, rc.Status)
	}
	// Output:
	// bounce true true
	// gone@example.org failed 5.1.1
}

// A person who writes "Automatic reply" in the subject and whose Outlook
// asks not to be auto-answered is still a person; the loop guard honours
// the request.
func ExampleAutoReplySuppressed() {
	h := connector.Header{}
	h.Add("Subject", "Automatic reply: I only ever get your auto replies")
	h.Add("X-Auto-Response-Suppress", "All")

	fmt.Println(automated.Classify(automated.Input{Header: h}).Kind)
	fmt.Println(automated.AutoReplySuppressed(h))
	// Output:
	// human
	// X-Auto-Response-Suppress: All true
}
