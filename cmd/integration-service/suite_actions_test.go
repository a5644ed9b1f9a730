package main

import (
	"net/http"
	"slices"
	"testing"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"
)

// actionResult is a MessageActionResult.
type actionResult struct {
	ID      string `json:"id"`
	Outcome string `json:"outcome"`
	Message struct {
		ID         string   `json:"id"`
		ProviderID string   `json:"provider_id"`
		Flags      []string `json:"flags"`
		Folders    []string `json:"folders"`
		DeletedAt  *string  `json:"deleted_at"`
	} `json:"message"`
}

// storedState is what an action may change of a stored message.
type storedState struct {
	ProviderID string   `json:"provider_id"`
	Flags      []string `json:"flags"`
	Labels     []string `json:"labels"`
	Folders    []string `json:"folders"`
	DeletedAt  *string  `json:"deleted_at"`
	UpdatedAt  string   `json:"updated_at"`
}

// messageState reads a stored message's state.
func (s *suite) messageState(t *testing.T, tok, id, msgID string) storedState {
	t.Helper()
	r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages/" + msgID, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var st storedState
	r.decode(t, &st)
	return st
}

// changeEvents returns the integration's message.updated and
// message.deleted events by type, each as source:message id.
func (s *suite) changeEvents(t *testing.T, tok, id string) map[string][]string {
	t.Helper()
	return apiChangeEvents(t, s.c, tok, id)
}

