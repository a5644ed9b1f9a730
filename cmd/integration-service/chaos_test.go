package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// TestChaosSync: an API process and two worker processes (production
// mode, short queue and watcher leases) sync the 10,000-message set
// from a Dovecot folder while one worker after the other is SIGKILLed
// every second and started again, until every message is stored: at the
// end exactly 10,000 messages are stored and 10,000 distinct
// message.received events reached the receiver, each stored message
// announced under exactly one webhook-id (a copy on the wire only ever
// repeats an event's id), every signature valid. It logs how many
// deliveries were repeated and how many kills it took.
func TestChaosSync(t *testing.T) {
	t.Parallel()
	dc := newDovecotAccount(t)
	folder, count := dc.inboxCopy(t)

	rc := newEventReceiver(t)
	env := productionEnv(t, rc.env(baseEnv()))
	env["IMAP_WATCH"] = "true"
	env["QUEUE_LEASE"] = "2s"
	env["WATCH_LEASE_TTL"] = "2s"
	env["SHUTDOWN_TIMEOUT"] = "2s"
	chaosConnectionCaps(env)
	// A worker killed between a batch's commit and the enqueue of its
	// events leaves them to the event sweep (15 s past due, then its
	// next round); a sweep killed after claiming them leaves them
	// claimed for 15 s + 2 intervals. With 5 s rounds every event goes
	// out well within the 2 minutes waited below.
	env["EVENTS_SWEEP_INTERVAL"] = "5s"
	api := start(t, env, "serve")
	workers := []*instance{start(t, env, "worker"), start(t, env, "worker")}
	c := newClient(t, api.base)
	tok := tokenFor(t, "tenant-chaos")

	// History announced (the opt-in): every message's event is what
	// the chaos must not lose.
	created := dc.createIntegrationBackfill(t, c, tok, "Support (chaos)", []string{folder}, "", "", map[string]any{"announce_history": true})

	delivered := func() (events, repeats int) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for id := range rc.messages {
			if rc.successes[id] > 0 {
				events++
			}
			if rc.successes[id] > 1 {
				repeats += rc.successes[id] - 1
			}
		}
		return events, repeats
	}

	db, err := pgx.Connect(context.Background(), env["DATABASE_URL"])
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	stored := func() (n, distinct int) {
		require.NoError(t, db.QueryRow(context.Background(),
			`SELECT count(*), count(DISTINCT provider_id) FROM messages WHERE integration_id = $1`, created.ID).Scan(&n, &distinct))
		return n, distinct
	}

	// Chaos during the sync: kill a worker every second, alternately, and
	// start it again, until every message is stored.
	var kills int
	deadline := time.Now().Add(4 * time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		if n, _ := stored(); n >= int(count) {
			break
		}
		time.Sleep(time.Second)
		w := workers[i%2]
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGKILL))
		<-w.exited
		kills++
		workers[i%2] = startProcess(t, env, "worker")
	}
	n, distinct := stored()
	storedAt := time.Now()
	require.Equal(t, int(count), n, "messages stored")
	require.Equal(t, n, distinct)
	if !assert.Eventually(t, func() bool { e, _ := delivered(); return e >= int(count) }, 2*time.Minute, 100*time.Millisecond,
		"every event delivered") {
		e, _ := delivered()
		t.Fatalf("%d of %d events delivered after %d kills; the store's events by status: %s", e, count, kills, eventStatuses(t, db, created.ID))
	}
	t.Logf("every event delivered %v after the last message was stored", time.Since(storedAt).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // deliveries still in flight land

	events, repeats := delivered()
	require.Equal(t, int(count), events, "distinct message.received events delivered")
	rc.mu.Lock()
	byMessage := map[string][]string{}
	for id, msg := range rc.messages {
		byMessage[msg] = append(byMessage[msg], id)
	}
	unverified := rc.unverified
	rc.mu.Unlock()
	require.Len(t, byMessage, int(count), "every stored message announced")
	for msg, ids := range byMessage {
		require.Len(t, ids, 1, "message %s announced under several webhook-ids: %v", msg, ids)
	}
	require.Zero(t, unverified, "every delivery's signature is valid")
	t.Logf("%d workers killed; %d events, %d repeated deliveries (same webhook-id)", kills, events, repeats)
}

