package server

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/outlook/outlooktest"
	"github.com/ucsp/integration/store"
)

// TestActionsOutlook: folders and actions on an Outlook mailbox
// (outlooktest): the mail folders listed with their roles; folders
// chosen to sync checked (a well-known name or a listed id passes, an
// unknown one is refused naming config.folders[i]); seen and a move to a
// user's folder done at Graph, the store following.
func TestActionsOutlook(t *testing.T) {
	t.Parallel()
	const addr = "support@contoso.com"
	e := newOutlookEnv(t, outlooktest.Options{})
	e.start(nil)
	mb := e.fake.AddUser(addr)
	for i := 1; i <= 2; i++ {
		_, err := mb.Insert(outlookMail(i), outlooktest.Inbox)
		require.NoError(t, err)
	}
	orders, err := mb.CreateFolder("Orders", "", false)
	require.NoError(t, err)
	id := e.connect(addr)
	e.waitMessages(id, 2)
	base := "/api/v1/integrations/" + id
	call := func(method, path string, body any) (int, []byte) {
		return callJSON(t, e.base, e.token, method, path, body)
	}

	status, body := call(http.MethodGet, base+"/folders", nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var fl folderList
	require.NoError(t, json.Unmarshal(body, &fl))
	roles, names := map[string]string{}, map[string]string{}
	for _, f := range fl.Folders {
		roles[string(f.Role)] = f.ID
		names[f.Name] = f.ID
	}
	require.NotEmpty(t, roles["inbox"], "%s", body)
	require.NotEmpty(t, roles["archive"], "%s", body)
	require.Equal(t, orders, names["Orders"], "%s", body)

	status, body = call(http.MethodPut, base, map[string]any{"name": "Support", "config": map[string]any{"email": addr, "folders": []string{"inbox", "Nowhere"}}})
	require.Equal(t, http.StatusUnprocessableEntity, status, "%s", body)
	_, fields := problemFields(t, body)
	require.Equal(t, []string{"config.folders[1]"}, fields)
	status, body = call(http.MethodPut, base, map[string]any{"name": "Support", "config": map[string]any{"email": addr, "folders": []string{"Inbox", orders}}})
	require.Equal(t, http.StatusOK, status, "%s", body)

	page, err := e.app.store.ListMessages(context.Background(), "tenant-outlook", id, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 10}})
	require.NoError(t, err)
	m := page.Items[0]
	status, body = call(http.MethodPatch, base+"/messages/"+m.ID, map[string]any{"seen": true})
	require.Equal(t, http.StatusOK, status, "%s", body)
	info, ok := mb.MessageByMessageID(m.MessageID)
	require.True(t, ok)
	require.True(t, info.Read, "isRead at Graph")

	status, body = call(http.MethodPost, base+"/messages/"+m.ID+"/move", map[string]any{"folder": orders})
	require.Equal(t, http.StatusOK, status, "%s", body)
	var res actionResultView
	require.NoError(t, json.Unmarshal(body, &res))
	// A sync triggered by the update above may see Graph's new state and
	// store it before the action does: then the action finds the store
	// as asked ("unchanged") and the sync announced the move.
	require.Contains(t, []string{"updated", "unchanged"}, res.Outcome, "%s", body)
	require.Equal(t, m.ID, res.ID)
	info, ok = mb.MessageByMessageID(m.MessageID)
	require.True(t, ok)
	require.Equal(t, orders, info.Folder, "moved at Graph")
	require.Equal(t, []string{orders}, res.Message.Folders)
}
