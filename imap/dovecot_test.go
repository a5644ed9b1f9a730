package imap

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
	"github.com/ucsp/integration/internal/mailgen"
	"github.com/ucsp/integration/internal/testenv"
)

// The tests against a real Dovecot (TEST_IMAP_ADDR, .ci/peers.sh): alice's
// INBOX holds mailgen's 10,000 messages (seed 42) and is only read; every
// test that writes works in a folder of its own, named
// testFolderPrefix<unix time>-<random>, and deletes it afterwards.
const testFolderPrefix = "ucsp-imaptest-"

type dovecot struct {
	addr, user, password string
	host                 string
	port                 int
}

func newDovecot(t *testing.T) *dovecot {
	t.Helper()
	addr, user, password := testenv.IMAP(t)
	host, port := splitAddr(t, addr)
	d := &dovecot{addr: addr, user: user, password: password, host: host, port: port}
	sweepOnce.Do(func() { d.sweepStaleFolders(t) })
	return d
}

func (d *dovecot) config(folders ...string) Config {
	return Config{Host: d.host, Port: d.port, Security: SecurityNone, Username: d.user, Password: d.password, Folders: folders}
}

// folder creates a folder for this test and deletes it when the test
// ends.
func (d *dovecot) folder(t *testing.T, adm *admin) string {
	t.Helper()
	name := randomName(testFolderPrefix + strconv.FormatInt(time.Now().Unix(), 10) + "-")
	adm.create(name)
	t.Cleanup(func() {
		cleanup := newAdmin(t, d.addr, d.user, d.password)
		_ = cleanup.delete(name)
	})
	return name
}

var sweepOnce sync.Once

// sweepStaleFolders deletes test folders more than an hour old, left by
// test runs that were killed before their cleanup.
func (d *dovecot) sweepStaleFolders(t *testing.T) {
	adm := newAdmin(t, d.addr, d.user, d.password)
	boxes, err := adm.c.List("", testFolderPrefix+"*", nil).Collect()
	if err != nil {
		return
	}
	for _, b := range boxes {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(b.Mailbox, testFolderPrefix), "-")
		if sec, err := strconv.ParseInt(stamp, 10, 64); err == nil && time.Since(time.Unix(sec, 0)) > time.Hour {
			_ = adm.delete(b.Mailbox)
		}
	}
}

func TestDovecotConformance(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	connectortest.Run(t, func(t *testing.T) *connectortest.Env {
		adm := newAdmin(t, d.addr, d.user, d.password)
		folder := d.folder(t, adm)
		sentFolder := d.folder(t, adm)
		sender := &recordingSender{}
		cfg := d.config(folder)
		cfg.Sender = sender
		cfg.SentFolder = sentFolder
		cfg.BatchSize = 4
		cfg.Logger = testLogger(t)
		return &connectortest.Env{
			Connector: newConnector(t, cfg),
			BatchSize: cfg.BatchSize,
			Deliver: func(_ context.Context, raw []byte) error {
				_, err := appendRaw(adm.c, folder, raw)
				return err
			},
			Delete: func(_ context.Context, messageID string) error {
				uid, err := adm.uidOf(folder, messageID)
				if err != nil {
					return err
				}
				adm.expunge(folder, uid)
				return nil
			},
			Reset: func(context.Context) error {
				adm.recreate(folder)
				return nil
			},
			Sent: sender.Sent,
			BadCredentials: func() connector.Connector {
				bad := cfg
				bad.Password = "wrong-" + d.password
				return newConnector(t, bad)
			},
		}
	})
}

