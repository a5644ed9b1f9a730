package server

import (
	"crypto/subtle"
	"net/http"
)

// operatorToken is the operator credential, ADMIN_TOKEN; empty when it
// is not set, and then nothing is the operator's.
type operatorToken string

// is reports whether tok is the operator credential (in constant time).
func (t operatorToken) is(tok string) bool {
	return t != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(t)) == 1
}

// sentBy reports whether r carries the operator credential as its
// bearer token.
func (t operatorToken) sentBy(r *http.Request) bool {
	tok, ok := bearer(r.Header.Get("Authorization"))
	return ok && t.is(tok)
}

// only refuses requests without the operator credential: 401, saying
// where the route is served.
func (t operatorToken) only(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t.sentBy(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="operator"`)
		writeProblem(w, r, http.StatusUnauthorized, probUnauthorized,
			"this route is for operators: send ADMIN_TOKEN as a bearer token, or use the admin listener (ADMIN_ADDR)")
	})
}
