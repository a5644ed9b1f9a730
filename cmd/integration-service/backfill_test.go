package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// eventCounts returns the integration's stored events by type.
func eventCounts(t *testing.T, db *pgx.Conn, integration string) map[string]int {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT type, count(*) FROM events WHERE integration_id = $1 GROUP BY type`, integration)
	require.NoError(t, err)
	n := map[string]int{}
	for rows.Next() {
		var typ string
		var c int
		require.NoError(t, rows.Scan(&typ, &c))
		n[typ] = c
	}
	require.NoError(t, rows.Err())
	return n
}

// TestBackfillDovecot: an IMAP integration created on a copy of the
// 10,000-message set, with the default policy (production mode,
// through the API): every message is stored, none is announced, one
// sync.backfill_completed ends the history; 3 messages appended while
// the first batches commit and 2 after are announced, exactly 5
// message.received; the folder renumbered (a new UIDVALIDITY, the same
// messages plus 2 that arrived just before, which no sync saw) announces
// those 2 only: exactly 7 message.received. It logs the time from the
// POST to the last history message stored.
func TestBackfillDovecot(t *testing.T) {
	t.Parallel()
	dc := newDovecotAccount(t)
	folder, count := dc.inboxCopy(t)
	rc := newEventReceiver(t)
	env := productionEnv(t, rc.env(baseEnv()))
	env["IMAP_WATCH"] = "true"
	env["DATABASE_MAX_CONNS"] = "8"
	in := start(t, env, "all")
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-backfill")
	db, err := pgx.Connect(context.Background(), env["DATABASE_URL"])
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close(context.Background()) })

	started := time.Now()
	created := dc.createIntegration(t, c, tok, "Support (backfill)", []string{folder}, "", "")
	stored := func() int {
		var n int
		require.NoError(t, db.QueryRow(context.Background(),
			`SELECT count(*) FROM messages WHERE integration_id = $1 AND deleted_at IS NULL`, created.ID).Scan(&n))
		return n
	}
	// 3 messages appended while the first batches commit.
	require.Eventually(t, func() bool { return stored() > 0 }, time.Minute, 5*time.Millisecond, "the first batch commits")
	during := stored()
	for range 3 {
		appendTo(t, dc, folder, "Arrived during the backfill")
	}
	require.Less(t, during, int(count), "the messages were appended while the history was being stored")
	require.Eventually(t, func() bool { return stored() >= int(count) }, 3*time.Minute, 20*time.Millisecond)
	t.Logf("%d messages stored %s after the POST", count, time.Since(started).Round(time.Millisecond))
	require.Eventually(t, func() bool { return stored() >= int(count)+3 }, time.Minute, 20*time.Millisecond)
	require.Eventually(t, func() bool { return eventCounts(t, db, created.ID)["sync.backfill_completed"] == 1 }, time.Minute, 50*time.Millisecond)

	for range 2 {
		appendTo(t, dc, folder, "Arrived after the backfill")
	}
	require.Eventually(t, func() bool { return stored() == int(count)+5 }, time.Minute, 20*time.Millisecond)
	require.Eventually(t, func() bool { return eventCounts(t, db, created.ID)["message.received"] >= 5 }, 30*time.Second, 50*time.Millisecond)
	time.Sleep(2 * time.Second) // a late or repeated announcement would land by now
	events := eventCounts(t, db, created.ID)
	require.Equal(t, 5, events["message.received"], "only the mail that arrived after the creation is announced: %v", events)
	require.Equal(t, 1, events["sync.backfill_completed"])
	var subjects []string
	rows, err := db.Query(context.Background(), `SELECT payload->'message'->>'subject' FROM events WHERE integration_id = $1 AND type = 'message.received'`, created.ID)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		subjects = append(subjects, s)
	}
	require.ElementsMatch(t, []string{"Arrived during the backfill", "Arrived during the backfill", "Arrived during the backfill",
		"Arrived after the backfill", "Arrived after the backfill"}, subjects)
	var data struct {
		Mode   string `json:"mode"`
		Stored int    `json:"stored"`
	}
	require.NoError(t, db.QueryRow(context.Background(),
		`SELECT payload FROM events WHERE integration_id = $1 AND type = 'sync.backfill_completed'`, created.ID).Scan(&data))
	require.Equal(t, "all", data.Mode)
	require.Equal(t, int(count), data.Stored)

	// A new UIDVALIDITY: the folder replaced by a copy of itself, plus 2
	// messages that arrived before the renumbering and that no sync saw
	// (appended to the copy, which the IDLE watch does not see).
	syncs := eventCounts(t, db, created.ID)["sync.completed"]
	renumber(t, dc, folder, "Arrived before the renumbering", "Arrived before the renumbering")
	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + created.ID + "/sync", token: tok})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Eventually(t, func() bool {
		return eventCounts(t, db, created.ID)["sync.completed"] > syncs && stored() == int(count)+7
	}, 2*time.Minute, 50*time.Millisecond, "the resync completes")
	time.Sleep(time.Second)
	events = eventCounts(t, db, created.ID)
	require.Equal(t, 7, events["message.received"], "a resync announces only the 2 messages no sync saw: %v", events)
	require.Equal(t, 1, events["sync.backfill_completed"])
	require.Equal(t, int(count)+7, stored())
	require.Equal(t, 2, receivedWithSubject(t, db, created.ID, "Arrived before the renumbering"))
}

// receivedWithSubject counts the integration's message.received events
// for a message with subject.
func receivedWithSubject(t *testing.T, db *pgx.Conn, integration, subject string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(),
		`SELECT count(*) FROM events WHERE integration_id = $1 AND type = 'message.received' AND payload->'message'->>'subject' = $2`,
		integration, subject).Scan(&n))
	return n
}

// renumber replaces folder by a copy of itself, which has another
// UIDVALIDITY: the copy is made beside it, then the folder is deleted
// and the copy renamed in its place. A message per subject in extra is
// appended to the copy first: mail that arrived just before the
// renumbering, which no sync of the old folder can have seen.
func renumber(t *testing.T, d *dovecotAccount, folder string, extra ...string) {
	t.Helper()
	c := d.login(t)
	sel, err := c.Select(folder, &goimap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(t, err)
	copyName := folder + "-renumbered"
	require.NoError(t, c.Create(copyName, nil).Wait())
	var all goimap.UIDSet
	all.AddRange(1, 0)
	_, err = c.Copy(all, copyName).Wait()
	require.NoError(t, err)
	require.NoError(t, c.Unselect().Wait())
	for _, subject := range extra {
		appendTo(t, d, copyName, subject)
	}
	require.NoError(t, c.Delete(folder).Wait())
	require.NoError(t, c.Rename(copyName, folder, nil).Wait())
	again, err := c.Select(folder, &goimap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(t, err)
	require.NotEqual(t, sel.UIDValidity, again.UIDValidity, "the folder has a new UIDVALIDITY")
	require.Equal(t, sel.NumMessages+uint32(len(extra)), again.NumMessages)
	require.NoError(t, c.Unselect().Wait())
}
