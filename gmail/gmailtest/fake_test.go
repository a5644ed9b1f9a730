package gmailtest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
)

const user = "support@example.com"

// client calls the fake over plain HTTP, to see the wire format.
type client struct {
	t     *testing.T
	srv   *gmailtest.Server
	token string
}

func newClient(t *testing.T, opts gmailtest.Options) (*client, *gmailtest.Mailbox) {
	srv := gmailtest.NewServer(opts)
	t.Cleanup(srv.Close)
	mb := srv.AddUser(user)
	return &client{t: t, srv: srv, token: srv.IssueToken(user).AccessToken}, mb
}

// do sends a request and returns the status, headers and body.
func (c *client) do(method, path string, body string) (int, http.Header, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, r)
	require.NoError(c.t, err)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, resp.Header, b
}

func (c *client) get(path string, into any) {
	c.t.Helper()
	code, _, b := c.do(http.MethodGet, path, "")
	require.Equal(c.t, http.StatusOK, code, string(b))
	reflect.ValueOf(into).Elem().SetZero() // decode into a fresh value
	require.NoError(c.t, json.Unmarshal(b, into))
}

func raw(id, subject string, extra ...string) []byte {
	return []byte(fmt.Sprintf("From: a@example.org\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n%s\r\nHello\r\n",
		user, subject, id, strings.Join(append(extra, ""), "\r\n")))
}

const u = "/gmail/v1/users/me"

// Every response the fake sends has the shape the discovery document
// gives: no unknown field, 64-bit integers as strings.
func TestWireFormatMatchesDiscovery(t *testing.T) {
	t.Parallel()
	d := loadDiscovery(t)
	c, mb := newClient(t, gmailtest.Options{})
	start := mb.HistoryID()
	id, err := mb.Insert(raw("a@x", "A"))
	require.NoError(t, err)
	require.NoError(t, mb.Modify(id, []string{"STARRED"}, []string{"UNREAD"}))
	_, err = mb.Insert(raw("b@x", "Re: A", "In-Reply-To: <a@x>"))
	require.NoError(t, err)
	info, _ := mb.Message(id)
	require.NoError(t, mb.Delete(id))
	other, err := mb.Insert(raw("c@x", "C"))
	require.NoError(t, err)

	for path, name := range map[string]string{
		u + "/profile":                                      "Profile",
		u + "/messages?maxResults=1":                        "ListMessagesResponse",
		u + "/messages/" + other + "?format=raw":            "Message",
		u + "/messages/" + other + "?format=metadata":       "Message",
		u + "/messages/" + other + "?format=full":           "Message",
		u + "/messages/" + other + "?format=minimal":        "Message",
		u + "/threads/" + info.ThreadID + "?format=minimal": "Thread",
		u + "/history?startHistoryId=" + fmt.Sprint(start):  "ListHistoryResponse",
	} {
		code, _, b := c.do(http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, code, "%s: %s", path, b)
		d.check(t, name, b)
	}
	code, _, b := c.do(http.MethodPost, u+"/watch", `{"topicName":"projects/my-project/topics/gmail"}`)
	require.Equal(t, http.StatusOK, code, string(b))
	d.check(t, "WatchResponse", b)
	code, _, b = c.do(http.MethodPost, u+"/messages/send", `{"raw":"`+b64(raw("s@x", "S"))+`"}`)
	require.Equal(t, http.StatusOK, code, string(b))
	d.check(t, "Message", b)
}

// Errors are Google's JSON error body, with the status name and reason.
func TestErrorBody(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, gmailtest.Options{})
	c.srv.InjectFault(gmailtest.Fault{Method: "users.getProfile", Status: 429, RetryAfter: 1500 * time.Millisecond})
	code, h, b := c.do(http.MethodGet, u+"/profile", "")
	require.Equal(t, 429, code)
	require.Equal(t, "2", h.Get("Retry-After"), "whole seconds, rounded up")
	require.JSONEq(t, `{"error":{"code":429,"message":"User-rate limit exceeded.","status":"RESOURCE_EXHAUSTED",
		"errors":[{"message":"User-rate limit exceeded.","domain":"usageLimits","reason":"rateLimitExceeded"}]}}`, string(b))

	code, _, b = c.do(http.MethodGet, u+"/messages/nope", "")
	require.Equal(t, 404, code)
	require.JSONEq(t, `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",
		"errors":[{"message":"Requested entity was not found.","domain":"global","reason":"notFound"}]}}`, string(b))
}

// A bearer token is required, must be one the server issued and still
// valid, and userId must be "me" or the token's user.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, gmailtest.Options{})
	good := c.token
	for _, tc := range []struct {
		token, path string
		code        int
	}{
		{"", u + "/profile", 401},
		{"forged", u + "/profile", 401},
		{good, "/gmail/v1/users/" + url.PathEscape(user) + "/profile", 200},
		{good, "/gmail/v1/users/SUPPORT@example.com/profile", 200},
		{good, "/gmail/v1/users/other@example.com/profile", 403},
	} {
		c.token = tc.token
		code, h, b := c.do(http.MethodGet, tc.path, "")
		require.Equal(t, tc.code, code, "%+v: %s", tc, b)
		if code == 401 {
			require.Contains(t, h.Get("WWW-Authenticate"), "Bearer")
		}
	}
	c.token = good
	c.srv.ExpireToken(good)
	code, _, _ := c.do(http.MethodGet, u+"/profile", "")
	require.Equal(t, 401, code)
}

// Faults hit the method and number of calls they say, in order.
func TestFaults(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, gmailtest.Options{})
	c.srv.InjectFault(gmailtest.Fault{Method: "messages.list", Status: 500, Times: 2})
	c.srv.InjectFault(gmailtest.Fault{Status: 403, Reason: gmailtest.ReasonUserRateLimitExceeded})
	var codes []int
	for range 3 {
		code, _, _ := c.do(http.MethodGet, u+"/messages", "")
		codes = append(codes, code)
	}
	require.Equal(t, []int{500, 500, 403}, codes)
	code, _, _ := c.do(http.MethodGet, u+"/profile", "")
	require.Equal(t, 200, code)
	c.srv.InjectFault(gmailtest.Fault{Status: 503, Times: -1})
	c.srv.ClearFaults()
	code, _, _ = c.do(http.MethodGet, u+"/profile", "")
	require.Equal(t, 200, code)
	require.Equal(t, 3, c.srv.Calls("messages.list"))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
