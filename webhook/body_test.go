package webhook_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// meteredBody is a request body that records the largest buffer a
// reader offered it, and fails with err once data is spent.
type meteredBody struct {
	data    []byte
	err     error
	largest int
}

func (b *meteredBody) Read(p []byte) (int, error) {
	b.largest = max(b.largest, len(p))
	if len(b.data) == 0 {
		return 0, b.err
	}
	n := copy(p, b.data[:min(len(b.data), 1000)]) // a network delivers in pieces
	b.data = b.data[n:]
	return n, nil
}

func (b *meteredBody) Close() error { return nil }

func bodyRequest(body io.ReadCloser, length int64) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body, r.ContentLength = body, length
	return r
}

// A client that announces a large body and sends little makes ReadBody
// hold what it sent, not what it announced.
func TestReadBodyGrowsWithWhatArrives(t *testing.T) {
	t.Parallel()
	const announced = 1 << 20
	sent := bytes.Repeat([]byte("x"), 3000)
	stall := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	body := &meteredBody{data: sent, err: stall}
	_, err := webhook.ReadBody(bodyRequest(body, announced), announced)
	require.ErrorIs(t, err, webhook.ErrBodyTimeout, "a body that misses its deadline")
	require.Equal(t, 408, webhook.StatusCode(err))
	require.NotContains(t, err.Error(), "tcp", "the detail does not echo the connection")
	require.LessOrEqual(t, body.largest, 32<<10, "no more than a 32 KiB piece reserved ahead of the bytes")

	// The same body sent in full is read whole, growing as it comes.
	full := bytes.Repeat([]byte("0123456789abcdef"), 40_000) // 640,000 bytes
	body = &meteredBody{data: bytes.Clone(full), err: io.EOF}
	got, err := webhook.ReadBody(bodyRequest(body, int64(len(full))), announced)
	require.NoError(t, err)
	require.Equal(t, full, got)
	require.Equal(t, len(full), cap(got), "joined into one allocation of its size")
	require.LessOrEqual(t, body.largest, 32<<10)

	// Without a length, the same.
	body = &meteredBody{data: bytes.Clone(full), err: io.EOF}
	got, err = webhook.ReadBody(bodyRequest(body, -1), announced)
	require.NoError(t, err)
	require.Equal(t, full, got)
	require.LessOrEqual(t, body.largest, 32<<10)

	// A small announced body: one read into one allocation of its size.
	body = &meteredBody{data: []byte("hello"), err: io.EOF}
	got, err = webhook.ReadBody(bodyRequest(body, 5), announced)
	require.NoError(t, err)
	require.Equal(t, "hello", string(got))
	require.Equal(t, 5, cap(got))
}

func TestReadBodyLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		data    string
		length  int64
		limit   int64
		want    string
		wantErr error
	}{
		{name: "exact length", data: "hello", length: 5, limit: 5, want: "hello"},
		{name: "empty", data: "", length: 0, limit: 5, want: ""},
		{name: "chunked at the limit", data: "hello", length: -1, limit: 5, want: "hello"},
		{name: "chunked over the limit", data: "hello!", length: -1, limit: 5, wantErr: webhook.ErrBodyTooLarge},
		{name: "announced over the limit", data: "", length: 6, limit: 5, wantErr: webhook.ErrBodyTooLarge},
		{name: "large chunked over the limit", data: strings.Repeat("x", 100_001), length: -1, limit: 100_000, wantErr: webhook.ErrBodyTooLarge},
		{name: "large chunked at the limit", data: strings.Repeat("y", 100_000), length: -1, limit: 100_000, want: strings.Repeat("y", 100_000)},
		{name: "large exact length", data: strings.Repeat("z", 65_536), length: 65_536, limit: 100_000, want: strings.Repeat("z", 65_536)},
		{name: "a piece exactly", data: strings.Repeat("w", 32<<10), length: -1, limit: 100_000, want: strings.Repeat("w", 32<<10)},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := &meteredBody{data: []byte(c.data), err: io.EOF}
			got, err := webhook.ReadBody(bodyRequest(body, c.length), c.limit)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				require.Equal(t, http.StatusRequestEntityTooLarge, webhook.StatusCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, string(got))
			require.NotNil(t, got)
		})
	}

	// A read error other than a deadline is no verification error.
	body := &meteredBody{data: []byte("he"), err: errors.New("connection reset")}
	_, err := webhook.ReadBody(bodyRequest(body, 5), 5)
	require.Error(t, err)
	require.Equal(t, http.StatusInternalServerError, webhook.StatusCode(err))
}

// http.MaxBytesReader in front of ReadBody is reported as ErrBodyTooLarge.
func TestReadBodyBehindMaxBytesReader(t *testing.T) {
	t.Parallel()
	r := bodyRequest(&meteredBody{data: []byte(strings.Repeat("x", 100)), err: io.EOF}, -1)
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	_, err := webhook.ReadBody(r, 1000)
	require.ErrorIs(t, err, webhook.ErrBodyTooLarge)
}

func BenchmarkReadBody(b *testing.B) {
	small := []byte(`{"from":{"name":"Ann","email":"ann@example.org"},"to":[{"email":"help@example.com"}],"subject":"Order 1","text":"Where is my order?","message_id":"bench-1@example.org"}`)
	for _, c := range []struct {
		name    string
		payload []byte
		length  int64
	}{
		{"small", small, int64(len(small))},
		{"small-chunked", small, -1},
		{"100KiB", bytes.Repeat([]byte("x"), 100<<10), 100 << 10},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := bodyRequest(nil, c.length)
			rd := bytes.NewReader(c.payload)
			r.Body = io.NopCloser(rd)
			for b.Loop() {
				rd.Reset(c.payload)
				r.ContentLength = c.length
				if _, err := webhook.ReadBody(r, webhook.DefaultMaxBodyBytes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
