package outbox

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// deliverTo returns an outbox delivering to target with the attempt
// timeout.
func deliverTo(t *testing.T, target string, timeout time.Duration) *Outbox {
	t.Helper()
	signer, err := webhook.NewSigner(webhook.GenerateSecret())
	require.NoError(t, err)
	ob, err := New(nopStore{}, queue.NewMemory(queue.MemoryOptions{}), Options{URL: target, Signer: signer, AttemptTimeout: timeout})
	require.NoError(t, err)
	return ob
}

// nopStore is a Store that is never called: post does not use it.
type nopStore struct{ Store }

// TestDeliveryClasses: each way a delivery fails, from a real
// receiver, a closed port, a TLS mismatch and a silent server, comes
// out as its class, which matches the documented pattern and says
// nothing the receiver or the network error said; the receiver's text
// stays in the detail (the operator's debug log).
func TestDeliveryClasses(t *testing.T) {
	t.Parallel()
	const marker = "MARKER db-7.internal:5432 password=hunter2"
	answer := func(status int, header map[string]string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(marker))
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/events?token=secret-in-query"
	}
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		return "http://" + addr + "/events"
	}
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	quiet := make(chan struct{})
	t.Cleanup(func() { _ = silent.Close(); close(quiet) })
	go func() { // accepts, reads, never answers
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = c.Read(make([]byte, 1<<16)); <-quiet; _ = c.Close() }()
		}
	}()
	hangUp, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = hangUp.Close() })
	go func() { // accepts and closes at once
		for {
			c, err := hangUp.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()

	for _, tc := range []struct {
		name, target string
		class        string
		retry        bool
	}{
		{"500", answer(500, nil), "http_5xx: 500", true},
		{"503", answer(503, nil), "http_5xx: 503", true},
		{"400", answer(400, nil), "http_4xx: 400", false},
		{"429", answer(429, nil), "http_4xx: 429", true},
		{"302", answer(302, map[string]string{"Location": "http://10.0.0.7/elsewhere"}), "redirect_refused: 302", false},
		{"refused", closed(), "connect_refused", true},
		{"untrusted certificate", tlsSrv.URL + "/events", "tls", true},
		{"https to a plain server", strings.Replace(plain.URL, "http:", "https:", 1) + "/events", "tls", true},
		{"silent", "http://" + silent.Addr().String() + "/events", "timeout", true}, // the one case that waits out the timeout
		{"hang-up", "http://" + hangUp.Addr().String() + "/events", "network", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := &store.Event{ID: store.NewID(), TenantID: "tenant-class", Type: "t", Payload: json.RawMessage(`{}`), CreatedAt: time.Now()}
			// Only the silent receiver may reach the timeout: a TLS
			// handshake under -race on a loaded machine can take longer
			// than the silent case's short one.
			timeout := 10 * time.Second
			if tc.class == "timeout" {
				timeout = 300 * time.Millisecond
			}
			out := deliverTo(t, tc.target, timeout).post(context.Background(), ev)
			require.False(t, out.ok)
			require.Equal(t, tc.class, out.class, "detail: %s", out.detail)
			require.Equal(t, tc.retry, out.retry)
			require.Regexp(t, classRE, out.class)
			require.NotContains(t, out.detail, "secret-in-query", "the URL is not in the detail")
			if strings.HasPrefix(tc.class, "http_") || strings.HasPrefix(tc.class, "redirect") {
				require.Contains(t, out.detail, "MARKER", "the operator's debug log has the receiver's words")
			}
		})
	}
}

// TestDeliveryClassesOfErrors: resolver errors and statuses outside
// the usual ranges.
func TestDeliveryClassesOfErrors(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "http://x/?token=t", Err: err} }
	require.Equal(t, "dns", networkClass(wrap(&net.DNSError{Err: "no such host", Name: "events.internal", IsNotFound: true})))
	require.Equal(t, "timeout", networkClass(wrap(&net.DNSError{Err: "i/o timeout", Name: "events.internal", IsTimeout: true})))
	require.Equal(t, "timeout", networkClass(wrap(context.DeadlineExceeded)))
	require.Equal(t, "network", networkClass(wrap(context.Canceled)))
	require.Equal(t, "http_status: 600", StatusClass(600))
	require.Equal(t, "http_4xx: 404", StatusClass(404))
	for _, c := range []string{"dns", "connect_refused", "timeout", "tls", "network", "internal", "unclassified", StatusClass(600), StatusClass(308)} {
		require.Regexp(t, classRE, c)
	}
	require.NotRegexp(t, classRE, "http_5xx: 500: upstream db-7 down")
	require.Equal(t, regexp.MustCompile(ClassPattern).String(), classRE.String())
}

// TestPublicError: a stored class is shown as it is, and anything else
// stored (before classes, the receiver's text) as unclassified.
func TestPublicError(t *testing.T) {
	t.Parallel()
	require.Equal(t, "http_5xx: 502", PublicError("http_5xx: 502"))
	require.Equal(t, "", PublicError(""))
	require.Equal(t, "unclassified", PublicError("delivery: receiver answered 500: db-7.internal down"))
	require.Equal(t, "unclassified", PublicError("delivery: dial tcp 10.0.0.7:443: connect: connection refused"))
}
