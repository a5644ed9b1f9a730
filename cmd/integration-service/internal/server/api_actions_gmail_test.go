package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// call sends a JSON request with the env's token and returns the status
// and body.
func (e *gmailEnv) call(method, path string, body any) (int, []byte) {
	e.t.Helper()
	return callJSON(e.t, e.base, e.token, method, path, body)
}

// callJSON sends a JSON request with token to base+path and returns the
// status and body.
func callJSON(t *testing.T, base, token, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// problemFields returns a problem's type and field names.
func problemFields(t *testing.T, body []byte) (string, []string) {
	t.Helper()
	var p problem
	require.NoError(t, json.Unmarshal(body, &p), "%s", body)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	return p.Type, fields
}

// TestActionsGmail: folders and actions on a Gmail mailbox (gmailtest):
// the labels listed, a label added and the archive role done at Gmail
// (the INBOX label removed), each announced once; an unknown label and
// an unknown label chosen to sync are refused naming the field; a
// message Gmail no longer has is a 410 and a message.deleted.
func TestActionsGmail(t *testing.T) {
	t.Parallel()
	e := newGmailEnv(t)
	mb := e.fake.AddUser("support@example.com")
	var gids []string
	for i := 1; i <= 2; i++ {
		id, err := mb.Insert(testMail(i), "INBOX")
		require.NoError(t, err)
		gids = append(gids, id)
	}
	orders := mb.CreateLabel("Orders")
	status, body := e.get(e.consent(e.authorize("name=Support&email=support@example.com")))
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var in struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &in))
	e.waitMessages(in.ID, 2)
	base := "/api/v1/integrations/" + in.ID
	ctx := context.Background()
	stored := func(gid string) *store.Message {
		m, err := e.app.store.GetMessageByProviderID(ctx, "tenant-gmail", in.ID, gid)
		require.NoError(t, err)
		return m
	}
	changes := func() []string {
		page, err := e.app.store.ListEvents(ctx, "tenant-gmail", store.ListEventsOptions{IntegrationID: in.ID, ListOptions: store.ListOptions{Limit: 500}})
		require.NoError(t, err)
		var out []string
		for _, ev := range page.Items {
			if ev.Type == syncrun.EventMessageUpdated || ev.Type == syncrun.EventMessageDeleted {
				out = append(out, ev.Type)
			}
		}
		return out
	}

	status, body = e.call(http.MethodGet, base+"/folders", nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var fl folderList
	require.NoError(t, json.Unmarshal(body, &fl))
	ids := map[string]string{}
	for _, f := range fl.Folders {
		ids[f.ID] = string(f.Role)
	}
	require.Equal(t, "inbox", ids["INBOX"], "%s", body)
	require.Contains(t, ids, orders)

	// The label chosen to sync is checked against the labels.
	status, body = e.call(http.MethodPut, base, map[string]any{"name": "Support", "config": map[string]any{"email": "support@example.com", "label": "Label_404"}})
	require.Equal(t, http.StatusUnprocessableEntity, status, "%s", body)
	_, fields := problemFields(t, body)
	require.Equal(t, []string{"config.label"}, fields)
	status, body = e.call(http.MethodPut, base, map[string]any{"name": "Support", "config": map[string]any{"email": "support@example.com", "label": "INBOX"}})
	require.Equal(t, http.StatusOK, status, "%s", body)

	// An unknown label: 422 naming it, nothing changed at Gmail.
	a := stored(gids[0])
	status, body = e.call(http.MethodPatch, base+"/messages/"+a.ID, map[string]any{"add_labels": []string{orders, "Label_404"}})
	require.Equal(t, http.StatusUnprocessableEntity, status, "%s", body)
	_, fields = problemFields(t, body)
	require.Equal(t, []string{"add_labels[1]"}, fields)
	info, _ := mb.Message(gids[0])
	require.NotContains(t, info.Labels, orders)

	// A label added at Gmail, the store following, announced once.
	status, body = e.call(http.MethodPatch, base+"/messages/"+a.ID, map[string]any{"add_labels": []string{orders}})
	require.Equal(t, http.StatusOK, status, "%s", body)
	info, _ = mb.Message(gids[0])
	require.Contains(t, info.Labels, orders)
	require.Contains(t, stored(gids[0]).Labels, orders)
	require.Equal(t, []string{syncrun.EventMessageUpdated}, changes())

	// Archived: Gmail removes INBOX.
	status, body = e.call(http.MethodPost, base+"/messages/"+a.ID+"/move", map[string]any{"role": "archive"})
	require.Equal(t, http.StatusOK, status, "%s", body)
	info, _ = mb.Message(gids[0])
	require.NotContains(t, info.Labels, "INBOX")
	require.False(t, slices.Contains(stored(gids[0]).Labels, "INBOX"))
	require.Len(t, changes(), 2)

	// Gone at Gmail: 410, marked deleted, one message.deleted.
	require.NoError(t, mb.Delete(gids[1]))
	b := stored(gids[1])
	status, body = e.call(http.MethodPost, base+"/messages/actions", map[string]any{"message_ids": []string{b.ID}, "action": map[string]any{"seen": true}})
	require.Equal(t, http.StatusOK, status, "%s", body)
	var batch batchResultView
	require.NoError(t, json.Unmarshal(body, &batch))
	require.Equal(t, "gone", batch.Results[0].Outcome)
	require.False(t, stored(gids[1]).DeletedAt.IsZero())
	require.Equal(t, []string{syncrun.EventMessageUpdated, syncrun.EventMessageUpdated, syncrun.EventMessageDeleted}, changes())
}
