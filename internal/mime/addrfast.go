package mime

import (
	"io"
	"mime"
	"strings"

	"github.com/ucsp/integration/connector"
)

// A fast path for address lists. Most lists are a few plain
// "Name <local@domain>" or "local@domain" entries, which net/mail reads
// at the cost of a dozen allocations each. scanAddressList recognises a
// subset of the grammar on which net/mail's AddressParser.ParseList is
// known to succeed, and on which this file computes exactly what it
// returns; anything outside the subset (comments, groups, domain
// literals, quoted local parts, spaces inside an address, non-ASCII
// bytes, dots net/mail rejects, ...) makes it give up, without side
// effects, and the list goes to net/mail as before.
//
// The subset, following net/mail's parser step by step:
//
//	list      = *("," / WSP) item *WSP *(1*("," *WSP) item *WSP) *("," *WSP)
//	item      = addr-spec / [phrase *WSP] "<" addr-spec ">"
//	phrase    = word *(*WSP word)      ; no comments
//	word      = atext-run / quoted-string
//	addr-spec = dot-atom "@" dot-atom  ; no spaces; no leading, trailing or double dots
//
// with ASCII atext and quoted-strings only.
//
// net/mail first tries an addr-spec at the start of every item, so an
// item whose first word is directly followed by "@" is an addr-spec (or
// is given up on); a first word that is not is the start of a phrase.

// addrItem locates one address of a list: the phrase (display name, not
// yet decoded; empty when there is none) and the addr-spec.
type addrItem struct {
	phraseStart, phraseEnd int
	specStart, specEnd     int
}

// atextASCII marks the atext characters of net/mail's dot-atom (dot
// included); bytes >= 0x80 are not accepted here.
var atextASCII = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = true
	}
	for _, c := range `()<>[]:;@\,"` {
		t[c] = false
	}
	return t
}()

// atextEnd returns the end of the run of atext characters at s[i:].
func atextEnd(s string, i int) int {
	for i < len(s) && atextASCII[s[i]] {
		i++
	}
	return i
}

// strictDotAtom reports whether a (non-empty) atext run is a dot-atom
// net/mail accepts in an addr-spec.
func strictDotAtom(a string) bool {
	return a != "" && a[0] != '.' && a[len(a)-1] != '.' && !strings.Contains(a, "..")
}

func skipWSPAt(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// quotedEnd scans the quoted-string at s[i] (a '"') as net/mail's
// consumeQuotedString does, ASCII only. It returns the index after the
// closing quote, whether the content has backslash escapes, and ok false
// when net/mail would fail or the string has non-ASCII bytes.
func quotedEnd(s string, i int) (end int, escaped, ok bool) {
	esc := false
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c >= 0x80:
			return 0, false, false
		case esc:
			if (c < '!' || c > '~') && c != ' ' && c != '\t' {
				return 0, false, false
			}
			esc = false
		case c == '"':
			return j + 1, escaped, true
		case c == '\\':
			esc, escaped = true, true
		case (c < '!' || c > '~') && c != ' ' && c != '\t':
			return 0, false, false
		}
	}
	return 0, false, false // unclosed
}

// scanSpec reads a strict addr-spec at s[i:]. It returns its end, or -1.
func scanSpec(s string, i int) int {
	at := atextEnd(s, i)
	if at == len(s) || s[at] != '@' || !strictDotAtom(s[i:at]) {
		return -1
	}
	end := atextEnd(s, at+1)
	if !strictDotAtom(s[at+1 : end]) {
		return -1
	}
	return end
}

// scanAddressItem reads one item at s[i:] (i at a byte that is neither a
// space nor a comma). ok is false when the item is outside the subset.
func scanAddressItem(s string, i int) (it addrItem, end int, ok bool) {
	switch {
	case s[i] == '<':
		it.phraseStart, it.phraseEnd = i, i
	case s[i] == '"':
		qe, _, qok := quotedEnd(s, i)
		if !qok || (qe < len(s) && s[qe] == '@') {
			return it, 0, false // a quoted local part, or net/mail fails
		}
	default:
		ae := atextEnd(s, i)
		if ae == i {
			return it, 0, false
		}
		if ae < len(s) && s[ae] == '@' {
			// An addr-spec, net/mail's first try.
			se := scanSpec(s, i)
			if se < 0 {
				return it, 0, false
			}
			it.specStart, it.specEnd = i, se
			return it, se, true
		}
	}
	j := i
	if s[i] != '<' {
		// The phrase: words up to the '<'.
		it.phraseStart = i
		for {
			j = skipWSPAt(s, j)
			if j == len(s) {
				return it, 0, false
			}
			if s[j] == '"' {
				qe, _, qok := quotedEnd(s, j)
				if !qok {
					return it, 0, false
				}
				j = qe
				it.phraseEnd = j
				continue
			}
			ae := atextEnd(s, j)
			if ae == j {
				break
			}
			j = ae
			it.phraseEnd = j
		}
		if s[j] != '<' {
			return it, 0, false // a group, a comment, a bare word, ...
		}
	}
	// j is at '<'.
	se := scanSpec(s, j+1)
	if se < 0 || se == len(s) || s[se] != '>' {
		return it, 0, false
	}
	it.specStart, it.specEnd = j+1, se
	return it, se + 1, true
}

