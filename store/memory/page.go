package memory

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ucsp/integration/store"
)

// Listings page by key, never by offset: a page holds the rows after the
// cursor's key, so a row inserted meanwhile cannot shift a row that
// existed into a page already read. Integrations and messages are keyed
// by id (a UUIDv7, in creation order), events by the sequence number they
// were stored with, since their ids may be chosen by the caller.

// normID returns id as PostgreSQL prints a uuid: in lower case.
func normID(id string) string { return strings.ToLower(id) }

// idCursor reads the page size and the id to continue after from opts.
func idCursor(opts store.ListOptions) (limit int, after string, err error) {
	if limit, err = opts.EffectiveLimit(); err != nil {
		return 0, "", fmt.Errorf("memory: %w", err)
	}
	key, err := store.DecodeCursor(opts.Cursor)
	if err != nil {
		return 0, "", fmt.Errorf("memory: %w", err)
	}
	if key != "" && !store.ValidID(key) {
		return 0, "", fmt.Errorf("memory: %w", store.ErrInvalidCursor)
	}
	return limit, normID(key), nil
}

// seqCursor reads the page size and the sequence number to continue after
// from opts.
func seqCursor(opts store.ListOptions) (limit int, after int64, err error) {
	if limit, err = opts.EffectiveLimit(); err != nil {
		return 0, 0, fmt.Errorf("memory: %w", err)
	}
	key, err := store.DecodeCursor(opts.Cursor)
	if err != nil {
		return 0, 0, fmt.Errorf("memory: %w", err)
	}
	if key == "" {
		return limit, 0, nil
	}
	if after, err = strconv.ParseInt(key, 10, 64); err != nil || after <= 0 {
		return 0, 0, fmt.Errorf("memory: %w", store.ErrInvalidCursor)
	}
	return limit, after, nil
}

func seqKey(seq int64) string { return strconv.FormatInt(seq, 10) }

// collect makes a page of the rows, which are in listing order and all
// after the cursor: up to limit of those keep accepts, copied by out.
// NextCursor, made by key from the last row returned, is set only when
// another row would follow.
func collect[R, T any](rows []R, limit int, keep func(R) bool, out func(R) T, key func(R) string) *store.Page[T] {
	p := &store.Page[T]{Items: make([]T, 0, min(limit, len(rows)))}
	var last R
	for _, r := range rows {
		if !keep(r) {
			continue
		}
		if len(p.Items) == limit {
			p.NextCursor = store.EncodeCursor(key(last))
			break
		}
		p.Items = append(p.Items, out(r))
		last = r
	}
	return p
}

// idsAfter returns the part of the sorted ids that comes after after.
func idsAfter(ids []string, after string) []string {
	i, found := slices.BinarySearch(ids, after)
	if found {
		i++
	}
	return ids[i:]
}
