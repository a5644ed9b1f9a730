package main

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// dovecotFolderPrefix names the folders the black-box tests make in the
// shared Dovecot account; stale ones (a killed run's) are swept.
const dovecotFolderPrefix = "ucsp-e2e-"

// dovecotAccount is the shared Dovecot account (TEST_IMAP_*), whose
// INBOX (the 10,000-message set) is read-only: tests work in folders of
// their own.
type dovecotAccount struct {
	addr, host     string
	port           int
	user, password string
}

var sweepDovecotOnce sync.Once

func newDovecotAccount(t *testing.T) *dovecotAccount {
	t.Helper()
	addr, user, password := testenv.IMAP(t)
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	d := &dovecotAccount{addr: addr, host: host, user: user, password: password}
	d.port, _ = strconv.Atoi(port)
	sweepDovecotOnce.Do(func() { d.sweep(t) })
	return d
}

// login returns a logged-in client, closed when t ends.
func (d *dovecotAccount) login(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.addr, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Login(d.user, d.password).Wait())
	return c
}

// sweep deletes test folders more than an hour old, left by killed runs.
func (d *dovecotAccount) sweep(t *testing.T) {
	c := d.login(t)
	boxes, err := c.List("", dovecotFolderPrefix+"*", nil).Collect()
	if err != nil {
		return
	}
	for _, b := range boxes {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(b.Mailbox, dovecotFolderPrefix), "-")
		if sec, err := strconv.ParseInt(stamp, 10, 64); err == nil && time.Since(time.Unix(sec, 0)) > time.Hour {
			_ = c.Delete(b.Mailbox).Wait()
		}
	}
}

// folder creates an empty folder of the test's own, deleted when the
// test ends.
func (d *dovecotAccount) folder(t *testing.T) string {
	t.Helper()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := dovecotFolderPrefix + strconv.FormatInt(time.Now().Unix(), 10) + "-" + hex.EncodeToString(rnd[:])
	require.NoError(t, d.login(t).Create(name, nil).Wait())
	t.Cleanup(func() {
		c, err := imapclient.DialInsecure(d.addr, nil)
		if err != nil {
			return
		}
		defer c.Close()
		if c.Login(d.user, d.password).Wait() == nil {
			_ = c.Delete(name).Wait()
		}
	})
	return name
}

// inboxCopy creates a folder of the test's own holding a copy of INBOX
// and returns its name and the message count.
func (d *dovecotAccount) inboxCopy(t *testing.T) (string, uint32) {
	t.Helper()
	name := d.folder(t)
	c := d.login(t)
	sel, err := c.Select("INBOX", &goimap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(t, err)
	require.NotZero(t, sel.NumMessages)
	var all goimap.UIDSet
	all.AddRange(1, 0) // 1:*
	_, err = c.Copy(all, name).Wait()
	require.NoError(t, err)
	return name, sel.NumMessages
}

// createIntegration creates, through c, an imap integration of the
// account watching folders, filing sent mail in sent and sending
// through the SMTP server at smtpAddr (receive-only when both are
// empty).
func (d *dovecotAccount) createIntegration(t *testing.T, c *apiClient, tok, name string, folders []string, sent, smtpAddr string) integration {
	t.Helper()
	return d.createIntegrationBackfill(t, c, tok, name, folders, sent, smtpAddr, nil)
}

// createIntegrationBackfill is createIntegration with a backfill policy
// (the API's "backfill" object; nil: none given, the default).
func (d *dovecotAccount) createIntegrationBackfill(t *testing.T, c *apiClient, tok, name string, folders []string, sent, smtpAddr string, backfill map[string]any) integration {
	t.Helper()
	config := map[string]any{
		"email":   d.user + "@example.com",
		"imap":    map[string]any{"host": d.host, "port": d.port, "security": "none", "username": d.user},
		"folders": folders,
	}
	if sent != "" {
		config["sent_folder"] = sent
	}
	if smtpAddr != "" {
		host, port, err := net.SplitHostPort(smtpAddr)
		require.NoError(t, err)
		p, _ := strconv.Atoi(port)
		config["smtp"] = map[string]any{"host": host, "port": p, "security": "none", "auth": "none"}
	}
	body := map[string]any{"name": name, "provider": "imap", "config": config, "credentials": map[string]any{"password": d.password}}
	if backfill != nil {
		body["backfill"] = backfill
	}
	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: body})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in integration
	r.decode(t, &in)
	return in
}
