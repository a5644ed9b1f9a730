package postgres

import (
	"fmt"

	"github.com/ucsp/integration/store"
)

// beforeFirstID sorts before every id store.NewID makes: where a listing
// by id starts.
const beforeFirstID = "00000000-0000-0000-0000-000000000000"

// pageAfterID returns the page size opts ask for and the id a listing by
// id resumes after. A cursor that is not an id this store issued is
// store.ErrInvalidCursor.
func pageAfterID(op string, opts store.ListOptions) (limit int, after string, err error) {
	limit, err = opts.EffectiveLimit()
	if err != nil {
		return 0, "", fmt.Errorf("postgres: %s: %w", op, err)
	}
	after, err = store.DecodeCursor(opts.Cursor)
	switch {
	case err != nil:
		return 0, "", fmt.Errorf("postgres: %s: %w", op, err)
	case after == "":
		after = beforeFirstID
	case !store.ValidID(after):
		return 0, "", fmt.Errorf("postgres: %s: %w", op, store.ErrInvalidCursor)
	}
	return limit, after, nil
}

// newPage makes a page of rows fetched with LIMIT limit+1: a row beyond
// limit means there is a next page, which resumes after the key of the
// page's last row.
func newPage[T any](rows []T, limit int, key func(T) string) *store.Page[T] {
	if rows == nil {
		rows = []T{}
	}
	p := &store.Page[T]{Items: rows}
	if len(rows) > limit {
		p.Items = rows[:limit:limit]
		p.NextCursor = store.EncodeCursor(key(p.Items[limit-1]))
	}
	return p
}
