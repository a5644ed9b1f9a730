package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAPIEmbedded runs the API suite against the binary in embedded mode.
func TestAPIEmbedded(t *testing.T) {
	t.Parallel()
	rc := newEventReceiver(t)
	runAPISuite(t, start(t, rc.env(withMicrosoft(t, withGoogle(t, baseEnv())))), rc)
}

// TestAPIProduction runs the same suite in production mode, on a real
// PostgreSQL schema and Redis key prefix of its own.
func TestAPIProduction(t *testing.T) {
	t.Parallel()
	rc := newEventReceiver(t)
	runAPISuite(t, start(t, rc.env(withMicrosoft(t, withGoogle(t, productionEnv(t, baseEnv()))))), rc)
}

// suite is the API suite's state: the client, the process and the
// secrets that must never appear in a response or a log line.
type suite struct {
	c       *apiClient
	in      *instance
	mail    *mailServer
	rcv     *eventReceiver
	secrets []string
	// syncRuns counts the sync jobs the suite's requests started that
	// succeed, syncDead those that fail for good (a mailbox created with
	// a wrong password), and sends the send jobs, for the job metrics.
	syncRuns, syncDead, sends int
}

func runAPISuite(t *testing.T, in *instance, rc *eventReceiver) {
	s := &suite{c: newClient(t, in.base), in: in, mail: newMailServer(t), rcv: rc}
	s.secrets = append(s.secrets, s.mail.password, testSecret, testAdminToken, strings.TrimPrefix(testKeys, "k1:"), rc.secret)
	for _, st := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"crud", s.crud},
		{"custom source secret", s.customSecret},
		{"custom source webhooks", s.customWebhooks},
		{"event delivery", s.eventDelivery},
		{"pagination and filters", s.pagination},
		{"sync and messages", s.syncMessages},
		{"send with idempotency", s.send},
		{"message actions", s.messageActions},
		{"tenant isolation", s.isolation},
		{"bad input", s.badInput},
		{"rate limit", s.rateLimit},
		{"health and documents", s.healthAndDocs},
		{"google sign-in", s.googleOAuth},
		{"microsoft sign-in", s.microsoftOAuth},
	} {
		if !t.Run(st.name, st.fn) {
			return
		}
	}
	t.Run("every operation answered a valid success", func(t *testing.T) {
		require.Empty(t, s.c.unexercised(), "operations of the OpenAPI document never exercised with a valid 2xx")
	})
	t.Run("metrics", s.metrics)
	t.Run("no secret in any log line", func(t *testing.T) {
		logs := s.in.settledLogs()
		for _, secret := range s.secrets {
			require.NotContains(t, logs, secret)
		}
	})
}

// integration is the part of an integration response the tests read.
type integration struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Provider      string         `json:"provider"`
	Config        map[string]any `json:"config"`
	Status        string         `json:"status"`
	UpdatedAt     string         `json:"updated_at"`
	WebhookURL    string         `json:"webhook_url"`
	WebhookSecret string         `json:"webhook_secret"`
	Health        struct {
		Status string `json:"status"`
	} `json:"health"`
}

type integrationPage struct {
	Data       []integration `json:"data"`
	NextCursor *string       `json:"next_cursor"`
}

// create creates an integration and returns it.
func (s *suite) create(t *testing.T, tok string, body map[string]any) integration {
	t.Helper()
	r := s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: body})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	s.requireNoSecret(t, r)
	// A mailbox's first sync is enqueued with it: a new job, as nothing
	// is pending for a new id.
	if body["provider"] != "custom" {
		if creds, _ := body["credentials"].(map[string]any); creds["password"] == s.mail.password {
			s.syncRuns++
		} else {
			s.syncDead++
		}
	}
	var in integration
	r.decode(t, &in)
	require.Equal(t, "/api/v1/integrations/"+in.ID, r.header.Get("Location"))
	return in
}

// list returns every integration of the token's tenant, page by page.
func (s *suite) list(t *testing.T, tok, query string) []integration {
	t.Helper()
	var all []integration
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations?" + strings.TrimPrefix(q, "&"), token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var p integrationPage
		r.decode(t, &p)
		all = append(all, p.Data...)
		if p.NextCursor == nil {
			return all
		}
		cursor = *p.NextCursor
	}
}

