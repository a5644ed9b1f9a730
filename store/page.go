package store

// Pagination limits.
const (
	// DefaultLimit is the page size when ListOptions.Limit is 0.
	DefaultLimit = 50
	// MaxLimit is the largest page size; larger limits are lowered to it.
	MaxLimit = 500
)

// ListOptions pages a listing.
type ListOptions struct {
	// Limit is the page size: 0 means DefaultLimit, more than MaxLimit
	// means MaxLimit, negative is ErrInvalid.
	Limit int
	// Cursor is the NextCursor of the previous page; empty for the first.
	Cursor string
}

// Page is one page of a listing. Paging is stable: a row is never returned
// twice and no row that existed when paging began is skipped, whatever is
// inserted meanwhile.
type Page[T any] struct {
	Items []T `json:"data"`
	// NextCursor fetches the next page; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// EffectiveLimit returns the page size opts ask for after defaults and
// the maximum are applied, or ErrInvalid for a negative limit.
func (o ListOptions) EffectiveLimit() (int, error) {
	switch {
	case o.Limit < 0:
		return 0, invalid("limit", "must not be negative")
	case o.Limit == 0:
		return DefaultLimit, nil
	case o.Limit > MaxLimit:
		return MaxLimit, nil
	}
	return o.Limit, nil
}
