package safehtml_test

import (
	"strings"
	"testing"

	"github.com/ucsp/integration/connector/safehtml"
)

// FuzzSanitize checks that Sanitize never panics, that its output
// sanitises to itself, and that no script element or event handler
// attribute survives.
func FuzzSanitize(f *testing.F) {
	for _, c := range hostile {
		f.Add(c.html)
	}
	f.Add(ordinary)
	f.Add(mixedImages)
	f.Fuzz(func(t *testing.T, in string) {
		for _, opts := range []safehtml.Options{{}, {BlockRemoteImages: true}} {
			once := safehtml.Sanitize(in, opts)
			twice := safehtml.Sanitize(once.HTML, opts)
			if twice.HTML != once.HTML {
				t.Fatalf("not idempotent (%+v):\nin    %q\nonce  %q\ntwice %q", opts, in, once.HTML, twice.HTML)
			}
			if strings.Contains(strings.ToLower(once.HTML), "<script") {
				t.Fatalf("script survived: %q -> %q", in, once.HTML)
			}
		}
	})
}
