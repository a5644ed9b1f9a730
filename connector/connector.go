package connector

import "context"

// Connector is one mailbox at one provider: it checks that it can reach the
// mailbox, pulls what changed since a cursor, and sends mail.
//
// Implementations are safe for concurrent use by multiple goroutines unless
// their documentation says otherwise. A Connector that holds network
// connections also implements io.Closer; callers close it when done.
type Connector interface {
	Tester
	Syncer
	Sender

	// Provider returns the provider name the connector was registered
	// under, such as "imap", "gmail" or "outlook".
	Provider() string
}

// Tester checks credentials and connectivity.
type Tester interface {
	// Test connects, authenticates and checks that the configured mailbox
	// is usable, without changing anything. A nil error means a Sync and a
	// Send would be able to start. Errors carry a Kind (ErrAuth for
	// rejected credentials, ErrTemporary for network trouble, ...).
	Test(ctx context.Context) error
}

// Syncer pulls changes incrementally.
type Syncer interface {
	// Sync pulls every change since cursor (the zero Cursor means "from
	// the beginning") and hands it to fn in batches, in order, each batch
	// carrying the cursor that covers it and every batch before it.
	//
	// The caller commits a batch and its cursor together (one transaction)
	// before fn returns; Sync never reuses a cursor it handed out until fn
	// has returned for that batch. If fn returns an error, Sync stops and
	// returns that error (wrapped or not, errors.Is finds it); resuming from
	// the last committed cursor neither skips nor repeats a committed batch.
	//
	// Sync calls fn at least once when the cursor changed, even with an
	// empty batch, so that the caller can store the new cursor. A connector
	// that finds cursor unusable (expired history, a changed UIDVALIDITY)
	// starts over and says so with a ChangeResync change in the first batch
	// of the new pass.
	Sync(ctx context.Context, cursor Cursor, fn BatchFunc) error
}

// Sender sends outbound mail.
type Sender interface {
	// Send delivers msg. msg.MessageID must be set by the caller and is
	// kept as the RFC 5322 Message-ID so that a retried send can be
	// recognised (see SentFinder). Send validates msg first and returns an
	// ErrPermanent error for a message that can never be sent.
	Send(ctx context.Context, msg *OutboundMessage) (*SendResult, error)
}

// BatchFunc receives one batch of a Sync. It owns b once called.
type BatchFunc func(ctx context.Context, b *Batch) error
