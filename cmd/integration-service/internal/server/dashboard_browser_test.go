package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

const testAdminToken = "operator-token-0123456789abcdef0123456789"

// TestDashboardInBrowser loads /dashboard in headless Chromium
// (TEST_CHROMIUM) against a running server with integrations, a dead
// job and events: it signs in with the operator token, checks that the
// numbers shown are the API's (integration counts, the queue's dead
// count), clicks Requeue on the dead job and sees it leave the list (the
// job then succeeds), redelivers a failed event, signs out and is asked
// to sign in again, and saves a screenshot (DASHBOARD_SCREENSHOT, or a
// temporary file) whose path it logs.
func TestDashboardInBrowser(t *testing.T) {
	t.Parallel()
	chromium := testenv.Lookup(t, "Chromium", "TEST_CHROMIUM")[0]
	app := newTestApp(t, map[string]string{"ADMIN_TOKEN": testAdminToken, "EVENTS_SWEEP_INTERVAL": "9999h",
		"SYNC_SWEEP_INTERVAL": "9999h", "HEALTH_CHECK_INTERVAL": "9999h", "WATCH_RENEW_INTERVAL": "9999h", "TOKEN_REFRESH_INTERVAL": "9999h"})
	ctx := context.Background()

	// Integrations: two custom sources, one mailbox needing reauthorization.
	for i, status := range []store.IntegrationStatus{store.StatusActive, store.StatusActive, store.StatusNeedsReauth} {
		in := &store.Integration{TenantID: "tenant-dash", Provider: providerCustom, Name: fmt.Sprintf("Source %d", i), Config: json.RawMessage(`{}`), Status: status}
		require.NoError(t, app.store.CreateIntegration(ctx, in, connector.Credentials{AppSecret: "s"}))
	}
	// A job that dies on its first run and succeeds once requeued.
	var healed atomic.Bool
	app.HandleJob("test.flaky", queue.HandlerFunc(func(context.Context, *queue.Job) error {
		if !healed.Load() {
			return fmt.Errorf("%w: the test says so", queue.ErrSkipRetry)
		}
		return nil
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- app.Serve(sctx, ln, RoleAll) }()
	t.Cleanup(func() { cancel(); <-done })
	res, err := app.Broker().Enqueue(ctx, "test.flaky", []byte(`{"n":1}`), queue.MaxAttempts(3))
	require.NoError(t, err)
	jobID := res.ID
	require.Eventually(t, func() bool {
		dead, err := app.Broker().Dead(ctx, queue.DefaultQueue, 10)
		return err == nil && len(dead) == 1
	}, 10*time.Second, 20*time.Millisecond)

	// A delivery that failed for good.
	failed := &store.Event{TenantID: "tenant-dash", Type: "message.received", Payload: json.RawMessage(`{"n":1}`), Status: store.EventDead, LastError: "platform answered 400"}
	require.NoError(t, app.store.InsertEvents(ctx, failed))

	// What the API says.
	stats := queueStatsOf(t, base)
	counts, err := app.store.CountIntegrations(ctx)
	require.NoError(t, err)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Headless,
		chromedp.WindowSize(1280, 1400), chromedp.Flag("disable-gpu", true))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 90*time.Second)
	defer tcancel()

	do := func(a chromedp.Action[chromedp.Void]) {
		t.Helper()
		_, err := chromedp.Run(bctx, a)
		require.NoError(t, err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err)
		return strings.TrimSpace(s)
	}
	do(chromedp.Navigate(base + "/dashboard"))
	do(chromedp.WaitVisible(chromedp.CSS("#token"))) // sent to sign in first
	do(chromedp.SendKeys(chromedp.CSS("#token"), testAdminToken))
	do(chromedp.Click(chromedp.CSS("#sign-in")))
	do(chromedp.WaitVisible(chromedp.CSS("#integrations")))
	total, active, reauth := text("#count-total"), text("#count-custom-active"), text("#count-custom-needs_reauth")
	deadShown, processed := text(`tr[data-queue="default"] td.dead`), text(`tr[data-queue="default"] td.processed`)
	want := map[string]int64{}
	var sum int64
	for _, c := range counts {
		want[c.Provider+"/"+string(c.Status)] = c.Count
		sum += c.Count
	}
	require.Equal(t, strconv.FormatInt(sum, 10), total)
	require.Equal(t, strconv.FormatInt(want["custom/active"], 10), active)
	require.Equal(t, strconv.FormatInt(want["custom/needs_reauth"], 10), reauth)
	require.Equal(t, "2", active)
	require.Equal(t, strconv.FormatInt(stats["dead"], 10), deadShown, "the dead count is the API's")
	require.Equal(t, "1", deadShown)
	require.Equal(t, strconv.FormatInt(stats["processed"], 10), processed)
	charts, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('tr[data-queue="default"] svg polyline').length`))
	require.NoError(t, err)
	require.Equal(t, 4, charts, "depth, processed, wait and duration charts")

	shot := os.Getenv("DASHBOARD_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "dashboard.png")
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("dashboard screenshot: %s (%d bytes)", shot, len(png))

	// Requeue the dead job: it leaves the list, and runs (now healed).
	healed.Store(true)
	row := fmt.Sprintf(`tr.dead-job[data-id="%s"]`, jobID)
	do(chromedp.WaitVisible(chromedp.CSS(row)))
	do(chromedp.Click(chromedp.CSS(row + " button.requeue")))
	do(chromedp.WaitVisible(chromedp.CSS("#no-dead")))
	gone, err := chromedp.Run(bctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) === null`, row)))
	require.NoError(t, err)
	require.True(t, gone, "the requeued job left the dead list")
	dead, err := app.Broker().Dead(ctx, queue.DefaultQueue, 10)
	require.NoError(t, err)
	require.Empty(t, dead)
	require.Eventually(t, func() bool { return queueStatsOf(t, base)["processed"] == stats["processed"]+1 }, 10*time.Second, 20*time.Millisecond,
		"the requeued job ran")

	// Redeliver the failed event: it leaves the failed list, pending again.
	frow := fmt.Sprintf(`tr.failed-event[data-id="%s"]`, failed.ID)
	require.Equal(t, "platform answered 400", text(frow+" td:nth-child(6)"))
	do(chromedp.Click(chromedp.CSS(frow + " button.redeliver")))
	do(chromedp.WaitVisible(chromedp.CSS("#no-failed-events")))
	ev, err := app.store.GetEvent(ctx, "tenant-dash", failed.ID)
	require.NoError(t, err)
	require.Equal(t, store.EventPending, ev.Status)

	// Sign out: back to the sign-in page, and the dashboard asks again.
	do(chromedp.Click(chromedp.CSS("#sign-out")))
	do(chromedp.WaitVisible(chromedp.CSS("#token")))
	do(chromedp.Navigate(base + "/dashboard"))
	do(chromedp.WaitVisible(chromedp.CSS("#token")))
	signedOut, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.querySelector("#integrations") === null`))
	require.NoError(t, err)
	require.True(t, signedOut, "the dashboard after signing out")
}

// queueStatsOf reads the default queue's numbers from
// GET /health/queue-stats.
func queueStatsOf(t *testing.T, base string) map[string]int64 {
	t.Helper()
	resp, err := operatorGet(base + "/health/queue-stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	var v struct {
		Queues []map[string]any `json:"queues"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	for _, q := range v.Queues {
		if q["queue"] == queue.DefaultQueue {
			out := map[string]int64{}
			for k, x := range q {
				if f, ok := x.(float64); ok {
					out[k] = int64(f)
				}
			}
			return out
		}
	}
	t.Fatal(errors.New("no default queue in /health/queue-stats"))
	return nil
}