// mailpitCount returns how many messages with Message-ID id the SMTP
// sink (Mailpit's API at api) holds.
func mailpitCount(t *testing.T, api, id string) int {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/search?" + url.Values{"query": {fmt.Sprintf("message-id:%q", id)}}.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var res struct {
		MessagesCount int `json:"messages_count"`
		Messages      []struct {
			MessageID string `json:"MessageID"`
		} `json:"messages"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&res))
	n := 0
	for _, m := range res.Messages {
		if m.MessageID == id {
			n++
		}
	}
	return n
}

// mailpitSubject returns the Message-IDs of the messages the SMTP sink
// holds whose subject is exactly subject.
func mailpitSubject(t *testing.T, api, subject string) []string {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/search?" + url.Values{"query": {fmt.Sprintf("subject:%q", subject)}, "limit": {"1000"}}.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var res struct {
		Messages []struct {
			MessageID string `json:"MessageID"`
			Subject   string `json:"Subject"`
		} `json:"messages"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&res))
	var ids []string
	for _, m := range res.Messages {
		if m.Subject == subject {
			ids = append(ids, m.MessageID)
		}
	}
	return ids
}

// TestChaosSend: 200 replies sent through the API, posted over about
// 5 s while one of two worker processes is SIGKILLed every second and
// restarted: every one
// reaches the SMTP server at least once, each copy under its outbox
// entry's Message-ID, and every entry ends sent. A copy is repeated
// only when a worker died between the SMTP server's answer and the
// entry being marked sent (the documented window); the test logs how
// many were.
func TestChaosSend(t *testing.T) {
	t.Parallel()
	dc := newDovecotAccount(t)
	inbox, sent := dc.folder(t), dc.folder(t)
	smtpAddr, smtpAPI := testenv.SMTP(t)

	env := productionEnv(t, baseEnv())
	env["QUEUE_LEASE"] = "2s"
	env["SHUTDOWN_TIMEOUT"] = "2s"
	chaosConnectionCaps(env)
	// A worker killed between a batch's commit and the enqueue of its
	// events leaves them to the event sweep (15 s past due, then its
	// next round); a sweep killed after claiming them leaves them
	// claimed for 15 s + 2 intervals. With 5 s rounds every event goes
	// out well within the 2 minutes waited below.
	env["EVENTS_SWEEP_INTERVAL"] = "5s"
	api := start(t, env, "serve")
	workers := []*instance{start(t, env, "worker"), start(t, env, "worker")}
	c := newClient(t, api.base)
	tok := tokenFor(t, "tenant-chaos-send")
	created := dc.createIntegration(t, c, tok, "Support (chaos sends)", []string{inbox}, sent, smtpAddr)

	db, err := pgx.Connect(context.Background(), env["DATABASE_URL"])
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	unsent := func() int {
		var n int
		require.NoError(t, db.QueryRow(context.Background(),
			`SELECT count(*) FROM outbox WHERE integration_id = $1 AND status <> 'sent'`, created.ID).Scan(&n))
		return n
	}

	// The replies are posted over about 5 s while the chaos runs; their
	// subjects are this run's own (the SMTP sink outlives test runs).
	const sends = 200
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	type sentReply struct {
		subject, messageID string
	}
	ids := make(chan sentReply, sends)
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		for i := range sends {
			r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + created.ID + "/messages", token: tok,
				header: map[string]string{"Idempotency-Key": "chaos-" + strconv.Itoa(i)},
				body: map[string]any{
					"to":      []any{map[string]any{"email": "customer@customer.example"}},
					"subject": "Chaos reply " + run + " " + strconv.Itoa(i),
					"text":    "We are on it.",
				}})
			if r.status != http.StatusAccepted {
				t.Errorf("send %d: %d %s", i, r.status, r.body)
				return
			}
			var ob outbox
			r.decode(t, &ob)
			ids <- sentReply{subject: "Chaos reply " + run + " " + strconv.Itoa(i), messageID: ob.MessageID}
			time.Sleep(25 * time.Millisecond)
		}
	}()
	var kills int
	deadline := time.Now().Add(4 * time.Minute)
	done := func() bool {
		select {
		case <-posted:
			return unsent() == 0
		default:
			return false
		}
	}
	for i := 0; !done() && time.Now().Before(deadline); i++ {
		time.Sleep(time.Second)
		w := workers[i%2]
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGKILL))
		<-w.exited
		kills++
		workers[i%2] = startProcess(t, env, "worker")
	}
	<-posted
	close(ids)
	require.Len(t, ids, sends)
	require.Eventually(t, func() bool { return unsent() == 0 }, time.Minute, 100*time.Millisecond, "every outbox entry sent")

	duplicated := 0
	for reply := range ids {
		var n int
		require.Eventually(t, func() bool { n = mailpitCount(t, smtpAPI, reply.messageID); return n > 0 }, 20*time.Second, 50*time.Millisecond,
			"message %s never reached the SMTP server", reply.messageID)
		// Every copy of the reply carries the outbox's Message-ID.
		copies := mailpitSubject(t, smtpAPI, reply.subject)
		require.Len(t, copies, n, "copies of %q by subject and by Message-ID differ", reply.subject)
		for _, id := range copies {
			require.Equal(t, reply.messageID, id, "a copy of %q under another Message-ID", reply.subject)
		}
		if n > 1 {
			duplicated++
		}
	}
	t.Logf("%d workers killed; %d sends, %d received more than once", kills, sends, duplicated)
}

