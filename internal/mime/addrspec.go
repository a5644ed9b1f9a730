package mime

import (
	"net/mail"
	"strings"
)

// ValidAddrSpec reports whether s is a bare RFC 5322 addr-spec
// (local@domain, no display name, no angle brackets) of at most 320
// bytes, as net/mail reads one: the check of an address a client gives
// as JSON (a custom source's sender, an expected mailbox).
func ValidAddrSpec(s string) bool {
	if s == "" || len(s) > 320 {
		return false
	}
	if plainAddrSpec(s) {
		return true
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// plainAddrSpec reports whether s is local@domain with both parts ASCII
// dot-atoms (RFC 5322 3.4.1), the form of nearly every address: those
// net/mail takes as they are, without parsing them (which costs a few
// allocations). It says false for any other form, valid or not, which
// ValidAddrSpec leaves to net/mail.
func plainAddrSpec(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && dotAtom(s[:at]) && dotAtom(s[at+1:])
}

// dotAtom reports whether s is atext characters in runs separated by
// single dots, ASCII only (atextASCII less the dot).
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case !atextASCII[c]:
			return false
		}
	}
	return true
}
