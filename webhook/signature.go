package webhook

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Limits on what a verifier reads from the headers.
const (
	// MaxIDLength is the longest webhook-id accepted, in bytes.
	MaxIDLength = 256
	// MaxSignatures is the most entries accepted in webhook-signature.
	MaxSignatures = 16
)

// signatureVersion is the version of HMAC-SHA256 signatures.
const signatureVersion = "v1"

// encodedMACLen is the length of a MAC in standard base64.
var encodedMACLen = base64.StdEncoding.EncodedLen(macSize)

// parseSignatures returns the v1 signatures of a webhook-signature value,
// decoded into one slice of 32-byte MACs. Entries of other versions (v1a,
// future ones) are skipped; any entry not of the form "version,payload",
// or a v1 payload that is not base64 of 32 bytes, makes the whole list
// malformed.
func parseSignatures(header string, dst []byte) ([]byte, error) {
	n := 0
	for entry := range strings.FieldsSeq(header) {
		n++
		if n > MaxSignatures {
			return nil, fmt.Errorf("%w: more than %d entries", ErrMalformedSignature, MaxSignatures)
		}
		version, payload, ok := strings.Cut(entry, ",")
		if !ok || version == "" || payload == "" {
			return nil, fmt.Errorf("%w: entry %d is not \"version,signature\"", ErrMalformedSignature, n)
		}
		if version != signatureVersion {
			continue
		}
		if len(payload) != encodedMACLen {
			return nil, fmt.Errorf("%w: entry %d is not a v1 signature", ErrMalformedSignature, n)
		}
		var mac [macSize + 1]byte // DecodedLen of a padded 32-byte value
		if m, err := base64.StdEncoding.Decode(mac[:], []byte(payload)); err != nil || m != macSize {
			return nil, fmt.Errorf("%w: entry %d is not a v1 signature", ErrMalformedSignature, n)
		}
		dst = append(dst, mac[:macSize]...)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no entries", ErrMalformedSignature)
	}
	return dst, nil
}
