package gmailtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
)

// labels.list, labels.get, messages.modify, trash and untrash answer in
// the discovery document's shapes.
func TestLabelAndModifyWireFormat(t *testing.T) {
	t.Parallel()
	d := loadDiscovery(t)
	c, mb := newClient(t, gmailtest.Options{})
	work := mb.CreateLabel("Work")
	id, err := mb.Insert(raw("a@x", "A"), "INBOX", "UNREAD", work)
	require.NoError(t, err)

	code, _, b := c.do(http.MethodGet, u+"/labels", "")
	require.Equal(t, http.StatusOK, code, string(b))
	d.check(t, "ListLabelsResponse", b)
	require.NotContains(t, string(b), "messagesTotal", "labels.list gives no counts")

	code, _, b = c.do(http.MethodGet, u+"/labels/"+work, "")
	require.Equal(t, http.StatusOK, code, string(b))
	d.check(t, "Label", b)
	require.JSONEq(t, `{"id":"`+work+`","name":"Work","type":"user","messageListVisibility":"show","labelListVisibility":"labelShow",
		"messagesTotal":1,"messagesUnread":1,"threadsTotal":1,"threadsUnread":1}`, string(b))

	code, _, b = c.do(http.MethodPost, u+"/messages/"+id+"/modify", `{"addLabelIds":["STARRED"],"removeLabelIds":["UNREAD"]}`)
	require.Equal(t, http.StatusOK, code, string(b))
	d.check(t, "Message", b)
	require.JSONEq(t, `{"id":"`+id+`","threadId":"`+id+`","labelIds":["INBOX","`+work+`","STARRED"]}`, string(b))

	for _, op := range []string{"trash", "untrash"} {
		code, _, b = c.do(http.MethodPost, u+"/messages/"+id+"/"+op, "")
		require.Equal(t, http.StatusOK, code, string(b))
		d.check(t, "Message", b)
	}
	info, _ := mb.Message(id)
	require.Equal(t, []string{"INBOX", work, "STARRED"}, info.Labels, "trash keeps the other labels; untrash removes TRASH")

	code, _, b = c.do(http.MethodPost, u+"/messages/batchModify", `{"ids":["`+id+`"],"addLabelIds":["TRASH"]}`)
	require.Equal(t, http.StatusNoContent, code, string(b))
	require.Empty(t, b)
}

