package connectortest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/ucsp/integration/connector"
)

// Env is one isolated mailbox for the suite: a connector to it and the
// means to change it behind the connector's back.
type Env struct {
	// Connector is the connector under test. Required.
	Connector connector.Connector
	// Deliver puts raw (an RFC 5322 message) into the mailbox as new
	// inbound mail: an IMAP APPEND, a fake Gmail's insert. Required.
	Deliver func(ctx context.Context, raw []byte) error
	// BatchSize is the most messages the connector puts in one batch, as
	// configured for the test. The suite delivers more than that to see a
	// sync span several batches. 0 means 10.
	BatchSize int

	// Delete removes the message with the given Message-ID (without
	// brackets) from the mailbox. Nil skips the deletion checks.
	Delete func(ctx context.Context, messageID string) error
	// Reset makes every cursor handed out so far unusable (a new IMAP
	// UIDVALIDITY, an expired Gmail history id, a lost Graph delta
	// token). Nil skips the resync checks.
	Reset func(ctx context.Context) error
	// Sent returns every message the connector sent so far, raw, oldest
	// first (an SMTP sink's, a fake Gmail's). Nil skips the checks of
	// what went out; Send is still called.
	Sent func(ctx context.Context) ([][]byte, error)
	// BadCredentials returns a connector to the same mailbox whose
	// credentials the server rejects. Nil skips the authentication checks.
	BadCredentials func() connector.Connector
	// Timeout bounds each check; 0 means one minute.
	Timeout time.Duration
}

// Run runs the conformance suite. newEnv is called once per check and
// must return an isolated, empty mailbox each time.
func Run(t *testing.T, newEnv func(t *testing.T) *Env) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t)
			if env.Connector == nil || env.Deliver == nil {
				t.Fatal("connectortest: Env.Connector and Env.Deliver are required")
			}
			if env.BatchSize <= 0 {
				env.BatchSize = 10
			}
			if env.Timeout <= 0 {
				env.Timeout = time.Minute
			}
			ctx, cancel := context.WithTimeout(context.Background(), env.Timeout)
			defer cancel()
			c.run(t, &suite{Env: env, ctx: ctx, run: runID()})
		})
	}
}

// suite is the state of one check.
type suite struct {
	*Env
	ctx context.Context
	run string // makes Message-IDs unique to this check
}

func runID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var checks = []struct {
	name string
	run  func(*testing.T, *suite)
}{
	{"Test", checkTest},
	{"BadCredentials", checkBadCredentials},
	{"InitialSync", checkInitialSync},
	{"Fields", checkFields},
	{"Incremental", checkIncremental},
	{"NothingNew", checkNothingNew},
	{"ResumeAfterInterruption", checkResume},
	{"HandlerErrorStops", checkHandlerErrorStops},
	{"Cancelled", checkCancelled},
	{"Send", checkSend},
	{"SendInvalid", checkSendInvalid},
	{"Deletion", checkDeletion},
	{"Resync", checkResync},
	{"SentFinder", checkSentFinder},
	{"AttachmentFetcher", checkAttachmentFetcher},
	{"Listener", checkListener},
}