// TestDovecotAliceInbox syncs the 10,000 generated messages and checks
// every 97th against the generator's record.
func TestDovecotAliceInbox(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	want := map[string]*mailgen.Message{}
	require.NoError(t, mailgen.Generate(42, 10000, "alice@example.test", func(m *mailgen.Message) error {
		if m.Index%97 == 0 {
			m.Raw = nil
			want[m.MessageID] = m
		}
		return nil
	}))
	c := newConnector(t, d.config("INBOX"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ids := map[string]bool{}
	msgIDs := map[string]bool{}
	checked := 0
	var cursor connector.Cursor
	err := c.Sync(ctx, "", func(_ context.Context, b *connector.Batch) error {
		require.LessOrEqual(t, len(b.Messages), DefaultBatchSize)
		for _, m := range b.Messages {
			require.False(t, ids[m.ProviderID], "ProviderID %s twice", m.ProviderID)
			ids[m.ProviderID] = true
			msgIDs[m.MessageID] = true
			if g := want[m.MessageID]; g != nil {
				checkGenerated(t, g, m)
				checked++
			}
		}
		cursor = b.Cursor
		return nil
	})
	require.NoError(t, err)
	require.Len(t, ids, 10000, "exactly the mailbox's 10,000 messages")
	require.Len(t, msgIDs, 10000)
	require.Equal(t, len(want), checked, "every sampled message was seen")

	state, err := decodeCursor(cursor)
	require.NoError(t, err)
	require.Positive(t, state["INBOX"].modSeq, "Dovecot has CONDSTORE: the cursor keeps HIGHESTMODSEQ")
	require.Equal(t, 10000, state["INBOX"].uids.Len())
	require.Less(t, len(cursor), 200)

	again := 0
	require.NoError(t, c.Sync(ctx, cursor, func(context.Context, *connector.Batch) error { again++; return nil }))
	require.Zero(t, again, "nothing changed")

	// FindSent reads alice's \Sent folder (found by SPECIAL-USE) without
	// writing to it.
	_, err = c.FindSent(ctx, "never-sent@example.test")
	require.ErrorIs(t, err, connector.ErrNotFound)
	require.Equal(t, "Sent", c.sentFolder)
}

func checkGenerated(t *testing.T, g *mailgen.Message, m *connector.Message) {
	t.Helper()
	require.Equal(t, g.Subject, m.Subject, "message %d", g.Index)
	require.True(t, g.Date.Equal(m.Date), "message %d: date %v, want %v", g.Index, m.Date, g.Date)
	require.Equal(t, []connector.Address{{Name: g.FromName, Email: g.FromEmail}}, m.From, "message %d", g.Index)
	require.Equal(t, g.Text, normalizeLF(m.Text), "message %d", g.Index)
	require.Equal(t, g.HTML, normalizeLF(m.HTML), "message %d", g.Index)
	if g.InReplyTo != "" {
		require.Equal(t, []string{g.InReplyTo}, m.InReplyTo)
		require.Equal(t, g.References, m.References)
	}
	if g.Attachment != nil {
		require.Len(t, m.Attachments, 1, "message %d", g.Index)
		a := m.Attachments[0]
		require.Equal(t, g.Attachment.Filename, a.Filename)
		require.Equal(t, g.Attachment.ContentType, a.ContentType)
		require.Equal(t, g.Attachment.Content, a.Content)
	} else {
		require.Empty(t, m.Attachments)
	}
	wantFlags := slices.Clone(g.Flags)
	slices.Sort(wantFlags)
	gotFlags := slices.DeleteFunc(slices.Clone(m.Flags), func(f string) bool { return !strings.HasPrefix(f, `\`) })
	require.Equal(t, wantFlags, nilIfEmpty(gotFlags), "message %d: flags", g.Index)
	require.Regexp(t, `^INBOX/[A-Za-z0-9_-]{22}$`, m.ProviderID)
	require.Regexp(t, `^INBOX;UIDVALIDITY=\d+/;UID=\d+$`, m.ProviderRef)
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func normalizeLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestDovecotIDLE(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	folder := d.folder(t, adm)
	cfg := d.config(folder)
	cfg.PollInterval = time.Hour
	cfg.Logger = testLogger(t)
	c := newConnector(t, cfg)
	l := startListen(t, c)
	l.ready()
	start := time.Now()
	for i := range 3 {
		adm.appendMsg(folder, testMessage(fmt.Sprintf("idle-%d-%s", i, folder)))
	}
	l.next(folder)
	require.Less(t, time.Since(start), 10*time.Second)
	require.Len(t, syncAll(t, c, "").messages, 3)
}

// TestDovecotChanges: expunges by ref, flag changes through CONDSTORE, and
// a re-created folder's new UIDVALIDITY.
func TestDovecotChanges(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	folder := d.folder(t, adm)
	var uids []imap.UID
	for i := range 6 {
		uids = append(uids, adm.appendMsg(folder, testMessage(fmt.Sprintf("chg-%d", i))))
	}
	cfg := d.config(folder)
	cfg.BatchSize = 4
	c := newConnector(t, cfg)
	first := syncAll(t, c, "")
	require.Len(t, first.messages, 6)
	byRef := map[string]*connector.Message{}
	for _, m := range first.messages {
		byRef[m.ProviderRef] = m
	}

	adm.expunge(folder, uids[1], uids[4])
	adm.setFlags(folder, uids[2], imap.FlagSeen, imap.FlagFlagged)
	second := syncAll(t, c, first.cursor)
	require.Empty(t, second.messages)
	deleted := second.changesOf(connector.ChangeDeleted)
	require.Len(t, deleted, 2)
	require.Equal(t, "chg-1@example.test", byRef[deleted[0].ProviderRef].MessageID)
	require.Equal(t, "chg-4@example.test", byRef[deleted[1].ProviderRef].MessageID)
	flags := second.changesOf(connector.ChangeFlags)
	require.Len(t, flags, 1)
	require.Equal(t, first.messages[2].ProviderID, flags[0].ProviderID, "a flag change names the message by ProviderID")
	require.Equal(t, first.messages[2].ProviderRef, flags[0].ProviderRef)
	require.Equal(t, []string{connector.FlagFlagged, connector.FlagSeen}, flags[0].Flags)
	require.Empty(t, syncAll(t, c, second.cursor).batches)

	adm.recreate(folder)
	third := syncAll(t, c, second.cursor)
	require.Equal(t, connector.ChangeResync, third.batches[0].Changes[0].Kind)
	require.Equal(t, folder, third.batches[0].Changes[0].Folder)
	require.Len(t, third.messages, 4)
	for _, m := range third.messages {
		var before *connector.Message
		for _, b := range first.messages {
			if b.MessageID == m.MessageID {
				before = b
			}
		}
		require.NotNil(t, before)
		require.Equal(t, before.ProviderID, m.ProviderID, "the same ProviderID after the UIDVALIDITY change")
		require.NotEqual(t, before.ProviderRef, m.ProviderRef)
	}
	require.Equal(t, []string{connector.FlagFlagged, connector.FlagSeen}, third.byMessageID("chg-2@example.test").Flags)
}
