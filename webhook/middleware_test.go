package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// recordingHandler is a next handler that records what reached it.
type recordingHandler struct {
	calls  atomic.Int32
	status int // answered; 0 writes nothing

	mu         sync.Mutex
	bodies     []string
	deliveries []webhook.Delivery
}

func (h *recordingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	d, _ := webhook.DeliveryFromContext(r.Context())
	h.mu.Lock()
	h.bodies = append(h.bodies, string(body))
	h.deliveries = append(h.deliveries, d)
	h.mu.Unlock()
	if h.status != 0 {
		w.WriteHeader(h.status)
	}
}

// problemBody is an RFC 9457 problem as the middleware writes it.
type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func requireProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, want error) {
	t.Helper()
	require.Equal(t, status, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var p problemBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(t, status, p.Status)
	require.Equal(t, "about:blank", p.Type)
	require.Equal(t, http.StatusText(status), p.Title)
	if want != nil {
		require.True(t, strings.HasPrefix(p.Detail, want.Error()), "detail %q names %q", p.Detail, want)
	}
}

func specRequest(h http.Header, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/custom/42", strings.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

func TestMiddlewareMatrix(t *testing.T) {
	t.Parallel()
	for _, c := range verifyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, h, body := c.request(t)
			next := &recordingHandler{status: http.StatusOK}
			rec := httptest.NewRecorder()
			v.Middleware(next).ServeHTTP(rec, specRequest(h, string(body)))
			if c.want == nil {
				require.Equal(t, http.StatusOK, rec.Code)
				require.Equal(t, int32(1), next.calls.Load())
				require.Equal(t, []string{string(body)}, next.bodies, "next reads the verified body")
				require.Equal(t, h.Get(webhook.HeaderID), next.deliveries[0].ID)
				return
			}
			requireProblem(t, rec, http.StatusUnauthorized, c.want)
			require.Zero(t, next.calls.Load(), "next handler called for a rejected request")
		})
	}
}

func TestMiddlewareBodyTooLarge(t *testing.T) {
	t.Parallel()
	sec := webhook.GenerateSecret()
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	v := newVerifier(t, webhook.VerifierOptions{MaxBodyBytes: 64, Now: time.Now}, sec)
	for _, size := range []int{64, 65, 10 << 20} {
		for _, chunked := range []bool{false, true} {
			body := bytes.Repeat([]byte("x"), size)
			h, err := signer.Sign("msg_big", time.Now(), body)
			require.NoError(t, err)
			r := specRequest(h, "")
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(size)
			if chunked {
				r.ContentLength = -1
			}
			next := &recordingHandler{}
			rec := httptest.NewRecorder()
			v.Middleware(next).ServeHTTP(rec, r)
			if size <= 64 {
				require.Equal(t, http.StatusOK, rec.Code)
				require.Equal(t, int32(1), next.calls.Load())
				continue
			}
			requireProblem(t, rec, http.StatusRequestEntityTooLarge, webhook.ErrBodyTooLarge)
			require.Zero(t, next.calls.Load(), "size %d chunked %v", size, chunked)

			_, _, err = v.VerifyRequest(specRequest(h, string(body)))
			require.ErrorIs(t, err, webhook.ErrBodyTooLarge)
		}
	}
}

func TestMiddlewareDefaultBodyLimit(t *testing.T) {
	t.Parallel()
	sec := webhook.GenerateSecret()
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	v := newVerifier(t, webhook.VerifierOptions{Now: time.Now}, sec)
	for size, want := range map[int]int{1 << 20: http.StatusOK, 1<<20 + 1: http.StatusRequestEntityTooLarge} {
		body := strings.Repeat("x", size)
		h, err := signer.Sign("msg_1", time.Now(), []byte(body))
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		v.Middleware(&recordingHandler{}).ServeHTTP(rec, specRequest(h, body))
		require.Equal(t, want, rec.Code, "size %d", size)
	}
}

// sign returns a request of id signed now by s.
func signedRequest(t testing.TB, s *webhook.Signer, id, body string) *http.Request {
	t.Helper()
	h, err := s.Sign(id, time.Now(), []byte(body))
	require.NoError(t, err)
	return specRequest(h, body)
}

