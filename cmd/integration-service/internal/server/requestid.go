package server

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"net/http"
)

type requestInfoKey struct{}

// requestInfo is what the outer middleware learns about a request from
// the inner ones: the auth middleware records the tenant here, so that
// the access log line, written outside it, names the tenant.
type requestInfo struct {
	id     string
	tenant string
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// withRequestID gives every request an id: the client's X-Request-Id
// when it is a plausible id, a new random one otherwise. The id is in
// the response header, in problem bodies and in every log line of the
// request.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(headerRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(headerRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, &requestInfo{id: id})))
	})
}

var requestIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return requestIDEncoding.EncodeToString(b[:])
}

// validRequestID accepts 1 to 64 letters, digits, '-', '_' and '.', so
// that a client's id cannot inject anything into logs or headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