// scanAddressList reads s as the subset; it appends its items to items
// and returns them, or ok false.
func scanAddressList(s string, items []addrItem) (_ []addrItem, ok bool) {
	i := 0
	for {
		i = skipWSPAt(s, i)
		if i < len(s) && s[i] == ',' {
			i++
			continue
		}
		if i == len(s) {
			return nil, false // net/mail: no address
		}
		it, end, ok := scanAddressItem(s, i)
		if !ok {
			return nil, false
		}
		items = append(items, it)
		i = skipWSPAt(s, end)
		if i == len(s) {
			return items, true
		}
		if s[i] != ',' {
			return nil, false
		}
		for i < len(s) && s[i] == ',' {
			i = skipWSPAt(s, i+1)
		}
		if i == len(s) {
			return items, true
		}
	}
}

// fastAddressList parses v, an address list, when it is in the subset
// above, to what net/mail's ParseList followed by convertAddresses gives.
func (p *parser) fastAddressList(where, v string) ([]connector.Address, bool) {
	var buf [4]addrItem
	items, ok := scanAddressList(v, buf[:0])
	if !ok {
		return nil, false
	}
	out := p.newAddresses(len(items))
	// As net/mail: every display name is read (its encoded words decoded,
	// in order) before convertAddresses looks at any of them.
	for _, it := range items {
		var name string
		if it.phraseEnd > it.phraseStart {
			var ok bool
			if name, ok = p.phrase(where, v[it.phraseStart:it.phraseEnd]); !ok {
				// net/mail fails here, after decoding the same words
				// (whose problems, if any, it records again: once).
				return nil, false
			}
		}
		out = append(out, connector.Address{Name: name, Email: v[it.specStart:it.specEnd]})
	}
	for i := range out {
		a := &out[i]
		if strings.Contains(a.Name, "=?") { // encoded words inside quotes
			a.Name = p.decodeWords(where, a.Name)
		}
		a.Name = cleanLine(a.Name)
		a.Email = cleanLine(a.Email)
	}
	return out, true
}

// mayBeEncodedWord reports whether mime.WordDecoder.Decode could accept
// w: it returns an error, without calling its CharsetReader, otherwise.
func mayBeEncodedWord(w string) bool {
	return len(w) >= 8 && strings.HasPrefix(w, "=?") && strings.HasSuffix(w, "?=") && strings.Count(w, "?") == 4
}

// phrase computes the display name net/mail's consumePhrase returns for
// s, a phrase scanAddressItem accepted: words joined by one space, a run
// of adjacent encoded words decoded and joined without spaces, quoted
// strings unescaped. ok is false when consumePhrase fails: when all the
// words are encoded words that decode to nothing, it has no word.
func (p *parser) phrase(where, s string) (name string, ok bool) {
	// The common case, plain atoms separated by single spaces, is s
	// itself.
	simple := true
	for i := 0; i < len(s) && simple; i++ {
		switch c := s[i]; {
		case c == '"' || c == '\t':
			simple = false
		case c == ' ':
			simple = i+1 < len(s) && s[i+1] != ' '
		case c == '=' && i+1 < len(s) && s[i+1] == '?' && (i == 0 || s[i-1] == ' '):
			simple = false
		}
	}
	if simple {
		return s, true
	}
	var (
		buf     [4]string
		words   = buf[:0]
		encoded strings.Builder
	)
	for i := 0; ; {
		i = skipWSPAt(s, i)
		if i == len(s) {
			break
		}
		var word string
		isEncoded := false
		if s[i] == '"' {
			end, escaped, _ := quotedEnd(s, i)
			word = s[i+1 : end-1]
			if escaped {
				word = unescapeQuoted(word)
			}
			i = end
		} else {
			end := atextEnd(s, i)
			word = s[i:end]
			i = end
			if mayBeEncodedWord(word) {
				// net/mail decodes with a copy of the decoder whose
				// CharsetReader only notes errors; wordCharset has none.
				dec := mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
					return p.wordCharset(where, cs, r), nil
				}}
				if w, err := dec.Decode(word); err == nil {
					word, isEncoded = w, true
				}
			}
		}
		switch {
		case isEncoded:
			encoded.WriteString(word)
		case encoded.Len() > 0:
			words = append(words, encoded.String(), word)
			encoded.Reset()
		default:
			words = append(words, word)
		}
	}
	if encoded.Len() > 0 {
		words = append(words, encoded.String())
	}
	if len(words) == 0 {
		return "", false
	}
	return strings.Join(words, " "), true
}

// unescapeQuoted removes the backslashes of a quoted-string's content.
func unescapeQuoted(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
