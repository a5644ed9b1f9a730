package webhook

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMemoryReplayStoreModel drives a MemoryReplayStore with a fake
// clock through random Remember / Forget / clock steps with mixed TTLs
// and checks every answer, and Len, against a plain map of expiries.
func TestMemoryReplayStoreModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	clock := time.Unix(1_700_000_000, 0)
	s := NewMemoryReplayStore()
	s.now = func() time.Time { return clock }
	model := map[string]time.Time{}
	ctx := context.Background()
	for i := range 20_000 {
		key := "k" + strconv.Itoa(rng.IntN(300))
		switch op := rng.IntN(10); {
		case op < 6:
			ttl := time.Duration(1+rng.IntN(100)) * time.Millisecond
			exp, known := model[key]
			wantFirst := !known || !exp.After(clock)
			first, err := s.Remember(ctx, key, ttl)
			require.NoError(t, err)
			require.Equal(t, wantFirst, first, "step %d: Remember(%s)", i, key)
			if wantFirst {
				model[key] = clock.Add(ttl)
			}
		case op < 7:
			require.NoError(t, s.Forget(ctx, key))
			delete(model, key)
		default:
			clock = clock.Add(time.Duration(rng.IntN(20)) * time.Millisecond)
		}
		if i%100 == 0 {
			live := 0
			for _, exp := range model {
				if exp.After(clock) {
					live++
				}
			}
			require.Equal(t, live, s.Len(), "step %d", i)
		}
	}
}

// TestMemoryReplayStoreHoldsNoPointers: what the store keeps per key
// has no pointer, so a large store costs the garbage collector nothing
// to scan.
func TestMemoryReplayStoreHoldsNoPointers(t *testing.T) {
	t.Parallel()
	for _, typ := range []reflect.Type{
		reflect.TypeFor[map[replayDigest]int64]().Key(), reflect.TypeFor[map[replayDigest]int64]().Elem(),
		reflect.TypeFor[expiry](),
	} {
		require.False(t, hasPointers(typ), "%s holds a pointer", typ)
	}
	s := NewMemoryReplayStore()
	require.Equal(t, reflect.TypeFor[map[replayDigest]int64](), reflect.TypeOf(s.expires))
	require.Equal(t, reflect.TypeFor[expiry](), reflect.TypeOf(s.queue).Elem())
}

// hasPointers reports whether values of typ hold a pointer.
func hasPointers(typ reflect.Type) bool {
	switch typ.Kind() {
	case reflect.Array:
		return hasPointers(typ.Elem())
	case reflect.Struct:
		for i := range typ.NumField() {
			if hasPointers(typ.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	}
	return true
}