// eventStatuses describes an integration's events in the store: how
// many have each status, with the attempts and last error of a few
// pending ones.
func eventStatuses(t *testing.T, db *pgx.Conn, integrationID string) string {
	t.Helper()
	rows, err := db.Query(context.Background(),
		`SELECT status, count(*), min(next_attempt_at)::text, max(attempts) FROM events WHERE integration_id = $1 GROUP BY status`, integrationID)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var status, due string
		var n, attempts int
		require.NoError(t, rows.Scan(&status, &n, &due, &attempts))
		out = append(out, fmt.Sprintf("%s %d (earliest due %s, most attempts %d)", status, n, due, attempts))
	}
	require.NoError(t, rows.Err())
	var errs []string
	rows, err = db.Query(context.Background(),
		`SELECT id::text, attempts, last_error, coalesce(locked_until::text, '') FROM events WHERE integration_id = $1 AND status = 'pending' ORDER BY seq LIMIT 5`, integrationID)
	require.NoError(t, err)
	for rows.Next() {
		var id, lastErr, locked string
		var attempts int
		require.NoError(t, rows.Scan(&id, &attempts, &lastErr, &locked))
		errs = append(errs, fmt.Sprintf("%s attempts=%d locked_until=%q last_error=%q", id, attempts, locked, lastErr))
	}
	require.NoError(t, rows.Err())
	return strings.Join(out, "; ") + "; pending: " + strings.Join(errs, ", ")
}

// chaosConnectionCaps lifts the caps on mail connections: a worker
// SIGKILLed every second leaves the connection slots it held taken until
// their leases lapse (a minute), which would soon fill one mailbox's
// few; these tests are about exactly-once, not about the caps.
func chaosConnectionCaps(env map[string]string) {
	env["MAIL_MAX_CONNECTIONS_PER_HOST"] = "10000"
	env["MAIL_MAX_CONNECTIONS_PER_MAILBOX"] = "1000"
}
