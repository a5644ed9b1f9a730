package main

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	addr, user, password := testenv.IMAP(t)
	host, portStr, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	port, _ := strconv.Atoi(portStr)
	folder, count := dovecotFolder(t, addr, user, password)

	rc := newEventReceiver(t)
	env := productionEnv(t, rc.env(baseEnv()))
	env["IMAP_WATCH"] = "true"
	env["QUEUE_LEASE"] = "2s"
	env["WATCH_LEASE_TTL"] = "2s"
	env["SYNC_SWEEP_INTERVAL"] = "1h"
	env["SHUTDOWN_TIMEOUT"] = "2s"
	api := start(t, env, "serve")
	workers := []*instance{start(t, env, "worker"), start(t, env, "worker")}
	c := newClient(t, api.base)
	tok := tokenFor(t, "tenant-chaos")

	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: map[string]any{
		"name": "Support (chaos)", "provider": "imap",
		"config": map[string]any{
			"email":   user + "@example.com",
			"imap":    map[string]any{"host": host, "port": port, "security": "none", "username": user},
			"folders": []string{folder},
		},
		"credentials": map[string]any{"password": password},
	}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var created integration
	r.decode(t, &created)

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
	require.Equal(t, int(count), n, "messages stored")
	require.Equal(t, n, distinct)
	require.Eventually(t, func() bool { e, _ := delivered(); return e >= int(count) }, 2*time.Minute, 100*time.Millisecond,
		"every event delivered")
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