// TestDashboardAuth: without ADMIN_TOKEN there is no dashboard; with
// it, a tenant's JWT does not open it, a wrong token is refused, a
// bearer ADMIN_TOKEN opens the page but does no action, signing in
// starts a session (a cookie that is not the token), and an action
// needs that session and its form's CSRF token.
func TestDashboardAuth(t *testing.T) {
	t.Parallel()
	h := newTestApp(t, nil).Handler(RoleAll)
	rec := serveTest(h, http.MethodGet, "/dashboard", "", nil)
	require.Equal(t, http.StatusNotFound, rec.Code)

	app := newTestApp(t, map[string]string{"ADMIN_TOKEN": testAdminToken})
	h = app.Handler(RoleAll)
	jwt, err := NewToken([]byte(testSecret), "tenant-dash", "someone", "", time.Hour)
	require.NoError(t, err)
	rec = serveTest(h, http.MethodGet, "/dashboard", "Bearer "+jwt, nil)
	require.Equal(t, http.StatusSeeOther, rec.Code, "a tenant JWT is not the operator credential")
	require.Equal(t, "/dashboard/login", rec.Header().Get("Location"))
	rec = serveTest(h, http.MethodGet, "/dashboard", "Bearer "+testAdminToken, nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `id="integrations"`)
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")
	require.NotContains(t, rec.Body.String(), testAdminToken)
	require.NotContains(t, rec.Body.String(), `name="csrf"`, "a bearer token's page has no session to act in")

	rec = serveTest(h, http.MethodPost, "/dashboard/login", "", map[string]string{"token": "wrong"})
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Empty(t, rec.Result().Cookies())
	rec = serveTest(h, http.MethodPost, "/dashboard/login", "", map[string]string{"token": testAdminToken})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	require.True(t, cookies[0].HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, cookies[0].SameSite)
	require.Equal(t, "/dashboard", cookies[0].Path)
	require.NotContains(t, cookies[0].Value, testAdminToken)
	cookie := &http.Cookie{Name: cookies[0].Name, Value: cookies[0].Value}

	rec = serveTest(h, http.MethodGet, "/dashboard", "", nil, cookie)
	require.Equal(t, http.StatusOK, rec.Code)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	require.NotNil(t, m, "the page's forms carry the session's CSRF token")
	csrf := m[1]
	require.NotContains(t, csrf, testAdminToken)

	rec = serveTest(h, http.MethodPost, "/dashboard/dead/default/x/requeue", "Bearer "+testAdminToken, map[string]string{"csrf": "forged"})
	require.Equal(t, http.StatusForbidden, rec.Code)
	rec = serveTest(h, http.MethodPost, "/dashboard/dead/default/x/requeue", "Bearer "+testAdminToken, map[string]string{"csrf": csrf})
	require.Equal(t, http.StatusForbidden, rec.Code, "a bearer token does no action, even with a session's token")
	rec = serveTest(h, http.MethodPost, "/dashboard/dead/default/x/requeue", "", map[string]string{"csrf": csrf})
	require.Equal(t, http.StatusUnauthorized, rec.Code, "an action needs the operator credential too")
	rec = serveTest(h, http.MethodPost, "/dashboard/dead/default/x/requeue", "", map[string]string{"csrf": "forged"}, cookie)
	require.Equal(t, http.StatusForbidden, rec.Code)
	rec = serveTest(h, http.MethodPost, "/dashboard/dead/default/x/requeue", "", map[string]string{}, cookie)
	require.Equal(t, http.StatusForbidden, rec.Code, "no token")
	rec = serveTest(h, http.MethodPost, "/dashboard/dead/default/x/requeue", "", map[string]string{"csrf": csrf}, cookie)
	require.Equal(t, http.StatusNotFound, rec.Code, "the session and its token reach the action (no such job)")
}