// messageActions: folders and actions on an IMAP mailbox (go-imap's
// memory server with MOVE and UIDPLUS), checked with a raw IMAP client;
// the bad-input matrix (each 422 names its field, nothing changes);
// other tenants' ids (404); a custom source (not supported).
func (s *suite) messageActions(t *testing.T) {
	tok := tokenFor(t, "tenant-actions")
	srv := newActionServer(t, s.mail.password)
	ids := []string{srv.deliver(t), srv.deliver(t), srv.deliver(t)}
	in := s.create(t, tok, srv.createBody("Actions", nil))
	base := "/api/v1/integrations/" + in.ID
	s.sync(t, tok, in.ID)
	msgs := s.waitMessages(t, tok, in.ID, 3)
	byMID := map[string]message{}
	for _, m := range msgs {
		byMID[m.MessageID] = m
	}
	a, b, c := byMID[ids[0]], byMID[ids[1]], byMID[ids[2]]
	require.NotEmpty(t, a.ID)
	s.waitIdle(t)

	// Folders, with their roles.
	r := s.c.do(t, call{method: http.MethodGet, path: base + "/folders", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var fl struct {
		Folders []struct {
			ID         string `json:"id"`
			Role       string `json:"role"`
			Selectable bool   `json:"selectable"`
		} `json:"folders"`
	}
	r.decode(t, &fl)
	roles := map[string]string{}
	for _, f := range fl.Folders {
		roles[f.ID] = f.Role
	}
	require.Equal(t, "inbox", roles["INBOX"], "%s", r.body)
	require.Contains(t, roles, "Archive", "%s", r.body) // go-imap's memory server has no special use: roles are tested on Dovecot
	require.Contains(t, roles, "Lists/Go")

	// The folders a config chooses are checked against that list.
	r = s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: srv.createBody("Bad folders", map[string]any{"folders": []string{"INBOX", "Nowhere"}})})
	require.Equal(t, []string{"config.folders[1]"}, r.requireProblem(t, http.StatusUnprocessableEntity).fields())
	r = s.c.do(t, call{method: http.MethodPut, path: base, token: tok, body: map[string]any{"name": "Actions", "config": srv.createBody("", map[string]any{"folders": []string{"Nowhere"}})["config"]}})
	require.Equal(t, []string{"config.folders[0]"}, r.requireProblem(t, http.StatusUnprocessableEntity).fields())

	// Bad input: 422 naming the field (400 for what the document
	// refuses), nothing changed.
	before := map[string]storedState{}
	for _, m := range msgs {
		before[m.ID] = s.messageState(t, tok, in.ID, m.ID)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = a.ID
	}
	for _, tc := range []struct {
		name    string
		cl      call
		status  int
		field   string
		invalid bool
	}{
		{"nothing asked", call{method: http.MethodPatch, path: base + "/messages/" + a.ID, body: map[string]any{}}, 422, "body", false},
		{"labels on IMAP", call{method: http.MethodPatch, path: base + "/messages/" + a.ID, body: map[string]any{"add_labels": []string{"Label_1"}}}, 422, "add_labels", false},
		{"mistyped", call{method: http.MethodPatch, path: base + "/messages/" + a.ID, body: map[string]any{"seen": "yes"}}, 400, "seen", true},
		{"folders are moves", call{method: http.MethodPatch, path: base + "/messages/" + a.ID, body: map[string]any{"folder": "Archive"}}, 400, "folder", true},
		{"unknown folder", call{method: http.MethodPost, path: base + "/messages/" + a.ID + "/move", body: map[string]any{"folder": "Nowhere"}}, 422, "folder", false},
		{"no messages there", call{method: http.MethodPost, path: base + "/messages/" + a.ID + "/move", body: map[string]any{"folder": "Lists"}}, 422, "folder", false},
		{"unknown role", call{method: http.MethodPost, path: base + "/messages/" + a.ID + "/move", body: map[string]any{"role": "attic"}}, 422, "role", true},
		{"role no folder has", call{method: http.MethodPost, path: base + "/messages/" + a.ID + "/move", body: map[string]any{"role": "archive"}}, 422, "role", false},
		{"folder and role", call{method: http.MethodPost, path: base + "/messages/" + a.ID + "/move", body: map[string]any{"folder": "Archive", "role": "trash"}}, 422, "role", false},
		{"no destination", call{method: http.MethodPost, path: base + "/messages/" + a.ID + "/move", body: map[string]any{}}, 422, "folder", false},
		{"more than 100", call{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": many, "action": map[string]any{"seen": true}}}, 422, "message_ids", true},
		{"none", call{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": []string{}, "action": map[string]any{"seen": true}}}, 422, "message_ids", true},
		{"twice", call{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID, b.ID, a.ID}, "action": map[string]any{"seen": true}}}, 422, "message_ids[2]", false},
		{"batch labels", call{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID}, "action": map[string]any{"seen": true, "remove_labels": []string{"X"}}}}, 422, "action.remove_labels", false},
		{"batch folder", call{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID}, "action": map[string]any{"folder": "Nowhere"}}}, 422, "action.folder", false},
		{"batch nothing", call{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID}, "action": map[string]any{}}}, 422, "action", false},
	} {
		tc.cl.token, tc.cl.invalid = tok, tc.invalid
		p := s.c.do(t, tc.cl).requireProblem(t, tc.status)
		require.Contains(t, p.fields(), tc.field, "%s: %+v", tc.name, p)
	}
	missing := "01900000-0000-7000-8000-000000000000"
	for _, cl := range []call{
		{method: http.MethodPatch, path: base + "/messages/" + missing, body: map[string]any{"seen": true}},
		{method: http.MethodPatch, path: base + "/messages/not-an-id", body: map[string]any{"seen": true}},
		{method: http.MethodPost, path: base + "/messages/" + missing + "/move", body: map[string]any{"role": "archive"}},
		{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID, missing}, "action": map[string]any{"seen": true}}},
	} {
		cl.token = tok
		p := s.c.do(t, cl).requireProblem(t, http.StatusNotFound)
		require.Equal(t, "urn:ucsp:problem:not-found", p.Type)
	}
	for _, m := range msgs {
		require.Equal(t, before[m.ID], s.messageState(t, tok, in.ID, m.ID), "bad input changed the stored message")
	}
	require.Empty(t, s.changeEvents(t, tok, in.ID), "bad input announced something")
	raw := srv.login(t)
	for _, m := range folderMessages(t, raw, "INBOX") {
		require.Empty(t, m.flags, "bad input changed the mailbox")
	}

	// Another tenant: every route, with this tenant's ids, is a 404;
	// its own integration with this tenant's message ids too.
	other := tokenFor(t, "tenant-actions-other")
	own := s.create(t, other, srv.createBody("Other", nil))
	for _, cl := range []call{
		{method: http.MethodGet, path: base + "/folders"},
		{method: http.MethodPatch, path: base + "/messages/" + a.ID, body: map[string]any{"seen": true}},
		{method: http.MethodPost, path: base + "/messages/" + a.ID + "/move", body: map[string]any{"role": "archive"}},
		{method: http.MethodPost, path: base + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID}, "action": map[string]any{"seen": true}}},
		{method: http.MethodPatch, path: "/api/v1/integrations/" + own.ID + "/messages/" + a.ID, body: map[string]any{"seen": true}},
		{method: http.MethodPost, path: "/api/v1/integrations/" + own.ID + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID}, "action": map[string]any{"seen": true}}},
	} {
		cl.token = other
		p := s.c.do(t, cl).requireProblem(t, http.StatusNotFound)
		require.Equal(t, "urn:ucsp:problem:not-found", p.Type, "%s %s", cl.method, cl.path)
	}
	require.Equal(t, before[a.ID], s.messageState(t, tok, in.ID, a.ID))

	// A custom source has no folders and no mailbox to act on.
	custom := s.create(t, tok, map[string]any{"name": "Form", "provider": "custom"})
	s.secrets = append(s.secrets, custom.WebhookSecret)
	cbase := "/api/v1/integrations/" + custom.ID
	for _, cl := range []call{
		{method: http.MethodGet, path: cbase + "/folders"},
		{method: http.MethodPatch, path: cbase + "/messages/" + a.ID, body: map[string]any{"seen": true}},
		{method: http.MethodPost, path: cbase + "/messages/" + a.ID + "/move", body: map[string]any{"role": "archive"}},
		{method: http.MethodPost, path: cbase + "/messages/actions", body: map[string]any{"message_ids": []string{a.ID}, "action": map[string]any{"seen": true}}},
	} {
		cl.token = tok
		p := s.c.do(t, cl).requireProblem(t, http.StatusUnprocessableEntity)
		require.Equal(t, "urn:ucsp:problem:not-supported", p.Type, "%s %s", cl.method, cl.path)
	}

	// Credentials the server refuses: 409 needs-reauth, and the
	// integration is marked so.
	wrongBody := srv.createBody("Wrong password", nil)
	wrongBody["credentials"] = map[string]any{"password": "not-the-password"}
	wrong := s.create(t, tok, wrongBody)
	p := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + wrong.ID + "/folders", token: tok}).requireProblem(t, http.StatusConflict)
	require.Equal(t, "urn:ucsp:problem:needs-reauth", p.Type)
	r = s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + wrong.ID, token: tok})
	var wrongNow integration
	r.decode(t, &wrongNow)
	require.Equal(t, "needs_reauth", wrongNow.Status)

	// Seen: \Seen at the server, the store follows, one message.updated
	// from the API; the same again changes and announces nothing.
	r = s.c.do(t, call{method: http.MethodPatch, path: base + "/messages/" + a.ID, token: tok, body: map[string]any{"seen": true}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var res actionResult
	r.decode(t, &res)
	require.Equal(t, "updated", res.Outcome)
	require.Contains(t, res.Message.Flags, `\Seen`)
	rm, ok := findRaw(folderMessages(t, raw, "INBOX"), ids[0])
	require.True(t, ok)
	require.Contains(t, rm.flags, goimap.FlagSeen, "the server has \\Seen")
	require.Equal(t, map[string][]string{"message.updated": {"api:" + a.ID}}, s.changeEvents(t, tok, in.ID))
	r = s.c.do(t, call{method: http.MethodPatch, path: base + "/messages/" + a.ID, token: tok, body: map[string]any{"seen": true}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.decode(t, &res)
	require.Equal(t, "unchanged", res.Outcome)
	require.Len(t, s.changeEvents(t, tok, in.ID)["message.updated"], 1)

	// A batch: flagged, results in the request's order.
	r = s.c.do(t, call{method: http.MethodPost, path: base + "/messages/actions", token: tok, body: map[string]any{"message_ids": []string{b.ID, a.ID}, "action": map[string]any{"flagged": true}}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var batch struct {
		Results []actionResult `json:"results"`
	}
	r.decode(t, &batch)
	require.Len(t, batch.Results, 2)
	require.Equal(t, []string{b.ID, a.ID}, []string{batch.Results[0].ID, batch.Results[1].ID})
	for _, br := range batch.Results {
		require.Equal(t, "updated", br.Outcome)
		require.Contains(t, br.Message.Flags, `\Flagged`)
	}
	for _, id := range ids[:2] {
		rm, ok := findRaw(folderMessages(t, raw, "INBOX"), id)
		require.True(t, ok)
		require.Contains(t, rm.flags, goimap.FlagFlagged)
	}
	require.Len(t, s.changeEvents(t, tok, in.ID)["message.updated"], 3)

	// Move to Archive: there, gone from INBOX, same store id.
	r = s.c.do(t, call{method: http.MethodPost, path: base + "/messages/" + b.ID + "/move", token: tok, body: map[string]any{"folder": "Archive"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.decode(t, &res)
	require.Equal(t, "updated", res.Outcome)
	require.Equal(t, b.ID, res.Message.ID)
	require.Equal(t, []string{"Archive"}, res.Message.Folders)
	_, ok = findRaw(folderMessages(t, raw, "Archive"), ids[1])
	require.True(t, ok, "the message is in Archive")
	_, ok = findRaw(folderMessages(t, raw, "INBOX"), ids[1])
	require.False(t, ok, "the message is gone from INBOX")
	require.Len(t, s.changeEvents(t, tok, in.ID)["message.updated"], 4)

	// A message the server no longer has: 410, marked deleted, one
	// message.deleted from the API.
	rm, ok = findRaw(folderMessages(t, raw, "INBOX"), ids[2])
	require.True(t, ok)
	expungeUID(t, raw, "INBOX", rm.uid)
	p = s.c.do(t, call{method: http.MethodPatch, path: base + "/messages/" + c.ID, token: tok, body: map[string]any{"seen": true}}).requireProblem(t, http.StatusGone)
	require.Equal(t, "urn:ucsp:problem:gone", p.Type)
	require.NotNil(t, s.messageState(t, tok, in.ID, c.ID).DeletedAt)
	require.Equal(t, []string{"api:" + c.ID}, s.changeEvents(t, tok, in.ID)["message.deleted"])

	// The sync that sees the same state announces nothing more.
	want := s.changeEvents(t, tok, in.ID)
	s.sync(t, tok, in.ID)
	s.waitIdle(t)
	require.Equal(t, want, s.changeEvents(t, tok, in.ID), "the sync announced a change the API had announced")
	state := s.messageState(t, tok, in.ID, b.ID)
	require.Nil(t, state.DeletedAt, "the moved message is not deleted by the next sync")
	require.True(t, slices.Contains(state.Flags, `\Flagged`))
}
