package server

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

// TestIntegrationBackfillAPI: the backfill policy is given on a create
// and an update, validated (422 naming the field, nothing changed), and
// shown; absent, it is the default (all history stored, none
// announced); a custom source has none.
func TestIntegrationBackfillAPI(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, map[string]string{"RATE_LIMIT_TIERS": "free: 1000/s burst=1000"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close()) // nothing listens: the mark is left to the first sync
	imapBody := func(backfill string) string {
		b := fmt.Sprintf(`{"name":"Support","provider":"imap","config":{"email":"u@example.com","imap":{"host":"127.0.0.1","port":%d,"security":"none","username":"u"}},"credentials":{"password":"p"}`, port)
		if backfill != "" {
			b += `,"backfill":` + backfill
		}
		return b + "}"
	}
	type view struct {
		ID       string `json:"id"`
		Backfill *struct {
			Mode            string     `json:"mode"`
			Since           *time.Time `json:"since"`
			AnnounceHistory bool       `json:"announce_history"`
		} `json:"backfill"`
	}
	fieldOf := func(t *testing.T, code int, body []byte) string {
		t.Helper()
		require.Equal(t, http.StatusUnprocessableEntity, code, "%s", body)
		var p problem
		require.NoError(t, json.Unmarshal(body, &p))
		require.Len(t, p.Errors, 1, "%s", body)
		return p.Errors[0].Field
	}
	for backfill, field := range map[string]string{
		`{"mode":"sometimes"}`:                             "backfill.mode",
		`{"mode":"since"}`:                                 "backfill.since",
		`{"mode":"since","since":"yesterday"}`:             "backfill.since",
		`{"mode":"none","since":"2026-01-01T00:00:00Z"}`:   "backfill.since",
		`{"mode":"all","since":"2026-01-01T00:00:00Z"}`:    "backfill.since",
		`{"mode":"since","since":"2026-01-01T00:00:00"}`:   "backfill.since",
		`{"mode":"since","since":"2026-13-01T00:00:00Z"}`:  "backfill.since",
		`{"mode":"since","since":"2026-01-01T00:00:00Z!"}`: "backfill.since",
	} {
		rec := f.api(t, http.MethodPost, "/api/v1/integrations", imapBody(backfill))
		require.Equal(t, field, fieldOf(t, rec.Code, rec.Body.Bytes()), backfill)
	}
	rec := f.api(t, http.MethodPost, "/api/v1/integrations", `{"name":"form2","provider":"custom","backfill":{"mode":"none"}}`)
	require.Equal(t, "backfill", fieldOf(t, rec.Code, rec.Body.Bytes()))
	page, err := f.app.store.ListIntegrations(t.Context(), "tenant-c", store.ListIntegrationsOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "nothing created on bad input (the fixture's custom source only)")

	rec = f.api(t, http.MethodPost, "/api/v1/integrations", imapBody(""))
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var plain view
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &plain))
	require.NotNil(t, plain.Backfill)
	require.Equal(t, "all", plain.Backfill.Mode)
	require.False(t, plain.Backfill.AnnounceHistory)
	require.Nil(t, plain.Backfill.Since)
	require.NotContains(t, rec.Body.String(), "mark")

	rec = f.api(t, http.MethodPost, "/api/v1/integrations", imapBody(`{"mode":"since","since":"2026-01-01T01:00:00+01:00","announce_history":true}`))
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var v view
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
	require.Equal(t, "since", v.Backfill.Mode)
	require.True(t, v.Backfill.AnnounceHistory)
	require.True(t, v.Backfill.Since.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	in, err := f.app.store.GetIntegration(t.Context(), "tenant-c", v.ID)
	require.NoError(t, err)
	require.Equal(t, store.BackfillSince, in.Backfill.Mode)
	require.True(t, in.Backfill.AnnounceHistory)

	// An update: a bad policy changes nothing; a good one replaces it.
	rec = f.api(t, http.MethodPut, "/api/v1/integrations/"+v.ID, imapBody(`{"mode":"never"}`))
	require.Equal(t, "backfill.mode", fieldOf(t, rec.Code, rec.Body.Bytes()))
	again, err := f.app.store.GetIntegration(t.Context(), "tenant-c", v.ID)
	require.NoError(t, err)
	require.Equal(t, in.Backfill, again.Backfill)
	rec = f.api(t, http.MethodPut, "/api/v1/integrations/"+v.ID, imapBody(`{"mode":"none"}`))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	v = view{}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
	require.Equal(t, "none", v.Backfill.Mode)
	require.False(t, v.Backfill.AnnounceHistory)
	require.Nil(t, v.Backfill.Since)
	rec = f.api(t, http.MethodPut, "/api/v1/integrations/"+v.ID, imapBody(""))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
	require.Equal(t, "none", v.Backfill.Mode, "an update without backfill leaves it")
}
