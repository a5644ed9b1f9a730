package automated_test

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/automated"
	"github.com/ucsp/integration/internal/mime"
)

// FuzzClassify: no input makes Classify (directly, or through Parse)
// panic, and what it returns is a known kind with valid UTF-8 strings.
func FuzzClassify(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*/*.eml")
	for _, name := range files {
		if raw, err := os.ReadFile(name); err == nil {
			f.Add(raw, []byte("Final-Recipient: rfc822; a@b\nAction: failed\n"), "Hi. This is the qmail-send program at x.\n<a@b>:\n(#5.1.1)")
		}
	}
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\n\n--b--"), []byte{}, "")
	f.Fuzz(func(t *testing.T, raw, ds []byte, text string) {
		check := func(r automated.Result) {
			switch r.Kind {
			case automated.Human, automated.AutoReply, automated.Bounced, automated.ListMail:
			default:
				t.Fatalf("unknown kind %q", r.Kind)
			}
			for _, s := range r.Reasons {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in reason %q", s)
				}
			}
			if r.Bounce != nil {
				for _, rc := range r.Bounce.Recipients {
					if !utf8.ValidString(rc.Address + rc.Diagnostic + rc.Status + rc.Action) {
						t.Fatalf("invalid UTF-8 in recipient %+v", rc)
					}
				}
			}
		}
		if m, err := mime.Parse(raw, mime.ParseOptions{}); err == nil {
			check(m.Automated)
		}
		h := connector.Header{}
		for _, name := range automated.HeaderFields {
			h.Add(name, string(raw))
		}
		check(automated.Classify(automated.Input{Header: h, DeliveryStatus: ds, Text: text}))
		check(automated.Classify(automated.Input{Header: connector.Header{"Content-Type": {"multipart/report; report-type=delivery-status"}}, DeliveryStatus: ds, Text: text}))
	})
}