// serveTest serves one request to h, with an Authorization header when
// auth is set, form as a url-encoded body when it is not nil, and
// cookies.
func serveTest(h http.Handler, method, path, auth string, form map[string]string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		v := url.Values{}
		for k, x := range form {
			v.Set(k, x)
		}
		body = strings.NewReader(v.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestJobHistory: queue samples give each minute its deepest pending
// count, longest wait and the jobs processed since the previous sampled
// minute; this process's runs give mean durations; minutes an hour old
// are forgotten.
func TestJobHistory(t *testing.T) {
	t.Parallel()
	h := newJobHistory()
	now := time.Unix(1_800_000_000, 0) // a minute's start
	at := func(minutes int) time.Time { return now.Add(time.Duration(minutes) * time.Minute) }
	st := func(pending, processed int64, wait time.Duration) queue.Stats {
		return queue.Stats{Queue: "default", Pending: pending, Processed: processed, OldestPending: wait}
	}
	h.sample(st(1, 100, time.Second), at(-70)) // outside the hour
	h.sample(st(2, 110, 0), at(-3))
	h.sample(st(7, 130, 4*time.Second), at(-1))
	h.sample(st(3, 150, 2*time.Second), at(-1).Add(20*time.Second))
	h.sample(st(0, 175, 0), at(0))
	h.record("default", at(0), 10*time.Millisecond)
	h.record("default", at(0), 30*time.Millisecond)
	s := h.series("default", at(0).Add(30*time.Second))
	last := historyMinutes - 1
	require.Len(t, s.Depth, historyMinutes)
	require.Equal(t, 7.0, s.Depth[last-1], "the deepest sample of the minute")
	require.Equal(t, 4.0, s.WaitSec[last-1])
	require.Equal(t, 0.0, s.Processed[last-3], "no earlier sample in the hour to count from")
	require.Equal(t, 40.0, s.Processed[last-1], "150 at the minute's last sample, 110 at the previous sampled minute")
	require.Equal(t, 25.0, s.Processed[last])
	require.InDelta(t, 20.0, s.MeanMS[last], 1e-9)
	var total float64
	for _, n := range s.Processed {
		total += n
	}
	require.Equal(t, 65.0, total)
	other := h.series("other", at(0))
	require.Equal(t, make([]float64, historyMinutes), other.Depth)
}