func TestMiddlewareReplay(t *testing.T) {
	t.Parallel()
	sec := webhook.GenerateSecret()
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	store := webhook.NewMemoryReplayStore()
	v := newVerifier(t, webhook.VerifierOptions{Now: time.Now, Replay: store}, sec)
	next := &recordingHandler{status: http.StatusOK}
	h := v.Middleware(next)

	serve := func(id string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, signedRequest(t, signer, id, `{"n":1}`))
		return rec.Code
	}
	require.Equal(t, http.StatusOK, serve("msg_1"))
	require.Equal(t, http.StatusNoContent, serve("msg_1"), "a redelivery is acknowledged")
	require.Equal(t, http.StatusNoContent, serve("msg_1"))
	require.Equal(t, int32(1), next.calls.Load(), "and not served again")
	require.Equal(t, http.StatusOK, serve("msg_2"))
	require.Equal(t, int32(2), next.calls.Load())

	// A replay with a bad signature is rejected, not acknowledged.
	r := signedRequest(t, signer, "msg_1", `{"n":1}`)
	r.Header.Set(webhook.HeaderSignature, "v1,"+b64(32, 1))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	requireProblem(t, rec, http.StatusUnauthorized, webhook.ErrInvalidSignature)
}

func TestMiddlewareReplayScopes(t *testing.T) {
	t.Parallel()
	sec := webhook.GenerateSecret()
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	store := webhook.NewMemoryReplayStore()
	next := &recordingHandler{}
	a := newVerifier(t, webhook.VerifierOptions{Now: time.Now, Replay: store, ReplayScope: "custom:1:"}, sec).Middleware(next)
	b := newVerifier(t, webhook.VerifierOptions{Now: time.Now, Replay: store, ReplayScope: "custom:2:"}, sec).Middleware(next)
	for _, h := range []http.Handler{a, b, a, b} {
		h.ServeHTTP(httptest.NewRecorder(), signedRequest(t, signer, "msg_1", "{}"))
	}
	require.Equal(t, int32(2), next.calls.Load(), "the same id from two senders is served once per sender")
}

func TestMiddlewareReplayFailedHandlerIsRetried(t *testing.T) {
	t.Parallel()
	sec := webhook.GenerateSecret()
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	store := webhook.NewMemoryReplayStore()
	v := newVerifier(t, webhook.VerifierOptions{Now: time.Now, Replay: store}, sec)

	for i, fail := range []http.Handler{
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }),
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }),
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }),
	} {
		id := fmt.Sprintf("msg_failed_%d", i)
		func() {
			defer func() { _ = recover() }()
			v.Middleware(fail).ServeHTTP(httptest.NewRecorder(), signedRequest(t, signer, id, "{}"))
		}()
		next := &recordingHandler{}
		rec := httptest.NewRecorder()
		v.Middleware(next).ServeHTTP(rec, signedRequest(t, signer, id, "{}"))
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, int32(1), next.calls.Load(), "the retry of a failed delivery is served")
	}
}

// failingStore is a ReplayStore whose backend is down.
type failingStore struct{}

func (failingStore) Remember(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("connection refused")
}
func (failingStore) Forget(context.Context, string) error { return errors.New("connection refused") }

func TestMiddlewareReplayStoreDown(t *testing.T) {
	t.Parallel()
	sec := webhook.GenerateSecret()
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	v := newVerifier(t, webhook.VerifierOptions{Now: time.Now, Replay: failingStore{}, Logger: slog.New(slog.DiscardHandler)}, sec)
	next := &recordingHandler{}
	rec := httptest.NewRecorder()
	v.Middleware(next).ServeHTTP(rec, signedRequest(t, signer, "msg_1", "{}"))
	requireProblem(t, rec, http.StatusServiceUnavailable, nil)
	require.NotContains(t, rec.Body.String(), "connection refused")
	require.Zero(t, next.calls.Load(), "nothing served when the replay check cannot be made")
}

func TestMiddlewareLogsNoSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, c := range verifyCases(t) {
		c.opts.Logger = logger
		c.opts.Replay = webhook.NewMemoryReplayStore()
		v, hdr, body := c.request(t)
		h := v.Middleware(&recordingHandler{})
		h.ServeHTTP(httptest.NewRecorder(), specRequest(hdr, string(body)))
		h.ServeHTTP(httptest.NewRecorder(), specRequest(hdr, string(body)))
	}
	out := logs.String()
	require.Contains(t, out, "webhook: request rejected")
	require.Contains(t, out, "timestamp too old")
	require.Contains(t, out, "duplicate delivery")
	for _, secret := range []string{specSecret, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", specSignature[3:], "2432232314"} {
		require.NotContains(t, out, secret)
	}
}

// TestMiddlewareOverHTTP sends signed requests through a real listener.
func TestMiddlewareOverHTTP(t *testing.T) {
	t.Parallel()
	oldSec, newSec := webhook.GenerateSecret(), webhook.GenerateSecret()
	v := newVerifier(t, webhook.VerifierOptions{Now: time.Now, Replay: webhook.NewMemoryReplayStore()}, newSec, oldSec)
	next := &recordingHandler{status: http.StatusAccepted}
	srv := httptest.NewServer(v.Middleware(next))
	t.Cleanup(srv.Close)

	post := func(s *webhook.Signer, id, body string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader(body))
		require.NoError(t, err)
		h, err := s.Sign(id, time.Now(), []byte(body))
		require.NoError(t, err)
		for k, vals := range h {
			req.Header[k] = vals
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	byOld, err := webhook.NewSigner(oldSec)
	require.NoError(t, err)
	byBoth, err := webhook.NewSigner(newSec, oldSec)
	require.NoError(t, err)
	byOther, err := webhook.NewSigner(webhook.GenerateSecret())
	require.NoError(t, err)

	require.Equal(t, http.StatusAccepted, post(byOld, "evt_1", `{"a":1}`))
	require.Equal(t, http.StatusAccepted, post(byBoth, "evt_2", `{"a":2}`))
	require.Equal(t, http.StatusNoContent, post(byBoth, "evt_2", `{"a":2}`))
	require.Equal(t, http.StatusUnauthorized, post(byOther, "evt_3", `{"a":3}`))
	require.Equal(t, []string{`{"a":1}`, `{"a":2}`}, next.bodies)
}

// TestHandler: Handler verifies as Middleware does and hands the
// delivery and the verified body to its function, once per webhook-id.
func TestHandler(t *testing.T) {
	t.Parallel()
	for _, c := range verifyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, h, body := c.request(t)
			var got []string
			var ids []string
			handler := v.Handler(func(w http.ResponseWriter, r *http.Request, d webhook.Delivery, b []byte) {
				got, ids = append(got, string(b)), append(ids, d.ID)
				w.WriteHeader(http.StatusAccepted)
			})
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, specRequest(h, string(body)))
			if c.want == nil {
				require.Equal(t, http.StatusAccepted, rec.Code)
				require.Equal(t, []string{string(body)}, got)
				require.Equal(t, []string{h.Get(webhook.HeaderID)}, ids)
				return
			}
			requireProblem(t, rec, http.StatusUnauthorized, c.want)
			require.Empty(t, got, "function called for a rejected request")
		})
	}

	t.Run("replay", func(t *testing.T) {
		t.Parallel()
		sec := webhook.GenerateSecret()
		signer, err := webhook.NewSigner(sec)
		require.NoError(t, err)
		v := newVerifier(t, webhook.VerifierOptions{Now: time.Now, Replay: webhook.NewMemoryReplayStore()}, sec)
		var calls atomic.Int32
		fail := atomic.Bool{}
		fail.Store(true)
		h := v.Handler(func(w http.ResponseWriter, _ *http.Request, _ webhook.Delivery, _ []byte) {
			calls.Add(1)
			if fail.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		serve := func(id string) int {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, signedRequest(t, signer, id, `{"n":1}`))
			return rec.Code
		}
		require.Equal(t, http.StatusServiceUnavailable, serve("msg_1"))
		fail.Store(false)
		require.Equal(t, http.StatusOK, serve("msg_1"), "a failed delivery's retry is served")
		require.Equal(t, http.StatusNoContent, serve("msg_1"), "a served one is acknowledged")
		require.Equal(t, int32(2), calls.Load())
	})
}
