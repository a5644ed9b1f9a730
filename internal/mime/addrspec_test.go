package mime

import (
	"net/mail"
	"strings"
	"testing"
)

// mailAccepts is ValidAddrSpec's answer by net/mail alone.
func mailAccepts(s string) bool {
	if s == "" || len(s) > 320 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

var emailCorpus = []string{
	"ann@example.org", "a@b", "first.last@sub.example.co.uk", "x+tag@example.com", "o'brien@example.ie",
	"!#$%&'*+-/=?^_`{|}~@example.org", "a@-b", "a@b-", "1@2",
	"", "@", "a@", "@b", "a", "a@@b", "a@b@c", ".a@b", "a.@b", "a..b@c", "a@.b", "a@b.", "a@b..c",
	"a b@c", "a@b c", " a@b", "a@b ", "<a@b>", "Ann <a@b>", "a@[127.0.0.1]", `"a b"@c`, `"a"@b`,
	"a(comment)@b", "a@b(comment)", "ä@b", "a@bä", "a@b\r\n", "a\x00@b", "a,b@c", "a;b@c", "a:b@c",
	"a\\b@c", "a[b@c", "a]b@c", "a\"b@c", "a@b.c.", strings.Repeat("a", 310) + "@example.org",
}

// TestValidEmailAgreesWithNetMail: the fast path for plain addresses
// never changes ValidAddrSpec's answer.
func TestValidEmailAgreesWithNetMail(t *testing.T) {
	fast := 0
	for _, s := range emailCorpus {
		if got, want := ValidAddrSpec(s), mailAccepts(s); got != want {
			t.Errorf("ValidAddrSpec(%q) = %v, net/mail says %v", s, got, want)
		}
		if plainAddrSpec(s) {
			fast++
		}
	}
	if fast < 8 {
		t.Errorf("the fast path took %d of the corpus's plain addresses, want at least 8", fast)
	}
}

func FuzzValidEmail(f *testing.F) {
	for _, s := range emailCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) <= 320 && plainAddrSpec(s) && !mailAccepts(s) {
			t.Errorf("plainAddrSpec takes %q, which net/mail refuses", s)
		}
		if got, want := ValidAddrSpec(s), mailAccepts(s); got != want {
			t.Errorf("ValidAddrSpec(%q) = %v, net/mail says %v", s, got, want)
		}
	})
}
