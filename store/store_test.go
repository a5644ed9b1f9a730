package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	id := store.NewID()
	c := store.EncodeCursor(id)
	require.NotContains(t, c, id, "cursors are opaque")
	got, err := store.DecodeCursor(c)
	require.NoError(t, err)
	require.Equal(t, id, got)
	empty, err := store.DecodeCursor("")
	require.NoError(t, err)
	require.Empty(t, empty)
	for _, bad := range []string{"x", "c1.", "c1.%%%", "c2." + c[3:]} {
		_, err := store.DecodeCursor(bad)
		require.ErrorIs(t, err, store.ErrInvalidCursor, bad)
	}
}

func TestEffectiveLimit(t *testing.T) {
	t.Parallel()
	for in, want := range map[int]int{0: store.DefaultLimit, 1: 1, 77: 77, store.MaxLimit: store.MaxLimit, store.MaxLimit + 1: store.MaxLimit} {
		got, err := store.ListOptions{Limit: in}.EffectiveLimit()
		require.NoError(t, err)
		require.Equal(t, want, got, "limit %d", in)
	}
	_, err := store.ListOptions{Limit: -1}.EffectiveLimit()
	require.ErrorIs(t, err, store.ErrInvalid)
	var ie *store.InvalidError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "limit", ie.Field)
}

func TestNewIDsSortInCreationOrder(t *testing.T) {
	t.Parallel()
	var ids []string
	for range 10_000 {
		ids = append(ids, store.NewID())
	}
	require.True(t, slices.IsSorted(ids), "ids made one after another must sort in that order")
	require.Len(t, slices.Compact(slices.Clone(ids)), len(ids))
	require.True(t, store.ValidID(ids[0]))
	for _, bad := range []string{"", "x", "{" + ids[0] + "}", "urn:uuid:" + ids[0]} {
		require.False(t, store.ValidID(bad), bad)
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	require.ErrorIs(t, fmt.Errorf("x: %w", store.ErrIdempotencyConflict), store.ErrConflict)
	require.False(t, errors.Is(store.ErrConflict, store.ErrIdempotencyConflict))
	err := store.Invalid("tenant_id", "is required")
	require.ErrorIs(t, err, store.ErrInvalid)
	require.Equal(t, "store: tenant_id is required", err.Error())
	require.True(t, store.StatusNeedsReauth.Valid())
	require.False(t, store.IntegrationStatus("x").Valid())
}
