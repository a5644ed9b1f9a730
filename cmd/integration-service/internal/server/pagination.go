package server

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ucsp/integration/store"
)

// parseListOptions reads ?limit= and ?cursor=, refusing any query
// parameter other than those and extra (strictness, as for bodies). On
// failure it has answered 400.
func parseListOptions(w http.ResponseWriter, r *http.Request, extra ...string) (store.ListOptions, bool) {
	q := r.URL.Query()
	var errs []fieldError
	for name, vals := range q {
		if name != "limit" && name != "cursor" && !slices.Contains(extra, name) {
			errs = append(errs, fieldError{Field: name, Message: "is not a known query parameter"})
		} else if len(vals) > 1 {
			errs = append(errs, fieldError{Field: name, Message: "must be given once"})
		}
	}
	var lo store.ListOptions
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxLimit {
			errs = append(errs, fieldError{Field: "limit", Message: "must be a whole number from 1 to " + strconv.Itoa(store.MaxLimit)})
		}
		lo.Limit = n
	}
	lo.Cursor = q.Get("cursor")
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters", errs...)
		return lo, false
	}
	return lo, true
}

// newWebhookSecret returns a Standard Webhooks secret: whsec_ and the
// base64 of 32 random bytes.
func newWebhookSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}
