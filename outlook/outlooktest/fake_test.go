package outlooktest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const user = "support@contoso.example"

func raw(id string) []byte {
	return []byte("From: a@example.org\r\nTo: " + user + "\r\nSubject: s " + id + "\r\nMessage-ID: <" + id + ">\r\n\r\nbody\r\n")
}

// get calls the server with tok and decodes a JSON answer.
func get(t *testing.T, s *Server, tok, url string, prefer ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("client-request-id", "c-1")
	for _, p := range prefer {
		req.Header.Add("Prefer", p)
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(b, &body), string(b))
	}
	return resp.StatusCode, resp.Header, body
}

// Errors have Graph's shape: error.code, error.message and
// error.innerError with date, request-id and the client-request-id.
func TestErrorShape(t *testing.T) {
	t.Parallel()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	status, h, body := get(t, s, "", s.Endpoint()+"/me")
	require.Equal(t, http.StatusUnauthorized, status)
	require.NotEmpty(t, h.Get("WWW-Authenticate"))
	e := body["error"].(map[string]any)
	require.Equal(t, "InvalidAuthenticationToken", e["code"])
	require.NotEmpty(t, e["message"])
	inner := e["innerError"].(map[string]any)
	require.NotEmpty(t, inner["date"])
	require.NotEmpty(t, inner["request-id"])
	require.Equal(t, "c-1", inner["client-request-id"])

	tok := s.IssueToken(user).AccessToken
	s.InjectFault(Fault{Op: "me", Status: http.StatusTooManyRequests, RetryAfter: 1500e6})
	status, h, body = get(t, s, tok, s.Endpoint()+"/me")
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "2", h.Get("Retry-After"), "whole seconds, rounded up")
	require.Equal(t, CodeTooManyRequests, body["error"].(map[string]any)["code"])
}

// Delta pages by odata.maxpagesize with nextLinks to a deltaLink; the
// next round reports removals as "@removed"; an expired token is 410
// syncStateNotFound.
func TestDeltaWire(t *testing.T) {
	t.Parallel()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	mb := s.AddUser(user)
	tok := s.IssueToken(user).AccessToken
	var ids []string
	for _, id := range []string{"a@x", "b@x", "c@x"} {
		i, err := mb.Insert(raw(id), "")
		require.NoError(t, err)
		ids = append(ids, i)
	}
	link := s.Endpoint() + "/me/mailFolders/inbox/messages/delta()?$select=subject"
	var pages int
	var delta string
	for link != "" {
		status, h, body := get(t, s, tok, link, "odata.maxpagesize=2", `IdType="ImmutableId"`)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, h.Values("Preference-Applied"), "odata.maxpagesize=2")
		pages++
		for _, v := range body["value"].([]any) {
			m := v.(map[string]any)
			require.Contains(t, ids, m["id"])
			require.NotEmpty(t, m["subject"])
			require.NotContains(t, m, "body", "$select kept across pages")
		}
		link, _ = body["@odata.nextLink"].(string)
		if d, ok := body["@odata.deltaLink"].(string); ok {
			delta = d
		}
	}
	require.Equal(t, 2, pages)
	require.Contains(t, delta, "$deltatoken=")

	require.NoError(t, mb.Delete(ids[1]))
	_, _, body := get(t, s, tok, delta, `IdType="ImmutableId"`)
	v := body["value"].([]any)
	require.Len(t, v, 1)
	require.Equal(t, ids[1], v[0].(map[string]any)["id"])
	require.Equal(t, map[string]any{"reason": "deleted"}, v[0].(map[string]any)["@removed"])

	mb.ExpireDeltaTokens()
	status, _, body := get(t, s, tok, delta)
	require.Equal(t, http.StatusGone, status)
	require.Equal(t, CodeSyncStateNotFound, body["error"].(map[string]any)["code"])
}

// Without Prefer: IdType="ImmutableId", ids change when a message
// moves, as Outlook's default ids do.
func TestMutableIDs(t *testing.T) {
	t.Parallel()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	mb := s.AddUser(user)
	tok := s.IssueToken(user).AccessToken
	id, err := mb.Insert(raw("m@x"), "")
	require.NoError(t, err)
	_, _, before := get(t, s, tok, s.Endpoint()+"/me/messages/"+id)
	require.NoError(t, mb.Move(id, Archive))
	_, _, after := get(t, s, tok, s.Endpoint()+"/me/messages/"+id)
	require.NotEqual(t, before["id"], after["id"])
	_, _, immutable := get(t, s, tok, s.Endpoint()+"/me/messages/"+id, `IdType="ImmutableId"`)
	require.Equal(t, id, immutable["id"])
}
