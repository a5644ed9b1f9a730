package uidset

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// naive is the reference model: a sorted list of distinct UIDs.
func naive(s Set) []uint32 {
	var out []uint32
	for _, r := range s.r {
		for u := r.Start; ; u++ {
			out = append(out, u)
			if u == r.Stop {
				break
			}
		}
	}
	return out
}

func randomSet(r *rand.Rand, maxUID int) (Set, map[uint32]bool) {
	var s Set
	m := map[uint32]bool{}
	for range r.IntN(40) {
		a := uint32(1 + r.IntN(maxUID))
		b := a + uint32(r.IntN(8))
		s.AddRange(b, a)
		for u := a; u <= b; u++ {
			m[u] = true
		}
	}
	return s, m
}

func keys(m map[uint32]bool) []uint32 {
	var out []uint32
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func requireNormal(t *testing.T, s Set) {
	t.Helper()
	for i, r := range s.r {
		require.LessOrEqual(t, r.Start, r.Stop)
		require.NotZero(t, r.Start)
		if i > 0 {
			require.Greater(t, uint64(r.Start), uint64(s.r[i-1].Stop)+1, "ranges must not touch: %v", s)
		}
	}
}

func TestAgainstModel(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a, ma := randomSet(r, 200)
		b, mb := randomSet(r, 200)
		requireNormal(t, a)
		require.Equal(t, keys(ma), naive(a))
		require.Equal(t, len(keys(ma)), a.Len())

		u := Union(a, b)
		requireNormal(t, u)
		mu := map[uint32]bool{}
		for k := range ma {
			mu[k] = true
		}
		for k := range mb {
			mu[k] = true
		}
		require.Equal(t, keys(mu), naive(u))

		d := Difference(a, b)
		requireNormal(t, d)
		md := map[uint32]bool{}
		for k := range ma {
			md[k] = !mb[k]
		}
		require.Equal(t, keys(md), naive(d))

		cut := uint32(r.IntN(210))
		below, above := a.Below(cut), a.Above(cut)
		requireNormal(t, below)
		requireNormal(t, above)
		require.True(t, Equal(a, Union(below, above)))
		require.LessOrEqual(t, below.Max(), cut)
		if !above.IsEmpty() {
			require.Greater(t, above.r[0].Start, cut)
		}

		for _, u := range naive(a) {
			require.True(t, a.Contains(u))
		}
		require.False(t, a.Contains(0))
		require.Equal(t, slices.Contains(naive(a), 7), a.Contains(7))

		parsed, err := Parse(a.String())
		require.NoError(t, err)
		require.True(t, Equal(a, parsed), "%s", a)

		n := 1 + r.IntN(30)
		var joined Set
		chunks := 0
		for c := range a.Chunks(n) {
			requireNormal(t, c)
			require.LessOrEqual(t, c.Len(), n)
			require.NotZero(t, c.Len())
			if chunks > 0 {
				require.Greater(t, c.r[0].Start, joined.Max(), "chunks must ascend")
				require.Equal(t, chunks*n, joined.Len(), "every chunk but the last is full")
			}
			joined = Union(joined, c)
			chunks++
		}
		require.True(t, Equal(a, joined))
		require.Equal(t, a.NumChunks(n), chunks)

		var down Set
		chunks = 0
		for c := range a.ChunksDesc(n) {
			requireNormal(t, c)
			require.LessOrEqual(t, c.Len(), n)
			require.NotZero(t, c.Len())
			if chunks > 0 {
				require.Less(t, c.Max(), down.r[0].Start, "chunks must descend")
				require.Equal(t, chunks*n, down.Len(), "every chunk but the last is full")
			}
			down = Union(down, c)
			chunks++
		}
		require.True(t, Equal(a, down))
		require.Equal(t, a.NumChunks(n), chunks)
	}
}

// A server's answer of a few bytes ("1:4294967295") names billions of
// UIDs: its chunks are made as they are used, never all at once.
func TestChunksOfAHugeSetAreMadeOneAtATime(t *testing.T) {
	var huge Set
	huge.AddRange(1, math.MaxUint32)
	require.Equal(t, (math.MaxUint32+999)/1000, huge.NumChunks(1000))
	first := func(seq func(func(Set) bool)) (got []string) {
		for c := range seq {
			got = append(got, c.String())
			if len(got) == 2 {
				break
			}
		}
		return got
	}
	require.Equal(t, []string{"1:1000", "1001:2000"}, first(huge.Chunks(1000)))
	require.Equal(t, []string{"4294966296:4294967295", "4294965296:4294966295"}, first(huge.ChunksDesc(1000)))
	allocs := testing.AllocsPerRun(10, func() {
		for range huge.Chunks(1000) {
			break
		}
		for range huge.ChunksDesc(1000) {
			break
		}
	})
	require.LessOrEqual(t, allocs, 10.0, "taking one chunk costs a few allocations, not one per chunk of the set")
}

func TestStringAndParse(t *testing.T) {
	t.Parallel()
	s := Of(5, 1, 2, 3, 10, 11, 4, 100)
	require.Equal(t, "1:5,10:11,100", s.String())
	require.Equal(t, 8, s.Len())
	require.EqualValues(t, 100, s.Max())
	p, err := Parse("100,1:3,2:5,11,10")
	require.NoError(t, err)
	require.True(t, Equal(s, p))
	for _, bad := range []string{"0", "1:x", "a", "1,,2", "-1", "4294967296"} {
		_, err := Parse(bad)
		require.Error(t, err, bad)
	}
	e, err := Parse("")
	require.NoError(t, err)
	require.True(t, e.IsEmpty())
	require.Empty(t, e.String())
}

func TestLargeSetStaysSmall(t *testing.T) {
	t.Parallel()
	var s Set
	for u := uint32(1); u <= 100_000; u++ {
		if u%10_000 != 0 { // ten deletions
			s.Add(u)
		}
	}
	require.Len(t, s.Ranges(), 10)
	require.Less(t, len(s.String()), 120)
	require.Equal(t, 99_990, s.Len())
}

func TestIMAPRoundTrip(t *testing.T) {
	t.Parallel()
	s := Of(1, 2, 3, 7, 9, 10)
	back, err := FromIMAP(s.IMAP())
	require.NoError(t, err)
	require.True(t, Equal(s, back))
	require.Equal(t, "1:3,7,9:10", s.IMAP().String())
}

func TestCloneDoesNotShareStorage(t *testing.T) {
	t.Parallel()
	a := Of(1, 2, 3)
	b := a.Clone()
	b.Add(4)
	b.Add(10)
	require.Equal(t, "1:3", a.String())
	require.Equal(t, "1:4,10", b.String())
	u := Union(a, Of(7))
	u.Add(8)
	require.Equal(t, "1:3", a.String())
}
