// Package secrets seals small secrets (OAuth tokens, passwords, webhook
// secrets, PKCE verifiers) with AES-256-GCM before they are stored, and
// opens them again.
//
// # Keys and rotation
//
// A [Keyring] holds one or more 32-byte keys, each with an id. The first
// key is the current one: [Keyring.Seal] always uses it. [Keyring.Open]
// uses whichever key sealed the value, found by the key id kept beside the
// ciphertext in [Sealed]. To rotate, put a new key first and keep the old
// ones until every value sealed with them has been sealed again
// ([Sealed.Stale] tells which).
//
// A keyring is usually read from configuration with [ParseKeyring]:
//
//	ring, err := secrets.ParseKeyring(os.Getenv("ENCRYPTION_KEYS"))
//
// # Binding
//
// Seal and Open take additional data that is authenticated but not
// stored, such as "credentials:" + the row's id. A ciphertext copied to
// another row then fails to open, instead of handing one tenant another's
// secret.
//
// This package is not a key-management system: keys come from the
// operator's configuration.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// Errors from Open.
var (
	// ErrUnknownKey: the value was sealed with a key the keyring does not
	// hold.
	ErrUnknownKey = errors.New("secrets: sealed with an unknown key")
	// ErrOpen: the ciphertext is corrupt, or its additional data does not
	// match.
	ErrOpen = errors.New("secrets: cannot open sealed value")
)

// Sealed is a sealed value: the id of the key that sealed it and the
// nonce followed by the ciphertext and tag.
type Sealed struct {
	KeyID      string
	Ciphertext []byte
}

// IsZero reports whether s holds nothing.
func (s Sealed) IsZero() bool { return s.KeyID == "" && len(s.Ciphertext) == 0 }

// Stale reports whether s was sealed with a key other than ring's current
// one, and so should be sealed again.
func (s Sealed) Stale(ring *Keyring) bool { return s.KeyID != ring.current }

// String describes s without its ciphertext.
func (s Sealed) String() string {
	return fmt.Sprintf("secrets.Sealed{key=%s, %d bytes}", s.KeyID, len(s.Ciphertext))
}

// Key is one AES-256 key with its id.
type Key struct {
	id   string
	aead cipher.AEAD
}

// NewKey returns a key with the given id and 32 bytes of key material. An
// id is 1 to 64 characters of letters, digits, '-', '_' and '.'.
func NewKey(id string, material []byte) (Key, error) {
	if !validKeyID(id) {
		return Key{}, fmt.Errorf("secrets: key id %q: use 1 to 64 letters, digits, '-', '_' or '.'", id)
	}
	if len(material) != KeySize {
		return Key{}, fmt.Errorf("secrets: key %q: need %d bytes of key material, got %d", id, KeySize, len(material))
	}
	block, err := aes.NewCipher(material)
	if err != nil {
		return Key{}, fmt.Errorf("secrets: key %q: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("secrets: key %q: %w", id, err)
	}
	return Key{id: id, aead: aead}, nil
}

// ID returns the key's id.
func (k Key) ID() string { return k.id }

// String returns the key's id only.
func (k Key) String() string { return "secrets.Key{" + k.id + "}" }

// GoString is String, so that %#v shows no key material either.
func (k Key) GoString() string { return k.String() }

// Keyring is a set of keys, the first of which seals. It is safe for
// concurrent use.
type Keyring struct {
	current string
	keys    map[string]Key
	ids     []string
}

// NewKeyring returns a keyring of keys; keys[0] is the current key. Ids
// must be unique.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secrets: a keyring needs at least one key")
	}
	r := &Keyring{current: keys[0].id, keys: make(map[string]Key, len(keys))}
	for _, k := range keys {
		if k.aead == nil {
			return nil, errors.New("secrets: a key was not made by NewKey")
		}
		if _, dup := r.keys[k.id]; dup {
			return nil, fmt.Errorf("secrets: key id %q appears twice", k.id)
		}
		r.keys[k.id] = k
		r.ids = append(r.ids, k.id)
	}
	return r, nil
}

// ParseKeyring reads a keyring from text of the form
// "id1:BASE64KEY,id2:BASE64KEY", the current key first. Each key is 32
// bytes in standard or URL-safe base64, padded or not (`openssl rand
// -base64 32` makes one). Errors name the key id, never the key.
func ParseKeyring(s string) (*Keyring, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("secrets: empty keyring: want id:base64key[,id:base64key...]")
	}
	var keys []Key
	for i, item := range strings.Split(s, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok {
			return nil, fmt.Errorf("secrets: keyring entry %d: want id:base64key", i+1)
		}
		material, err := decodeBase64(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("secrets: key %q: not base64", id)
		}
		k, err := NewKey(strings.TrimSpace(id), material)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return NewKeyring(keys...)
}

// GenerateKeyring returns a keyring holding one random key, for embedded
// mode and tests: what it seals cannot be opened after the process ends.
func GenerateKeyring() (*Keyring, error) {
	material := make([]byte, KeySize)
	if _, err := rand.Read(material); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	k, err := NewKey("ephemeral-"+hex.EncodeToString(material[:4]), material)
	if err != nil {
		return nil, err
	}
	return NewKeyring(k)
}

// CurrentKeyID returns the id of the key that seals.
func (r *Keyring) CurrentKeyID() string { return r.current }

// KeyIDs returns the ids of every key, the current one first.
func (r *Keyring) KeyIDs() []string { return append([]string(nil), r.ids...) }

// Seal encrypts plaintext with the current key, authenticating aad with
// it.
func (r *Keyring) Seal(plaintext, aad []byte) (Sealed, error) {
	k := r.keys[r.current]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return Sealed{}, fmt.Errorf("secrets: %w", err)
	}
	return Sealed{KeyID: k.id, Ciphertext: k.aead.Seal(nonce, nonce, plaintext, aad)}, nil
}

// Open decrypts s with the key that sealed it and checks aad. It returns
// ErrUnknownKey or ErrOpen when it cannot.
func (r *Keyring) Open(s Sealed, aad []byte) ([]byte, error) {
	k, ok := r.keys[s.KeyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, s.KeyID)
	}
	n := k.aead.NonceSize()
	if len(s.Ciphertext) < n+k.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := k.aead.Open(nil, s.Ciphertext[:n], s.Ciphertext[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func validKeyID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
