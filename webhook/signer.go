package webhook

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signer signs outgoing Standard Webhooks requests with HMAC-SHA256. It is
// safe for concurrent use.
type Signer struct {
	keys []*macKey
}

// NewSigner returns a Signer that signs with every one of secrets: during
// a rotation, sign with the new secret and the old one, so that receivers
// that know either accept the request.
func NewSigner(secrets ...Secret) (*Signer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("webhook: NewSigner: no secrets")
	}
	s := &Signer{}
	for i, sec := range secrets {
		if sec.IsZero() {
			return nil, fmt.Errorf("webhook: NewSigner: secret %d is the zero Secret", i)
		}
		s.keys = append(s.keys, newMACKey(sec))
	}
	return s, nil
}

// ErrInvalidID is returned by Signer for an id that is empty, longer than
// MaxIDLength, or holds a character other than printable ASCII, or a ".".
// Ids with a "." would make "id.timestamp.body" ambiguous.
var ErrInvalidID = errors.New("webhook: invalid webhook-id")

// Signature returns the webhook-signature value for a delivery: one
// "v1,<base64>" per secret, space-separated. id is the event's stable id
// (the same on every retry); at is the time of this attempt.
func (s *Signer) Signature(id string, at time.Time, body []byte) (string, error) {
	if err := checkID(id); err != nil {
		return "", err
	}
	return s.signature(id, strconv.FormatInt(at.Unix(), 10), body), nil
}

// Sign returns the three Standard Webhooks headers of a delivery: id,
// at as Unix seconds, and the signatures. Copy them into the request:
//
//	h, err := signer.Sign(eventID, time.Now(), body)
//	...
//	for k, v := range h {
//		req.Header[k] = v
//	}
func (s *Signer) Sign(id string, at time.Time, body []byte) (http.Header, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	return http.Header{
		canonicalID:        {id},
		canonicalTimestamp: {ts},
		canonicalSignature: {s.signature(id, ts, body)},
	}, nil
}

func (s *Signer) signature(id, ts string, body []byte) string {
	var b strings.Builder
	b.Grow(len(s.keys) * (len(signatureVersion) + 2 + encodedMACLen))
	var mac [macSize]byte
	var enc [44]byte // encodedMACLen
	for i, k := range s.keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(signatureVersion)
		b.WriteByte(',')
		base64.StdEncoding.Encode(enc[:], k.sum(mac[:0], id, ts, body))
		b.Write(enc[:])
	}
	return b.String()
}

func checkID(id string) error {
	if id == "" || len(id) > MaxIDLength {
		return fmt.Errorf("%w: %d bytes, want 1 to %d", ErrInvalidID, len(id), MaxIDLength)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '.' {
			return fmt.Errorf("%w: byte %d is not printable ASCII other than \".\"", ErrInvalidID, i)
		}
	}
	return nil
}
