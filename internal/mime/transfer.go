package mime

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// Content-Transfer-Encoding decoding (RFC 2045 §6). The decoders are
// lenient and cannot fail: what cannot be decoded is skipped or kept as
// is, and the caller is told so it can record a problem.

type transferEncoding int

const (
	encIdentity transferEncoding = iota // 7bit, 8bit, binary, none
	encBase64
	encQP
	encUnknown // kept as is
)

// parseTransferEncoding reads a Content-Transfer-Encoding value, tolerating
// case, quotes and trailing junk ("Base64;", "\"8bit\"").
func parseTransferEncoding(v string) (transferEncoding, string) {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, "; \t("); i >= 0 {
		v = v[:i]
	}
	v = strings.Trim(v, `"'`)
	switch v {
	case "", "7bit", "8bit", "binary":
		return encIdentity, v
	case "base64":
		return encBase64, v
	case "quoted-printable":
		return encQP, v
	}
	return encUnknown, v
}

// decodeTransfer decodes body. It reports clean == false when it had to
// skip or keep bytes it could not decode. For encIdentity and encUnknown
// the result aliases body.
func decodeTransfer(enc transferEncoding, body []byte) (out []byte, clean bool) {
	switch enc {
	case encBase64:
		return decodeBase64(body)
	case encQP:
		return decodeQP(body)
	case encUnknown:
		return body, false
	}
	return body, true
}

// decodeTransferInto is decodeTransfer decoding base64 and
// quoted-printable into dst's array when it is large enough.
func decodeTransferInto(dst []byte, enc transferEncoding, body []byte) (out []byte, clean bool) {
	switch enc {
	case encBase64:
		return decodeBase64Into(dst, body)
	case encQP:
		return decodeQPInto(dst, body)
	}
	return decodeTransfer(enc, body)
}

// decodedSize returns the size decodeTransfer would return, cheaply for
// base64.
func decodedSize(enc transferEncoding, body []byte) int64 {
	switch enc {
	case encBase64:
		n, _ := base64Chars(body, nil)
		return int64(base64Len(n))
	case encQP:
		out, _ := decodeQP(body)
		return int64(len(out))
	}
	return int64(len(body))
}

// base64Alphabet marks the bytes of the standard base64 alphabet.
var base64Alphabet = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = true
	}
	return t
}()

func decodeBase64(body []byte) ([]byte, bool) {
	return decodeBase64Into(nil, body)
}

// decodeBase64Into is decodeBase64 decoding into dst's array when it is
// large enough.
func decodeBase64Into(dst, body []byte) ([]byte, bool) {
	// Room for a partial last quantum too: Decode writes it before it
	// reports the missing padding.
	if n := len(body)/4*3 + 3; cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = make([]byte, n)
	}
	// Fast path: well-formed base64 with CRLF or LF line breaks.
	if n, err := base64.StdEncoding.Decode(dst, body); err == nil {
		return dst[:n], true
	}
	// Lenient path: keep the alphabet up to the first '=' and skip
	// everything else (spaces, junk, a missing or broken padding).
	chars := make([]byte, 0, len(body))
	n, clean := base64Chars(body, &chars)
	if n%4 == 1 { // a lone trailing character carries no full byte
		chars = chars[:n-1]
		clean = false
	}
	m, err := base64.RawStdEncoding.Decode(dst, chars)
	if err != nil { // cannot happen: chars holds only the alphabet
		return dst[:m], false
	}
	return dst[:m], clean
}

// base64Chars counts (and, if chars is not nil, collects) the base64
// alphabet characters of body up to the first '='. clean is false when
// body has other characters than the alphabet, line breaks, spaces and
// trailing padding.
func base64Chars(body []byte, chars *[]byte) (n int, clean bool) {
	clean = true
	padded := false
	for _, c := range body {
		switch {
		case padded:
			if c != '=' && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = false
			}
		case base64Alphabet[c]:
			n++
			if chars != nil {
				*chars = append(*chars, c)
			}
		case c == '=':
			padded = true
		case c == '\r' || c == '\n' || c == ' ' || c == '\t':
		default:
			clean = false
		}
	}
	if n%4 == 1 {
		clean = false
	}
	return n, clean
}

// base64Len is the number of bytes n base64 characters decode to, a lone
// trailing character being dropped.
func base64Len(n int) int {
	l := n / 4 * 3
	switch n % 4 {
	case 2:
		l++
	case 3:
		l += 2
	}
	return l
}

// decodeQP decodes quoted-printable (RFC 2045 §6.7): "=XX" escapes (either
// case), soft line breaks ("=" at a line end) and trailing whitespace,
// which is dropped. A stray '=' is kept as is and makes clean false. Line
// ends are kept as they are (CRLF or LF).
func decodeQP(body []byte) ([]byte, bool) {
	return decodeQPInto(nil, body)
}

// decodeQPInto is decodeQP decoding into dst's array when it is large
// enough.
func decodeQPInto(dst, body []byte) ([]byte, bool) {
	out := dst[:0]
	if cap(out) < len(body) {
		out = make([]byte, 0, len(body))
	}
	clean := true
	for len(body) > 0 {
		var line, eol []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
			eol = []byte("\n")
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
				eol = []byte("\r\n")
			}
		} else {
			line, body = body, nil
		}
		line = trimRightWSP(line)
		soft := false
		if n := len(line); n > 0 && line[n-1] == '=' {
			line = line[:n-1]
			soft = true
		}
		for len(line) > 0 {
			i := bytes.IndexByte(line, '=')
			if i < 0 {
				out = append(out, line...)
				break
			}
			out = append(out, line[:i]...)
			if i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				line = line[i+3:]
				continue
			}
			out = append(out, '=')
			clean = false
			line = line[i+1:]
		}
		if !soft {
			out = append(out, eol...)
		}
	}
	return out, clean
}

func trimRightWSP(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
