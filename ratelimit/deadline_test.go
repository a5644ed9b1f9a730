package ratelimit_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
)

// bodyOutcome is what a handler behind Deadlines saw of a body.
type bodyOutcome struct {
	n        int
	err      error
	ctxAlive bool
}

// deadlineServer serves h behind Deadlines(opts) on a loopback listener
// and reports what the handler read.
func deadlineServer(t *testing.T, opts ratelimit.DeadlineOptions, after time.Duration) (*httptest.Server, chan bodyOutcome) {
	t.Helper()
	mw, err := ratelimit.Deadlines(opts)
	require.NoError(t, err)
	outcomes := make(chan bodyOutcome, 10)
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			outcomes <- bodyOutcome{n: int(n), err: err}
			w.WriteHeader(http.StatusRequestTimeout)
			return
		}
		time.Sleep(after) // work after the body, past the body's deadline
		outcomes <- bodyOutcome{n: int(n), ctxAlive: r.Context().Err() == nil}
		_, _ = io.WriteString(w, "ok")
	})))
	t.Cleanup(srv.Close)
	return srv, outcomes
}

// rawPost opens a connection to srv and sends the headers of a POST
// announcing length bytes, and first of them.
func rawPost(t *testing.T, srv *httptest.Server, length int, first string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", length, first)
	require.NoError(t, err)
	return conn
}

// A stalled body fails the handler's read with a deadline error; the
// handler still answers, and the connection is closed after.
func TestDeadlinesStalledBody(t *testing.T) {
	t.Parallel()
	srv, outcomes := deadlineServer(t, ratelimit.DeadlineOptions{BodyTimeout: 200 * time.Millisecond}, 0)
	conn := rawPost(t, srv, 1000, "part of it")
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(30*time.Second))) // the test's own bound
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "answered, not left hanging")
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	got := <-outcomes
	require.ErrorIs(t, got.err, os.ErrDeadlineExceeded)
	require.Equal(t, len("part of it"), got.n)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	_, err = conn.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "the connection is closed")
}

// A body that keeps coming at MinBodyRate or faster is read whole, past
// BodyTimeout; one that stops is cut.
func TestDeadlinesMinBodyRate(t *testing.T) {
	t.Parallel()
	// Each 400-byte piece moves the deadline on by 400 ms; they come every
	// 50 ms, for 0.5 s in all: well past BodyTimeout.
	opts := ratelimit.DeadlineOptions{BodyTimeout: 150 * time.Millisecond, MinBodyRate: 1000}
	srv, outcomes := deadlineServer(t, opts, 0)
	const pieces = 10
	conn := rawPost(t, srv, pieces*400, "")
	for range pieces {
		_, err := io.WriteString(conn, strings.Repeat("x", 400))
		require.NoError(t, err)
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(30*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, pieces*400, (<-outcomes).n)

	// Without the rate, the same body is cut at BodyTimeout.
	srv, outcomes = deadlineServer(t, ratelimit.DeadlineOptions{BodyTimeout: 150 * time.Millisecond}, 0)
	conn = rawPost(t, srv, pieces*400, "")
	for range pieces {
		if _, err := io.WriteString(conn, strings.Repeat("x", 400)); err != nil {
			break // closed on us
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := <-outcomes
	require.ErrorIs(t, got.err, os.ErrDeadlineExceeded)
	require.Less(t, got.n, pieces*400)
}

// Once the body is read, the handler may work past the body's deadline:
// its context is not canceled and the connection serves the next
// request, whose own body gets a deadline of its own.
func TestDeadlinesLiftedAfterTheBody(t *testing.T) {
	t.Parallel()
	srv, outcomes := deadlineServer(t, ratelimit.DeadlineOptions{BodyTimeout: 100 * time.Millisecond, MinBodyRate: 1 << 20}, 300*time.Millisecond)
	for i := range 2 {
		resp, err := srv.Client().Post(srv.URL, "text/plain", strings.NewReader("hello"))
		require.NoError(t, err, "request %d", i)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "ok", string(body))
		got := <-outcomes
		require.NoError(t, got.err)
		require.True(t, got.ctxAlive, "request %d: the context outlives the body's deadline", i)
	}

	// Chunked, without a length: the same.
	resp, err := srv.Client().Post(srv.URL, "text/plain", io.MultiReader(strings.NewReader("hel"), strings.NewReader("lo")))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, (<-outcomes).ctxAlive)
}

// A client that does not read its answer is cut at WriteTimeout.
func TestDeadlinesWriteTimeout(t *testing.T) {
	t.Parallel()
	mw, err := ratelimit.Deadlines(ratelimit.DeadlineOptions{BodyTimeout: time.Second, WriteTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	writeErr := make(chan error, 1)
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
	})))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	require.NoError(t, err)
	select {
	case err := <-writeErr:
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	case <-time.After(30 * time.Second):
		t.Fatal("the handler is still writing to a client that reads nothing")
	}
}

// Writers that take no deadlines (a recorder) are served without.
func TestDeadlinesRecorder(t *testing.T) {
	t.Parallel()
	mw, err := ratelimit.Deadlines(ratelimit.DeadlineOptions{BodyTimeout: time.Second, MinBodyRate: 10, WriteTimeout: time.Second})
	require.NoError(t, err)
	var got string
	h := mw(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader("body")))
	require.Equal(t, "body", got)
}

func TestDeadlinesOptions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opts ratelimit.DeadlineOptions
		want string
	}{
		{ratelimit.DeadlineOptions{}, "BodyTimeout"},
		{ratelimit.DeadlineOptions{BodyTimeout: time.Second, MinBodyRate: -1}, "MinBodyRate"},
		{ratelimit.DeadlineOptions{BodyTimeout: time.Second, WriteTimeout: -1}, "WriteTimeout"},
	} {
		_, err := ratelimit.Deadlines(c.opts)
		require.ErrorContains(t, err, c.want)
	}
}
