package connector

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// NewMessageID returns a new, globally unique RFC 5322 Message-ID
// (without angle brackets) for a message sent from domain: a timestamp
// and 80 random bits, then "@" and the domain. domain may be an email
// address, whose domain part is used; an empty or unusable domain gives
// "localhost". Set OutboundMessage.MessageID to it before the first
// send attempt and keep it across retries, so that a retry is
// recognisable as the same message (connector.SentFinder).
func NewMessageID(domain string) string {
	if at := strings.LastIndexByte(domain, '@'); at >= 0 {
		domain = domain[at+1:]
	}
	domain = strings.Trim(strings.TrimSpace(domain), ".")
	if domain == "" || !validMessageID("x@"+domain) {
		domain = "localhost"
	}
	var b [18]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMicro()))
	_, _ = rand.Read(b[8:]) // crypto/rand.Read never fails (Go 1.24+)
	return idEncoding.EncodeToString(b[:]) + "@" + domain
}