// requireNoSecret fails if a response carries a secret the suite knows.
func (s *suite) requireNoSecret(t *testing.T, r *reply) {
	t.Helper()
	for _, secret := range s.secrets {
		require.NotContains(t, string(r.body), secret)
	}
	require.NotContains(t, string(r.body), `"password"`)
	require.NotContains(t, string(r.body), `"credentials"`)
}

func (s *suite) crud(t *testing.T) {
	tok := tokenFor(t, "tenant-crud")
	created := s.create(t, tok, s.mail.createBody("Support inbox"))
	require.Equal(t, "Support inbox", created.Name)
	require.Equal(t, "imap", created.Provider)
	require.Equal(t, "active", created.Status)
	require.Equal(t, "unknown", created.Health.Status)
	require.Equal(t, s.mail.email, created.Config["email"])
	require.Empty(t, created.WebhookSecret)

	path := "/api/v1/integrations/" + created.ID
	r := s.c.do(t, call{method: http.MethodGet, path: path, token: tok})
	require.Equal(t, http.StatusOK, r.status)
	s.requireNoSecret(t, r)
	var got integration
	r.decode(t, &got)
	require.Equal(t, created, got)

	upd := s.mail.createBody("Support (renamed)")
	delete(upd, "credentials") // kept as they are
	upd["status"] = "disabled"
	r = s.c.do(t, call{method: http.MethodPut, path: path, token: tok, body: upd})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	s.requireNoSecret(t, r)
	r.decode(t, &got)
	require.Equal(t, "Support (renamed)", got.Name)
	require.Equal(t, "disabled", got.Status)

	upd = s.mail.createBody("Support")
	upd["provider"] = "imap"
	upd["status"] = "active"
	r = s.c.do(t, call{method: http.MethodPut, path: path, token: tok, body: upd})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = s.c.do(t, call{method: http.MethodGet, path: path, token: tok})
	r.decode(t, &got)
	require.Equal(t, "Support", got.Name)
	require.Equal(t, "active", got.Status)

	all := s.list(t, tok, "")
	require.Len(t, all, 1)
	require.Equal(t, created.ID, all[0].ID)

	r = s.c.do(t, call{method: http.MethodDelete, path: path, token: tok})
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	require.Empty(t, r.body)
	s.c.do(t, call{method: http.MethodGet, path: path, token: tok}).requireProblem(t, http.StatusNotFound)
	s.c.do(t, call{method: http.MethodDelete, path: path, token: tok}).requireProblem(t, http.StatusNotFound)
	require.Empty(t, s.list(t, tok, ""))

	// A connectivity test with a wrong password: a failing outcome of
	// kind auth, recorded as the integration's health and status.
	bad := s.mail.createBody("Wrong password")
	bad["credentials"] = map[string]any{"password": "not-the-password"}
	in := s.create(t, tok, bad)
	r = s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + in.ID + "/test", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var res struct {
		OK    bool `json:"ok"`
		Error struct {
			Kind string `json:"kind"`
		} `json:"error"`
		Integration integration `json:"integration"`
	}
	r.decode(t, &res)
	require.False(t, res.OK)
	require.Equal(t, "auth", res.Error.Kind, "%s", r.body)
	require.Equal(t, "failing", res.Integration.Health.Status)
	require.Equal(t, "needs_reauth", res.Integration.Status)
	s.requireNoSecret(t, r)
	// The status change is announced once, by an integration.needs_reauth
	// event; a second failing test announces nothing more.
	r = s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + in.ID + "/test", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = s.c.do(t, call{method: http.MethodGet, path: "/api/v1/events?integration_id=" + in.ID, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var events struct {
		Data []struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"data"`
	}
	r.decode(t, &events)
	require.Len(t, events.Data, 1, "%s", r.body)
	require.Equal(t, "integration.needs_reauth", events.Data[0].Type)
	require.NotContains(t, string(events.Data[0].Data), "not-the-password")
	require.NotContains(t, string(r.body), "not-the-password")
	s.secrets = append(s.secrets, "not-the-password")
}

func (s *suite) customSecret(t *testing.T) {
	tok := tokenFor(t, "tenant-custom")
	in := s.create(t, tok, map[string]any{"name": "Shop form", "provider": "custom", "config": map[string]any{"source": "shop"}})
	require.True(t, strings.HasPrefix(in.WebhookSecret, "whsec_"), in.WebhookSecret)
	require.True(t, strings.HasSuffix(in.WebhookURL, "/webhooks/custom/"+in.ID), in.WebhookURL)
	require.Equal(t, map[string]any{"source": "shop"}, in.Config)
	s.secrets = append(s.secrets, in.WebhookSecret)

	path := "/api/v1/integrations/" + in.ID
	r := s.c.do(t, call{method: http.MethodGet, path: path, token: tok})
	require.Equal(t, http.StatusOK, r.status)
	require.NotContains(t, string(r.body), "webhook_secret")
	require.NotContains(t, string(r.body), in.WebhookSecret)
	for _, it := range s.list(t, tok, "") {
		require.Empty(t, it.WebhookSecret)
	}

	r = s.c.do(t, call{method: http.MethodPost, path: path + "/rotate-secret", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var rotated integration
	r.decode(t, &rotated)
	require.True(t, strings.HasPrefix(rotated.WebhookSecret, "whsec_"))
	require.NotEqual(t, in.WebhookSecret, rotated.WebhookSecret)
	s.secrets = append(s.secrets, rotated.WebhookSecret)

	// Custom sources push: nothing to test, sync or send.
	s.c.do(t, call{method: http.MethodPost, path: path + "/test", token: tok}).requireProblem(t, http.StatusConflict)
	s.c.do(t, call{method: http.MethodPost, path: path + "/sync", token: tok}).requireProblem(t, http.StatusConflict)
	s.c.do(t, call{method: http.MethodPost, path: path + "/messages", token: tok, header: map[string]string{"Idempotency-Key": "k"},
		body: map[string]any{"subject": "x", "to": []any{map[string]any{"email": "a@example.org"}}, "text": "x"}}).requireProblem(t, http.StatusConflict)
	// A custom source takes no credentials.
	p := s.c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok,
		body: map[string]any{"name": "x", "provider": "custom", "credentials": map[string]any{"password": "p"}}}).requireProblem(t, http.StatusUnprocessableEntity)
	require.Equal(t, []string{"credentials"}, p.fields())
}

func (s *suite) pagination(t *testing.T) {
	tok := tokenFor(t, "tenant-pages")
	var ids []string
	for i := range 7 {
		body := map[string]any{"name": "custom " + string(rune('a'+i)), "provider": "custom"}
		if i%3 == 0 {
			body = s.mail.createBody("imap " + string(rune('a'+i)))
		}
		ids = append(ids, s.create(t, tok, body).ID)
	}
	var pages [][]string
	cursor := ""
	for {
		path := "/api/v1/integrations?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := s.c.do(t, call{method: http.MethodGet, path: path, token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var p integrationPage
		r.decode(t, &p)
		var page []string
		for _, it := range p.Data {
			page = append(page, it.ID)
		}
		pages = append(pages, page)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	require.Equal(t, [][]string{ids[0:3], ids[3:6], ids[6:7]}, pages, "pages of 3, in creation order, each id once")
	require.Len(t, s.list(t, tok, ""), 7, "the default limit holds them all")

	imapOnly := s.list(t, tok, "provider=imap")
	require.Len(t, imapOnly, 3)
	for _, it := range imapOnly {
		require.Equal(t, "imap", it.Provider)
	}
	r := s.c.do(t, call{method: http.MethodPut, path: "/api/v1/integrations/" + ids[1], token: tok,
		body: map[string]any{"name": "custom b", "status": "disabled"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	disabled := s.list(t, tok, "status=disabled")
	require.Len(t, disabled, 1)
	require.Equal(t, ids[1], disabled[0].ID)
	require.Len(t, s.list(t, tok, "status=disabled&provider=imap"), 0)
	require.Len(t, s.list(t, tok, "limit=1&provider=custom&status=active"), 3)
}
