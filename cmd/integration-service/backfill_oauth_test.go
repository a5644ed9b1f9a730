package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// backfillMail is a small message with subject.
func backfillMail(to, subject string) []byte {
	return fmt.Appendf(nil, "From: Customer <customer@example.org>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%d@example.org>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n",
		to, subject, time.Now().UnixNano())
}

// announced returns the subjects of the integration's message.received
// events and the count of each event type, through the API.
func announced(t *testing.T, c *apiClient, tok, id string) ([]string, map[string]int) {
	t.Helper()
	r := c.do(t, call{method: http.MethodGet, path: "/api/v1/events?limit=100&integration_id=" + id, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var page struct {
		Data []struct {
			Type string `json:"type"`
			Data struct {
				Message struct {
					Subject string `json:"subject"`
				} `json:"message"`
			} `json:"data"`
		} `json:"data"`
	}
	r.decode(t, &page)
	var subjects []string
	types := map[string]int{}
	for _, ev := range page.Data {
		types[ev.Type]++
		if ev.Type == "message.received" {
			subjects = append(subjects, ev.Data.Message.Subject)
		}
	}
	return subjects, types
}

// signIn connects the mailbox through the binary's OAuth routes
// (provider "google" or "microsoft") and returns the new integration.
func signIn(t *testing.T, c *apiClient, tok, provider, email string) integration {
	t.Helper()
	back := (&suite{c: c}).consent(t, tok, "/auth/"+provider+"/authorize?email="+email)
	r := c.do(t, call{method: http.MethodGet, path: back.RequestURI()})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in integration
	r.decode(t, &in)
	return in
}

// backfillShape checks, on a mailbox connected by connect that held
// "History" mail at sign-in: none of it announced, one
// sync.backfill_completed; "During", delivered while the first round
// runs, and "After", delivered later, announced once each; a resync
// (expire) announces nothing more.
func backfillShape(t *testing.T, c *apiClient, tok string, id string, deliver func(subject string), expire func()) {
	t.Helper()
	deliver("During")
	sync := func() {
		r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/sync", token: tok})
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	}
	require.Eventually(t, func() bool {
		_, types := announced(t, c, tok, id)
		return types["sync.backfill_completed"] == 1
	}, 30*time.Second, 50*time.Millisecond, "the first sync completes the history")
	deliver("After")
	sync()
	require.Eventually(t, func() bool {
		subjects, _ := announced(t, c, tok, id)
		return len(subjects) >= 2
	}, 30*time.Second, 50*time.Millisecond)
	expire()
	sync()
	time.Sleep(2 * time.Second) // the resync runs; anything it announced would be stored by now
	sync()
	time.Sleep(time.Second)
	subjects, types := announced(t, c, tok, id)
	require.ElementsMatch(t, []string{"During", "After"}, subjects, "the history is never announced, new mail once: %v", types)
	require.Equal(t, 1, types["sync.backfill_completed"])
	r := c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages?limit=100", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var page messagePage
	r.decode(t, &page)
	require.Len(t, page.Data, 5, "the 3 messages of the history and the 2 new ones stored, once")
}

// TestBackfillGmail: the real binary on the Gmail fake, signed in by
// OAuth over a mailbox holding 3 messages.
func TestBackfillGmail(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	fake := googleFake(t, env)
	mb := fake.AddUser(googleMailbox)
	for range 3 {
		_, err := mb.Insert(backfillMail(googleMailbox, "History"), "INBOX")
		require.NoError(t, err)
	}
	in := start(t, env)
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-backfill-gmail")
	// The first round's listing waits a second: "During" arrives in it.
	fake.InjectFault(gmailtest.Fault{Method: "messages.list", Delay: time.Second})
	created := signIn(t, c, tok, "google", googleMailbox)
	backfillShape(t, c, tok, created.ID, func(subject string) {
		_, err := mb.Insert(backfillMail(googleMailbox, subject), "INBOX")
		require.NoError(t, err)
	}, mb.ExpireHistory)
}

// TestBackfillOutlook: the real binary on the Graph fake, signed in by
// OAuth over a mailbox holding 3 messages received an hour before.
func TestBackfillOutlook(t *testing.T) {
	t.Parallel()
	var past atomic.Bool
	past.Store(true)
	fake := outlooktest.NewServer(outlooktest.Options{AllowHTTPNotificationURLs: true, Now: func() time.Time {
		if past.Load() {
			return time.Now().Add(-time.Hour)
		}
		return time.Now()
	}})
	t.Cleanup(fake.Close)
	mb := fake.AddUser(microsoftMailbox)
	for range 3 {
		_, err := mb.Insert(backfillMail(microsoftMailbox, "History"), outlooktest.Inbox)
		require.NoError(t, err)
	}
	past.Store(false)
	env := baseEnv()
	ep := fake.OAuthEndpoint("common")
	env["MICROSOFT_CLIENT_ID"], env["MICROSOFT_CLIENT_SECRET"] = "outlooktest-client", "outlooktest-secret"
	env["MICROSOFT_AUTH_URL"], env["MICROSOFT_TOKEN_URL"] = ep.AuthURL, ep.TokenURL
	env["GRAPH_API_URL"] = fake.Endpoint()
	in := start(t, env)
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-backfill-outlook")
	// The first delta page waits a second: "During" arrives in the round.
	fake.InjectFault(outlooktest.Fault{Op: "delta", Delay: time.Second})
	created := signIn(t, c, tok, "microsoft", microsoftMailbox)
	backfillShape(t, c, tok, created.ID, func(subject string) {
		_, err := mb.Insert(backfillMail(microsoftMailbox, subject), outlooktest.Inbox)
		require.NoError(t, err)
	}, mb.ExpireDeltaTokens)
}
