package outlooktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// send calls the server with a JSON body (Content-Type application/json
// unless ct says otherwise) and decodes the answer.
func send(t *testing.T, s *Server, tok, method, u, body string, prefer ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	for _, p := range prefer {
		req.Header.Add("Prefer", p)
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return resp.StatusCode, out
}

const immutable = `IdType="ImmutableId"`

// PATCH changes isRead and flag and answers the message; the folder's
// next delta round reports it again with the new state.
func TestPatchMessage(t *testing.T) {
	t.Parallel()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	mb := s.AddUser(user)
	tok := s.IssueToken(user).AccessToken
	id, err := mb.Insert(raw("a@x"), Inbox)
	require.NoError(t, err)
	_, _, first := get(t, s, tok, s.Endpoint()+"/me/mailFolders/inbox/messages/delta", immutable)
	delta := first["@odata.deltaLink"].(string)

	status, body := send(t, s, tok, http.MethodPatch, s.Endpoint()+"/me/messages/"+id,
		`{"@odata.type":"#microsoft.graph.message","isRead":true,"flag":{"@odata.type":"#microsoft.graph.followupFlag","flagStatus":"flagged"}}`, immutable)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, true, body["isRead"])
	require.Equal(t, map[string]any{"flagStatus": "flagged"}, body["flag"])
	require.Equal(t, id, body["id"])
	info, _ := mb.Message(id)
	require.True(t, info.Read)
	require.True(t, info.Flagged)

	_, _, next := get(t, s, tok, delta, immutable)
	value := next["value"].([]any)
	require.Len(t, value, 1)
	require.Equal(t, true, value[0].(map[string]any)["isRead"])
}

// A move answers 201 with the message in its new folder: the same id
// with immutable ids, a new one without; delta rounds report it removed
// from the old folder and new in the other.
func TestMoveMessage(t *testing.T) {
	t.Parallel()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	mb := s.AddUser(user)
	tok := s.IssueToken(user).AccessToken
	id, err := mb.Insert(raw("a@x"), Inbox)
	require.NoError(t, err)
	_, _, inbox := get(t, s, tok, s.Endpoint()+"/me/mailFolders/inbox/messages/delta", immutable)
	_, _, archive := get(t, s, tok, s.Endpoint()+"/me/mailFolders/archive/messages/delta", immutable)

	status, body := send(t, s, tok, http.MethodPost, s.Endpoint()+"/me/messages/"+id+"/move", `{"destinationId":"archive"}`, immutable)
	require.Equal(t, http.StatusCreated, status, body)
	require.Equal(t, id, body["id"])
	require.Equal(t, FolderID(Archive), body["parentFolderId"])

	_, _, in2 := get(t, s, tok, inbox["@odata.deltaLink"].(string), immutable)
	require.Equal(t, map[string]any{"reason": "deleted"}, in2["value"].([]any)[0].(map[string]any)["@removed"])
	_, _, ar2 := get(t, s, tok, archive["@odata.deltaLink"].(string), immutable)
	require.Equal(t, id, ar2["value"].([]any)[0].(map[string]any)["id"])

	status, body = send(t, s, tok, http.MethodPost, s.Endpoint()+"/me/messages/"+id+"/move", `{"destinationId":"`+FolderID(Inbox)+`"}`)
	require.Equal(t, http.StatusCreated, status, body)
	require.NotEqual(t, id, body["id"], "without immutable ids a move changes the id")
	info, _ := mb.Message(id)
	require.Equal(t, Inbox, info.Folder)
}