// Malformed and impossible changes are refused with 400 and Google's
// error body, changing nothing; a missing message is 404.
func TestModifyRefusesMalformedRequests(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{})
	id, err := mb.Insert(raw("a@x", "A"))
	require.NoError(t, err)
	before := mb.HistoryID()
	many := `"` + strings.Repeat(`INBOX","`, 100) + `INBOX"`
	ids := `"` + strings.Repeat(id+`","`, 1000) + id + `"`
	for _, tc := range []struct {
		name, path, body, message string
		code                      int
	}{
		{"not JSON", "/messages/" + id + "/modify", `{"addLabelIds":`, "Invalid JSON payload received.", 400},
		{"unknown field", "/messages/" + id + "/modify", `{"labels":["INBOX"]}`, `Unknown name "labels"`, 400},
		{"wrong type", "/messages/" + id + "/modify", `{"addLabelIds":"STARRED"}`, "Invalid value at 'addLabelIds'", 400},
		{"nothing to do", "/messages/" + id + "/modify", `{}`, "No label add or removes specified", 400},
		{"unknown label", "/messages/" + id + "/modify", `{"addLabelIds":["Label_99"]}`, "Invalid label: Label_99", 400},
		{"SENT is Gmail's", "/messages/" + id + "/modify", `{"addLabelIds":["SENT"]}`, "Invalid label: SENT", 400},
		{"too many labels", "/messages/" + id + "/modify", `{"addLabelIds":[` + many + `]}`, "Too many label changes", 400},
		{"malformed id", "/messages/not-an-id/modify", `{"addLabelIds":["STARRED"]}`, "Invalid id value", 400},
		{"missing message", "/messages/00000000000000aa/modify", `{"addLabelIds":["STARRED"]}`, "Requested entity was not found.", 404},
		{"batch without ids", "/messages/batchModify", `{"addLabelIds":["STARRED"]}`, "ids must be specified", 400},
		{"batch of 1001", "/messages/batchModify", `{"ids":[` + ids + `],"addLabelIds":["STARRED"]}`, "Too many ids", 400},
		{"batch with a missing message", "/messages/batchModify", `{"ids":["` + id + `","00000000000000aa"],"addLabelIds":["STARRED"]}`, "Requested entity was not found.", 404},
		{"trash with a body", "/messages/" + id + "/trash", `{"addLabelIds":["STARRED"]}`, "takes no request body", 400},
		{"trash a missing message", "/messages/00000000000000aa/trash", "", "Requested entity was not found.", 404},
	} {
		code, _, b := c.do(http.MethodPost, u+tc.path, tc.body)
		require.Equal(t, tc.code, code, "%s: %s", tc.name, b)
		var e struct {
			Error struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				Status  string `json:"status"`
				Errors  []struct {
					Reason string `json:"reason"`
				} `json:"errors"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(b, &e), tc.name)
		require.Equal(t, tc.code, e.Error.Code, tc.name)
		require.Contains(t, e.Error.Message, tc.message, tc.name)
		require.NotEmpty(t, e.Error.Status, tc.name)
		require.Len(t, e.Error.Errors, 1, tc.name)
	}
	info, _ := mb.Message(id)
	require.Equal(t, []string{"INBOX", "UNREAD"}, info.Labels, "nothing changed")
	require.Equal(t, before, mb.HistoryID(), "no history record")
}

// Each method's quota units are counted: 5 for modify and trash, 50 for
// batchModify, 1 for labels.list and labels.get.
func TestModifyQuotaUnits(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{})
	id, err := mb.Insert(raw("a@x", "A"))
	require.NoError(t, err)
	calls := []struct{ method, path, body string }{
		{http.MethodGet, "/labels", ""},
		{http.MethodGet, "/labels/INBOX", ""},
		{http.MethodPost, "/messages/" + id + "/modify", `{"removeLabelIds":["UNREAD"]}`},
		{http.MethodPost, "/messages/" + id + "/trash", ""},
		{http.MethodPost, "/messages/" + id + "/untrash", ""},
		{http.MethodPost, "/messages/batchModify", `{"ids":["` + id + `"],"addLabelIds":["STARRED"]}`},
	}
	for _, call := range calls {
		code, _, b := c.do(call.method, u+call.path, call.body)
		require.Less(t, code, 300, "%s: %s", call.path, b)
	}
	for method, want := range map[string]int{
		"labels.list": 1, "labels.get": 1, "messages.modify": 5, "messages.trash": 5, "messages.untrash": 5, "messages.batchModify": 50,
	} {
		require.Equal(t, want, c.srv.MethodUnits(user, method), method)
	}
	require.Equal(t, 67, c.srv.Units(user))
}

// Every change by the API is in the history, as labelsAdded and
// labelsRemoved records with the message's labels after it.
func TestModifyRecordsHistory(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{})
	a, err := mb.Insert(raw("a@x", "A"))
	require.NoError(t, err)
	b, err := mb.Insert(raw("b@x", "B"))
	require.NoError(t, err)
	start := mb.HistoryID()
	code, _, body := c.do(http.MethodPost, u+"/messages/"+a+"/modify", `{"addLabelIds":["STARRED"],"removeLabelIds":["UNREAD"]}`)
	require.Equal(t, 200, code, string(body))
	code, _, body = c.do(http.MethodPost, u+"/messages/batchModify", `{"ids":["`+a+`","`+b+`"],"removeLabelIds":["INBOX"]}`)
	require.Equal(t, 204, code, string(body))
	code, _, body = c.do(http.MethodPost, u+"/messages/"+b+"/trash", "")
	require.Equal(t, 200, code, string(body))

	var h struct {
		History []struct {
			LabelsAdded, LabelsRemoved []struct {
				Message struct {
					ID       string   `json:"id"`
					LabelIDs []string `json:"labelIds"`
				} `json:"message"`
				LabelIDs []string `json:"labelIds"`
			}
		} `json:"history"`
	}
	c.get(u+"/history?startHistoryId="+fmt.Sprint(start), &h)
	var got []string
	for _, r := range h.History {
		for _, e := range r.LabelsAdded {
			got = append(got, fmt.Sprintf("%s +%v => %v", e.Message.ID, e.LabelIDs, e.Message.LabelIDs))
		}
		for _, e := range r.LabelsRemoved {
			got = append(got, fmt.Sprintf("%s -%v => %v", e.Message.ID, e.LabelIDs, e.Message.LabelIDs))
		}
	}
	require.Equal(t, []string{
		a + " +[STARRED] => [INBOX STARRED UNREAD]",
		a + " -[UNREAD] => [INBOX STARRED]",
		a + " -[INBOX] => [STARRED]",
		b + " -[INBOX] => [UNREAD]",
		b + " +[TRASH] => [TRASH UNREAD]",
	}, got)
}
