package server

import (
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

// pageView is one page of a listing.
type pageView[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// newPage shows p's items with view, and its cursor.
func newPage[T, S any](p *store.Page[S], view func(S) T) pageView[T] {
	out := pageView[T]{Data: make([]T, 0, len(p.Items))}
	for _, it := range p.Items {
		out.Data = append(out.Data, view(it))
	}
	if p.NextCursor != "" {
		c := p.NextCursor
		out.NextCursor = &c
	}
	return out
}
