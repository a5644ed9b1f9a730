package sendrun_test

import (
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/sendrun"
	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/store"
)

func loopError(t *testing.T, err error) *sendrun.LoopError {
	t.Helper()
	require.ErrorIs(t, err, sendrun.ErrLoop)
	var le *sendrun.LoopError
	require.True(t, errors.As(err, &le))
	return le
}

// TestLoopGuardAnswers: an automated send may answer a person, not a
// machine, nor a sender who asked not to be answered automatically, nor
// a message it does not name.
func TestLoopGuardAnswers(t *testing.T) {
	t.Parallel()
	g, err := sendrun.NewLoopGuard(sendrun.LoopGuardOptions{})
	require.NoError(t, err)
	require.Equal(t, sendrun.DefaultLoopWindow, g.Window())
	person := &connector.Message{Automated: connector.Automated{Kind: connector.AutomatedHuman}, Headers: connector.Header{"X-Auto-Response-Suppress": {"RN, NRN"}}}
	cases := []struct {
		name    string
		send    sendrun.GuardedSend
		refused string // the field at fault, "" when it may go
	}{
		{"a person", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p1@example.org"}, Answers: person, InReplyTo: "q@example.org"}, ""},
		{"an unclassified message", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p2@example.org"}, Answers: &connector.Message{}}, ""},
		{"an unclassified auto-reply, by its stored headers", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p9@example.org"}, Answers: &connector.Message{Headers: connector.Header{"X-Autoreply": {"yes"}}}}, "reply_to_message_id"},
		{"not a reply", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p3@example.org"}}, ""},
		{"an auto-reply", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p4@example.org"}, Answers: &connector.Message{Automated: connector.Automated{Kind: connector.AutomatedAutoReply, Reasons: []string{"Auto-Submitted: auto-replied"}}}}, "reply_to_message_id"},
		{"a bounce", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p5@example.org"}, Answers: &connector.Message{Automated: connector.Automated{Kind: connector.AutomatedBounce}}}, "reply_to_message_id"},
		{"list mail", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p6@example.org"}, Answers: &connector.Message{Automated: connector.Automated{Kind: connector.AutomatedList}}}, "reply_to_message_id"},
		{"a person who asked for no auto-reply", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p7@example.org"}, Answers: &connector.Message{Automated: connector.Automated{Kind: connector.AutomatedHuman}, Headers: connector.Header{"X-Auto-Response-Suppress": {"DR, OOF"}}}}, "reply_to_message_id"},
		{"a message named by Message-ID only", sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p8@example.org"}, InReplyTo: "q@example.org"}, "in_reply_to"},
	}
	for _, c := range cases {
		err := g.Check(t.Context(), c.send)
		if c.refused == "" {
			require.NoError(t, err, c.name)
			continue
		}
		le := loopError(t, err)
		require.Equal(t, c.refused, le.Field, c.name)
		require.NotEmpty(t, le.Reason)
	}
	// A refused send took nothing of the window: the recipient may get
	// an automated message that is allowed.
	require.NoError(t, g.Check(t.Context(), sendrun.GuardedSend{Scope: "s1", Recipients: []string{"p4@example.org"}}))
}

// TestLoopGuardWindow: one automated send per recipient per mailbox
// within the window, across guards sharing a limiter (processes sharing
// Redis); the same send repeated with its idempotency key goes again;
// after the window, a new one goes.
func TestLoopGuardWindow(t *testing.T) {
	t.Parallel()
	limiters := map[string]func(t *testing.T) ratelimit.Limiter{
		"memory": func(t *testing.T) ratelimit.Limiter {
			lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
			require.NoError(t, err)
			return lim
		},
		"redis": func(t *testing.T) ratelimit.Limiter {
			url, prefix := redistest.Prefix(t, "loopguard")
			opt, err := redis.ParseURL(url)
			require.NoError(t, err)
			rdb := redis.NewClient(opt)
			t.Cleanup(func() { _ = rdb.Close() })
			lim, err := ratelimit.NewRedis(rdb, ratelimit.RedisOptions{Prefix: prefix})
			require.NoError(t, err)
			return lim
		},
	}
	for name, newLimiter := range limiters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lim := newLimiter(t)
			const window = 700 * time.Millisecond
			g1, err := sendrun.NewLoopGuard(sendrun.LoopGuardOptions{Limiter: lim, Window: window})
			require.NoError(t, err)
			g2, err := sendrun.NewLoopGuard(sendrun.LoopGuardOptions{Limiter: lim, Window: window})
			require.NoError(t, err)
			ctx := t.Context()
			first := sendrun.GuardedSend{Scope: "acme/i1", Key: "k1", Recipients: []string{"Ann@Example.org", "bob@example.org"}}
			require.NoError(t, g1.Check(ctx, first))

			le := loopError(t, g2.Check(ctx, sendrun.GuardedSend{Scope: "acme/i1", Key: "k2", Recipients: []string{"ann@example.org"}}))
			require.Equal(t, "to", le.Field)
			require.Contains(t, le.Reason, "ann@example.org")
			loopError(t, g2.Check(ctx, sendrun.GuardedSend{Scope: "acme/i1", Key: "k3", Recipients: []string{"carol@example.org", "bob@example.org"}}))
			require.NoError(t, g2.Check(ctx, first), "the same send repeated with its key")
			require.NoError(t, g2.Check(ctx, sendrun.GuardedSend{Scope: "acme/i1", Key: "k4", Recipients: []string{"carol@example.org"}}), "carol was not charged by the refused send")
			require.NoError(t, g2.Check(ctx, sendrun.GuardedSend{Scope: "acme/i2", Key: "k5", Recipients: []string{"ann@example.org"}}), "another mailbox")

			time.Sleep(window + 200*time.Millisecond)
			require.NoError(t, g1.Check(ctx, sendrun.GuardedSend{Scope: "acme/i1", Key: "k6", Recipients: []string{"ann@example.org"}}), "after the window")
		})
	}
}

func TestNewLoopGuardChecksWindow(t *testing.T) {
	t.Parallel()
	_, err := sendrun.NewLoopGuard(sendrun.LoopGuardOptions{Window: -time.Second})
	require.ErrorContains(t, err, "LoopGuardOptions.Window")
}

// TestEnqueueAutomated: an automated send is marked Auto-Submitted
// (auto-replied for a reply) and stored; one that answers an auto-reply
// is refused and stores and enqueues nothing.
func TestEnqueueAutomated(t *testing.T) {
	t.Parallel()
	for name, newBackend := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			f := newFixture(t, b, nil)
			ctx := t.Context()
			st, err := b.store.SyncState(ctx, "acme", f.in.ID)
			require.NoError(t, err)
			res, err := b.store.CommitSync(ctx, &store.SyncCommit{
				TenantID: "acme", IntegrationID: f.in.ID, Version: st.Version, Cursor: "c1",
				Messages: []*connector.Message{
					{ProviderID: "p1", MessageID: "q1@example.org", Subject: "Where is my order?", From: []connector.Address{{Email: "ann@example.org"}},
						Automated: connector.Automated{Kind: connector.AutomatedHuman}},
					{ProviderID: "p2", MessageID: "oof@example.net", Subject: "Automatic reply: Your order", From: []connector.Address{{Email: "cy@example.net"}},
						Automated: connector.Automated{Kind: connector.AutomatedAutoReply, Reasons: []string{"Auto-Submitted: auto-generated"}}},
				},
			})
			require.NoError(t, err)
			person, machine := res.Inserted[0], res.Inserted[1]

			msg := message(1)
			msg.To = []connector.Address{{Email: "ann@example.org"}}
			orig, err := f.r.Answering(ctx, "acme", f.in.ID, person.ID, &msg)
			require.NoError(t, err)
			e, created, err := f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "auto-1", Message: msg, Automated: true, Answers: orig})
			require.NoError(t, err)
			require.True(t, created)
			require.Equal(t, []string{"auto-replied"}, e.Message.Headers["Auto-Submitted"])
			require.Nil(t, msg.Headers, "the caller's message is not changed")
			require.EqualValues(t, 1, f.pending(t))

			notice := message(2)
			notice.To = []connector.Address{{Email: "dee@example.org"}}
			e2, _, err := f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "auto-2", Message: notice, Automated: true})
			require.NoError(t, err)
			require.Equal(t, []string{"auto-generated"}, e2.Message.Headers["Auto-Submitted"])

			reply := message(3)
			reply.To = []connector.Address{{Email: "cy@example.net"}}
			orig, err = f.r.Answering(ctx, "acme", f.in.ID, machine.ID, &reply)
			require.NoError(t, err)
			_, _, err = f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "auto-3", Message: reply, Automated: true, Answers: orig})
			require.Equal(t, "reply_to_message_id", loopError(t, err).Field)
			require.EqualValues(t, 2, f.pending(t), "nothing enqueued")

			// A header saying Auto-Submitted makes a send automated too.
			again := message(4)
			again.To = []connector.Address{{Email: "ann@example.org"}}
			again.Headers = connector.Header{"auto-submitted": {"auto-generated"}}
			_, _, err = f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "auto-4", Message: again})
			require.Equal(t, "to", loopError(t, err).Field, "ann had an automated message already")

			// Nothing was stored under the refused keys.
			_, created, err = f.r.Enqueue(ctx, &sendrun.Send{TenantID: "acme", IntegrationID: f.in.ID, IdempotencyKey: "auto-3", Message: message(5)})
			require.NoError(t, err)
			require.True(t, created)
		})
	}
}
