package connector

import (
	"context"
	"io"
	"time"
)

// The optional abilities of a connector. Discover them with a type
// assertion:
//
//	if w, ok := c.(connector.Watcher); ok { ... }

// Watcher registers push notifications at the provider (Gmail users.watch,
// Graph subscriptions). Registrations expire; callers renew them before
// Subscription.Expiry by calling Watch again with the current Subscription.
type Watcher interface {
	// Watch creates a push registration, or renews req.Current when it is
	// set. The returned Subscription replaces any earlier one.
	Watch(ctx context.Context, req WatchRequest) (*Subscription, error)
	// Unwatch removes a registration. Removing one that no longer exists
	// is not an error.
	Unwatch(ctx context.Context, sub *Subscription) error
}

// WatchRequest says where a provider should push notifications.
type WatchRequest struct {
	// NotificationURL receives change notifications (Graph); Topic is the
	// Pub/Sub topic (Gmail). A connector uses what its provider needs.
	NotificationURL string
	// LifecycleURL receives Graph lifecycle notifications.
	LifecycleURL string
	Topic        string
	// ClientState is a secret the provider echoes in every notification
	// (Graph), checked by the receiver.
	ClientState string
	// Current is the registration to renew, or nil to create one.
	Current *Subscription
}

// Subscription is a push registration at a provider.
type Subscription struct {
	// ID is the provider's id for the registration (Graph subscription
	// id); empty when the provider has none (Gmail).
	ID string `json:"id,omitempty"`
	// Resource is what is watched (a Graph resource path, a Gmail label
	// set).
	Resource string `json:"resource,omitempty"`
	// Expiry is when the provider stops pushing unless renewed.
	Expiry time.Time `json:"expiry"`
	// Cursor is a position the provider returned with the registration
	// (Gmail's historyId), if any.
	Cursor Cursor `json:"cursor,omitempty"`
}

// Listener reports changes in real time over a held connection (IMAP
// IDLE).
type Listener interface {
	// Listen blocks until ctx is done or the connection fails for good,
	// calling notify (from one goroutine, without blocking the connection)
	// each time the mailbox may have changed. The caller then syncs.
	// Listen reconnects after transient failures by itself; it returns
	// ctx.Err() when cancelled, or an error whose kind says why it gave up
	// (ErrAuth, ErrPermanent).
	Listen(ctx context.Context, notify func(Notification)) error
}

// Notification is a hint from a Listener that something changed.
type Notification struct {
	// Folder is where the change happened, if known.
	Folder string
	// At is when the notification was received.
	At time.Time
}

// ThreadFetcher returns the messages of a provider thread.
type ThreadFetcher interface {
	// Thread returns the messages of thread id, oldest first.
	Thread(ctx context.Context, threadID string) ([]*Message, error)
}

// AttachmentFetcher reads the content of an attachment that a Message
// described but did not carry.
type AttachmentFetcher interface {
	// FetchAttachment opens the decoded content of attachment
	// attachmentID of the message providerID. The caller closes it.
	FetchAttachment(ctx context.Context, providerID, attachmentID string) (io.ReadCloser, error)
}

// SentFinder looks for a message in the place the provider keeps sent
// mail (an IMAP Sent folder, Gmail rfc822msgid:, Graph internetMessageId).
// A sender that retries after an unknown outcome asks it first, so that a
// message that went out is not sent twice.
type SentFinder interface {
	// FindSent looks for a sent message with the given Message-ID (without
	// brackets). It returns the message's SendResult, or an ErrNotFound
	// error when there is none.
	FindSent(ctx context.Context, messageID string) (*SendResult, error)
}