// Malformed bodies are refused with 400 and Graph's error body, and
// change nothing; a missing message or folder is 404.
func TestModifyRefusesMalformedBodies(t *testing.T) {
	t.Parallel()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	mb := s.AddUser(user)
	tok := s.IssueToken(user).AccessToken
	id, err := mb.Insert(raw("a@x"), Inbox)
	require.NoError(t, err)
	msg := s.Endpoint() + "/me/messages/" + id
	for _, tc := range []struct {
		name, method, url, body, code string
		status                        int
	}{
		{"not JSON", http.MethodPatch, msg, `{"isRead":`, "BadRequest", 400},
		{"not an object", http.MethodPatch, msg, `[true]`, "BadRequest", 400},
		{"unknown property", http.MethodPatch, msg, `{"seen":true}`, CodeRequestBodyRead, 400},
		{"wrong type", http.MethodPatch, msg, `{"isRead":"yes"}`, CodeRequestBodyRead, 400},
		{"bad flag status", http.MethodPatch, msg, `{"flag":{"flagStatus":"on"}}`, CodeRequestBodyRead, 400},
		{"flag not an object", http.MethodPatch, msg, `{"flag":"flagged"}`, CodeRequestBodyRead, 400},
		{"wrong odata type", http.MethodPatch, msg, `{"@odata.type":"#microsoft.graph.event","isRead":true}`, CodeRequestBodyRead, 400},
		{"empty", http.MethodPatch, msg, `{}`, CodeInvalidRequest, 400},
		{"missing message", http.MethodPatch, s.Endpoint() + "/me/messages/AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A99999999", `{"isRead":true}`, CodeItemNotFound, 404},
		{"move without destination", http.MethodPost, msg + "/move", `{}`, CodeInvalidRequest, 400},
		{"move with another parameter", http.MethodPost, msg + "/move", `{"destinationId":"archive","copy":true}`, CodeRequestBodyRead, 400},
		{"move to a malformed id", http.MethodPost, msg + "/move", `{"destinationId":"nowhere"}`, CodeInvalidIDMalformed, 400},
		{"move to a missing folder", http.MethodPost, msg + "/move", `{"destinationId":"AAMkAGnothere"}`, CodeItemNotFound, 404},
	} {
		status, body := send(t, s, tok, tc.method, tc.url, tc.body)
		require.Equal(t, tc.status, status, "%s: %v", tc.name, body)
		e, ok := body["error"].(map[string]any)
		require.True(t, ok, tc.name)
		require.Equal(t, tc.code, e["code"], tc.name)
		require.NotEmpty(t, e["message"], tc.name)
		require.NotEmpty(t, e["innerError"].(map[string]any)["request-id"], tc.name)
	}
	info, _ := mb.Message(id)
	require.Equal(t, MessageInfo{ID: id, Folder: Inbox, MessageID: "a@x"}, info, "nothing changed")
}

// Folders: the top level (well-known folders, then the user's), paged
// with $top and @odata.nextLink, hidden ones only when asked; a folder's
// childFolders; counts; GET by well-known name.
func TestFolders(t *testing.T) {
	t.Parallel()
	s := NewServer(Options{})
	t.Cleanup(s.Close)
	mb := s.AddUser(user)
	tok := s.IssueToken(user).AccessToken
	clients, err := mb.CreateFolder("Clients", "", false)
	require.NoError(t, err)
	acme, err := mb.CreateFolder("Acme", clients, false)
	require.NoError(t, err)
	_, err = mb.CreateFolder("Hidden", "", true)
	require.NoError(t, err)
	_, err = mb.Insert(raw("a@x"), acme)
	require.NoError(t, err)

	var names []string
	next := s.Endpoint() + "/me/mailFolders?$top=3"
	for next != "" {
		status, _, body := get(t, s, tok, next)
		require.Equal(t, 200, status, body)
		for _, v := range body["value"].([]any) {
			names = append(names, v.(map[string]any)["displayName"].(string))
		}
		next, _ = body["@odata.nextLink"].(string)
	}
	require.Equal(t, []string{"Inbox", "Sent Items", "Drafts", "Deleted Items", "Junk Email", "Archive", "Clients"}, names)
	_, _, body := get(t, s, tok, s.Endpoint()+"/me/mailFolders?includeHiddenFolders=true&$top=50")
	require.Len(t, body["value"], 8)
	status, _, body := get(t, s, tok, s.Endpoint()+"/me/mailFolders?includeHiddenFolders=maybe")
	require.Equal(t, 400, status, body)

	_, _, body = get(t, s, tok, s.Endpoint()+"/me/mailFolders/"+url.PathEscape(clients)+"/childFolders")
	require.Len(t, body["value"], 1)
	child := body["value"].([]any)[0].(map[string]any)
	require.Equal(t, acme, child["id"])
	require.Equal(t, clients, child["parentFolderId"])
	require.EqualValues(t, 1, child["totalItemCount"])
	require.EqualValues(t, 1, child["unreadItemCount"])

	status, _, body = get(t, s, tok, s.Endpoint()+"/me/mailFolders/JunkEmail")
	require.Equal(t, 200, status, body)
	require.Equal(t, FolderID(JunkEmail), body["id"])
	require.NoError(t, mb.RemoveFolder(Archive))
	status, _, body = get(t, s, tok, s.Endpoint()+"/me/mailFolders/archive")
	require.Equal(t, 404, status, body)
}
