package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// SecretPrefix starts the text form of a Standard Webhooks secret.
const SecretPrefix = "whsec_"

// Secret sizes allowed by the Standard Webhooks specification, in bytes.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
)

// generatedSecretBytes is the size of the secrets GenerateSecret returns.
const generatedSecretBytes = 32

// Secret is a Standard Webhooks signing secret: 24 to 64 random bytes.
// Its text form is "whsec_" followed by the bytes in standard base64.
//
// A Secret does not print itself: fmt, slog and encoding/json show
// "whsec_[redacted]" or nothing. Encode returns the text form, to store
// (encrypted) or to show once to whoever configures the other end.
type Secret struct {
	key []byte
}

// ErrInvalidSecret is returned by ParseSecret and SecretFromBytes for a
// secret that is not base64 or not 24 to 64 bytes long.
var ErrInvalidSecret = errors.New("webhook: invalid secret")

// GenerateSecret returns a new secret of 32 random bytes.
func GenerateSecret() Secret {
	key := make([]byte, generatedSecretBytes)
	_, _ = rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	return Secret{key: key}
}

// ParseSecret parses the text form of a secret: "whsec_" and standard
// base64 (padded), or the base64 alone, as some senders show it. The
// error never repeats the text.
func ParseSecret(s string) (Secret, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
	if err != nil {
		return Secret{}, fmt.Errorf("%w: not base64 after %q", ErrInvalidSecret, SecretPrefix)
	}
	return SecretFromBytes(key)
}

// SecretFromBytes returns the secret of key (24 to 64 bytes), copied.
func SecretFromBytes(key []byte) (Secret, error) {
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return Secret{}, fmt.Errorf("%w: %d bytes, want %d to %d", ErrInvalidSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return Secret{key: append([]byte(nil), key...)}, nil
}

// Encode returns the text form of s: "whsec_" + base64. It is the secret
// itself: store it encrypted and never log it.
func (s Secret) Encode() string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(s.key)
}

// IsZero reports whether s is the zero Secret (no key).
func (s Secret) IsZero() bool { return len(s.key) == 0 }

// String returns "whsec_[redacted]", so that printing a Secret never shows
// it.
func (s Secret) String() string { return SecretPrefix + "[redacted]" }

// GoString returns the same as String, for %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue returns the same as String, for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText returns the same as String: a Secret marshalled by mistake
// (encoding/json, YAML) shows no key. Use Encode to serialize it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
