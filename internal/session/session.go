// Package session keeps the server-side sign-in sessions of a page a
// person signs in to (the reference server's dashboard): a random id
// that the browser holds in a cookie, a CSRF token per session derived
// from that id, an absolute and an idle expiry, and a Store that every
// replica of a deployment shares (RedisStore) or one process keeps
// (MemoryStore). Only a hash of each id is stored, so that what is at
// rest opens no session; with Options.Secret that hash is keyed, so
// that changing the secret ends every session.
//
// It is not an authenticator: how one signs in, and what a session lets
// its holder do, are the caller's.
package session

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Store keeps sessions by key (a hash of their id, never the id). Times
// are the Manager's clock.
type Store interface {
	// Put stores a new session under key that lasts until idle, and
	// until end at most however often it is touched (idle <= end).
	Put(ctx context.Context, key string, now, end, idle time.Time) error
	// Touch reports whether key is a session that has reached neither
	// its end nor its idle time at now; if so its idle time becomes
	// idle (at most its end), otherwise it is forgotten.
	Touch(ctx context.Context, key string, now, idle time.Time) (bool, error)
	// Delete forgets key; forgetting an unknown key is no error.
	Delete(ctx context.Context, key string) error
}

// ErrNoSession is returned for an id that is not a live session:
// malformed, unknown, expired or deleted.
var ErrNoSession = errors.New("session: no such session")

// Options configures a Manager. The zero value means the defaults.
type Options struct {
	// TTL is how long a session lasts after it is created, however
	// often it is used (default 12 h).
	TTL time.Duration
	// Idle is how long a session lasts after it was last used (default
	// 1 h, and at most TTL).
	Idle time.Duration
	// Secret, if set, binds the sessions to it: they are stored under
	// an HMAC of their id keyed with it, so a Manager with another
	// Secret finds none of them (changing a sign-in credential that is
	// the Secret ends every session made with the old one). Empty means
	// a plain SHA-256 of the id.
	Secret []byte
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Manager creates, finds and deletes sessions in a Store.
type Manager struct {
	store     Store
	ttl, idle time.Duration
	secret    []byte
	now       func() time.Time
}

// NewManager returns a Manager of sessions kept in store.
func NewManager(store Store, opts Options) (*Manager, error) {
	if store == nil {
		return nil, errors.New("session: NewManager needs a Store, got nil")
	}
	if opts.TTL < 0 || opts.Idle < 0 {
		return nil, fmt.Errorf("session: Options.TTL and Options.Idle must not be negative, got %v and %v", opts.TTL, opts.Idle)
	}
	m := &Manager{store: store, ttl: opts.TTL, idle: opts.Idle, secret: bytes.Clone(opts.Secret), now: opts.Now}
	if m.ttl == 0 {
		m.ttl = 12 * time.Hour
	}
	if m.idle == 0 {
		m.idle = time.Hour
	}
	m.idle = min(m.idle, m.ttl)
	if m.now == nil {
		m.now = time.Now
	}
	return m, nil
}

// TTL is how long a session lasts at most.
func (m *Manager) TTL() time.Duration { return m.ttl }

// Session is a live session.
type Session struct {
	// ID is the session's secret, for the browser to hold (256 random
	// bits, base64url): whoever holds it holds the session.
	ID string
	// CSRF is the session's anti-forgery token, for its forms: derived
	// from ID, the same for every request of the session, another for
	// every other session.
	CSRF string
}

// CheckCSRF reports, in constant time, whether token is s's CSRF token.
func (s *Session) CheckCSRF(token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// idBytes is the size of a session id before encoding.
const idBytes = 32

// Create starts a new session.
func (m *Manager) Create(ctx context.Context) (*Session, error) {
	var b [idBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	now := m.now()
	if err := m.store.Put(ctx, m.storeKey(id), now, now.Add(m.ttl), now.Add(m.idle)); err != nil {
		return nil, fmt.Errorf("session: create: %w", err)
	}
	return newSession(id), nil
}

// Get returns the live session of id and counts this as a use (its idle
// time starts again), or ErrNoSession.
func (m *Manager) Get(ctx context.Context, id string) (*Session, error) {
	if !wellFormed(id) {
		return nil, ErrNoSession
	}
	now := m.now()
	ok, err := m.store.Touch(ctx, m.storeKey(id), now, now.Add(m.idle))
	switch {
	case err != nil:
		return nil, fmt.Errorf("session: get: %w", err)
	case !ok:
		return nil, ErrNoSession
	}
	return newSession(id), nil
}

// Delete ends the session of id, if there is one.
func (m *Manager) Delete(ctx context.Context, id string) error {
	if !wellFormed(id) {
		return nil
	}
	if err := m.store.Delete(ctx, m.storeKey(id)); err != nil {
		return fmt.Errorf("session: delete: %w", err)
	}
	return nil
}

func newSession(id string) *Session {
	mac := hmac.New(sha256.New, []byte(id))
	mac.Write([]byte("session csrf"))
	return &Session{ID: id, CSRF: base64.RawURLEncoding.EncodeToString(mac.Sum(nil))}
}

// storeKey is what a session is stored under: the HMAC-SHA256 of its
// id keyed with the Secret, or its SHA-256 without one.
func (m *Manager) storeKey(id string) string {
	if len(m.secret) == 0 {
		sum := sha256.Sum256([]byte(id))
		return hex.EncodeToString(sum[:])
	}
	mac := hmac.New(sha256.New, m.secret)
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil))
}

// wellFormed reports whether id could be a session id.
func wellFormed(id string) bool {
	if len(id) != base64.RawURLEncoding.EncodedLen(idBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil
}
