package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

// TestLinksNoProviderSDK: a program that registers only the imap provider
// does not link the Microsoft Graph or Google API SDKs.
func TestLinksNoProviderSDK(t *testing.T) {
	t.Parallel()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/ucsp/integration/imap", "the listing is of this program's dependencies")
	require.Contains(t, deps, "github.com/ucsp/integration/store/postgres")
	for _, p := range deps {
		require.NotContains(t, p, "msgraph", "linked through the dependencies")
		require.NotContains(t, p, "google.golang.org/api", "linked through the dependencies")
	}
}

// TestSyncInMemory runs the service with the memory store and queue
// against Dovecot, on a folder of the test's own.
func TestSyncInMemory(t *testing.T) {
	t.Parallel()
	requireSyncFlow(t, config{})
}

// TestSyncOnPostgresAndRedis runs the same flow with the production
// store and queue: PostgreSQL in a schema of the test's own, Redis under a
// key prefix of its own, both removed when it ends.
func TestSyncOnPostgresAndRedis(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	redisURL, prefix := redistest.Prefix(t, "example-custom-server")
	requireSyncFlow(t, config{
		DatabaseURL:    dbURL,
		EncryptionKeys: "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		RedisURL:       redisURL,
		RedisPrefix:    prefix,
	})
}

// TestEventsInMemory: with -events-url, each message a sync stores is
// announced once to the receiver, as a message.received event whose
// signature verifies.
func TestEventsInMemory(t *testing.T) {
	t.Parallel()
	rcv := newEventReceiver(t)
	syncFlow(t, rcv.config(config{}), rcv)
}

// TestEventsOnPostgresAndRedis: the same on the production store and
// queue.
func TestEventsOnPostgresAndRedis(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	redisURL, prefix := redistest.Prefix(t, "example-custom-server")
	rcv := newEventReceiver(t)
	syncFlow(t, rcv.config(config{
		DatabaseURL:    dbURL,
		EncryptionKeys: "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		RedisURL:       redisURL,
		RedisPrefix:    prefix,
	}), rcv)
}

// requireSyncFlow appends three messages to a new folder, runs the
// service on it, and checks through its HTTP API that POST /sync stores
// them; then that a fourth message, and only it, is stored by the next
// sync, which starts from the stored cursor.
func requireSyncFlow(t *testing.T, cfg config) {
	t.Helper()
	syncFlow(t, cfg, nil)
}

// syncFlow is requireSyncFlow; with rcv, it also checks after each sync
// that every stored message was announced to rcv once.
func syncFlow(t *testing.T, cfg config, rcv *eventReceiver) {
	t.Helper()
	addr, user, password := testenv.IMAP(t)
	adm, err := imapclient.DialInsecure(addr, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = adm.Close() })
	require.NoError(t, adm.Login(user, password).Wait())
	suffix := strings.ToLower(rand.Text())
	folder := "ucsp-custom-server-" + suffix
	require.NoError(t, adm.Create(folder, nil).Wait())
	t.Cleanup(func() { _ = adm.Delete(folder).Wait() })
	appendMessage := func(i int) {
		raw := fmt.Sprintf("From: customer%d@example.org\r\nTo: %s@example.com\r\nSubject: question %d\r\nMessage-ID: <q%d.%s@example.org>\r\nDate: Mon, 02 Jan 2006 15:04:05 +0000\r\n\r\nHello %d\r\n", i, user, i, i, suffix, i)
		cmd := adm.Append(folder, int64(len(raw)), nil)
		_, err := cmd.Write([]byte(raw))
		require.NoError(t, err)
		require.NoError(t, cmd.Close())
		_, err = cmd.Wait()
		require.NoError(t, err)
	}
	for i := range 3 {
		appendMessage(i)
	}

	cfg.Addr = "127.0.0.1:0"
	cfg.IMAPAddr, cfg.IMAPSecurity, cfg.IMAPUser, cfg.IMAPPassword = addr, "none", user, password
	cfg.Email = user + "@example.com"
	cfg.Folder = folder
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	lines := make(lineWriter, 100)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, lines) }()

	integration := strings.TrimSuffix(strings.Fields(lines.next(t, "integration "))[1], ":")
	base := strings.Fields(lines.next(t, "listening on "))[2]
	api := &apiClient{t: t, base: base}

	api.sync()
	require.Equal(t, "synced "+integration+": 3 new messages\n", lines.next(t, "synced "))
	count, subjects := api.messages()
	require.Equal(t, 3, count)
	require.Equal(t, []string{"question 0", "question 1", "question 2"}, subjects)
	rcv.requireAnnounced(t, api.messageIDs())

	appendMessage(3)
	api.sync()
	require.Equal(t, "synced "+integration+": 1 new messages\n", lines.next(t, "synced "), "the second sync starts from the stored cursor")
	count, subjects = api.messages()
	require.Equal(t, 4, count)
	require.Equal(t, []string{"question 0", "question 1", "question 2", "question 3"}, subjects)
	rcv.requireAnnounced(t, api.messageIDs())

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

// lineWriter hands each write of run (one whole line: run writes with
// one Fprintf per line) to the test.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// next returns the next line that starts with prefix, skipping others.
func (w lineWriter) next(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case line := <-w:
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line %q… from run", prefix)
		}
	}
}

// apiClient calls the service's HTTP API.
type apiClient struct {
	t    *testing.T
	base string
}

func (c *apiClient) do(method, path string, wantStatus int, v any) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, nil)
	require.NoError(c.t, err)
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Do(req)
	require.NoError(c.t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, wantStatus, resp.StatusCode, "%s %s: %s", method, path, body)
	require.NoError(c.t, json.Unmarshal(body, v), "%s", body)
}

func (c *apiClient) sync() {
	c.t.Helper()
	var res struct {
		JobID     string `json:"job_id"`
		Duplicate bool   `json:"duplicate"`
	}
	c.do(http.MethodPost, "/sync", http.StatusAccepted, &res)
	require.NotEmpty(c.t, res.JobID)
	require.False(c.t, res.Duplicate)
}

func (c *apiClient) messages() (count int, subjects []string) {
	c.t.Helper()
	var res struct {
		Count int `json:"count"`
		Data  []struct {
			Subject string `json:"subject"`
		} `json:"data"`
	}
	c.do(http.MethodGet, "/messages", http.StatusOK, &res)
	for _, m := range res.Data {
		subjects = append(subjects, m.Subject)
	}
	return res.Count, subjects
}

// messageIDs returns the ids of the stored messages.
func (c *apiClient) messageIDs() []string {
	c.t.Helper()
	var res struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	c.do(http.MethodGet, "/messages", http.StatusOK, &res)
	ids := make([]string, 0, len(res.Data))
	for _, m := range res.Data {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestRunRefusesBadIMAPAddress(t *testing.T) {
	t.Parallel()
	lines := make(lineWriter, 10)
	err := run(t.Context(), config{Addr: "127.0.0.1:0", IMAPAddr: "imap.example.com", Email: "a@example.com", Folder: "INBOX"}, lines)
	require.ErrorContains(t, err, "-imap")
	require.Empty(t, lines, "nothing printed, nothing served")
}
