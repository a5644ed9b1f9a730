package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// TestRunAgainstDovecotAndMailpit runs the example end to end: two
// messages appended to a folder of the test's own are synced through the
// "imap" provider, and a message sent through the composed SMTP sender
// arrives at Mailpit, with a copy in the Sent folder.
func TestRunAgainstDovecotAndMailpit(t *testing.T) {
	t.Parallel()
	imapAddr, user, password := testenv.IMAP(t)
	smtpAddr, api := testenv.SMTP(t)

	c, err := imapclient.DialInsecure(imapAddr, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Login(user, password).Wait())
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	inbox, sent := "ucsp-example-in-"+suffix, "ucsp-example-sent-"+suffix
	for _, f := range []string{inbox, sent} {
		require.NoError(t, c.Create(f, nil).Wait())
		t.Cleanup(func() { _ = c.Delete(f).Wait() })
	}
	for i := range 2 {
		raw := fmt.Sprintf("From: customer%d@example.org\r\nTo: %s\r\nSubject: question %d\r\nMessage-ID: <q%d.%s@example.org>\r\nDate: Mon, 02 Jan 2006 15:04:05 +0000\r\n\r\nHello %d\r\n", i, user, i, i, suffix, i)
		cmd := c.Append(inbox, int64(len(raw)), nil)
		_, err := cmd.Write([]byte(raw))
		require.NoError(t, err)
		require.NoError(t, cmd.Close())
		_, err = cmd.Wait()
		require.NoError(t, err)
	}

	ih, ip := splitHostPort(t, imapAddr)
	sh, sp := splitHostPort(t, smtpAddr)
	settings, err := json.Marshal(map[string]any{
		"email":       user + "@example.com",
		"imap":        map[string]any{"host": ih, "port": ip, "security": "none", "username": user},
		"smtp":        map[string]any{"host": sh, "port": sp, "security": "none", "auth": "none"},
		"folders":     []string{inbox},
		"sent_folder": sent,
	})
	require.NoError(t, err)
	var out bytes.Buffer
	res, err := run(t.Context(), options{
		Settings: settings, Password: password, To: "customer@example.org",
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	}, &out)
	require.NoError(t, err, out.String())

	var subjects []string
	for _, m := range res.Messages {
		subjects = append(subjects, m.Subject)
	}
	require.ElementsMatch(t, []string{"question 0", "question 1"}, subjects)
	require.Contains(t, out.String(), "2 messages\n")

	// Mailpit received the message the composed sender sent.
	hc := &http.Client{Timeout: 5 * time.Second}
	require.Eventually(t, func() bool {
		resp, err := hc.Get(api + "/api/v1/search?" + url.Values{"query": {fmt.Sprintf("message-id:%q", res.Sent.MessageID)}}.Encode())
		if err != nil {
			return false
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		var r struct {
			Messages []struct{ Subject string } `json:"messages"`
		}
		return json.Unmarshal(body, &r) == nil && len(r.Messages) == 1 && r.Messages[0].Subject == "Test from the imap-smtp example"
	}, 10*time.Second, 50*time.Millisecond, "Mailpit never received %s", res.Sent.MessageID)

	// And the IMAP side kept a copy in the Sent folder.
	data, err := c.Status(sent, &imap.StatusOptions{NumMessages: true}).Wait()
	require.NoError(t, err)
	require.Equal(t, uint32(1), *data.NumMessages, "one copy in the Sent folder")
}

func TestRunRefusesBadSettings(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, err := run(t.Context(), options{Settings: json.RawMessage(`{"email":"a@example.com","imap":{"host":"imap.example.com"},"smtp":{"port":-1}}`), Password: "pw"}, &out)
	require.Error(t, err)
	require.Contains(t, out.String(), "setting smtp.host ")
	require.Contains(t, out.String(), "setting smtp.port ")
	require.NotContains(t, out.String()+err.Error(), "pw\"")
}

func splitHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return h, n
}
