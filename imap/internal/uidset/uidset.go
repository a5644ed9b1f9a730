// Package uidset is a compact set of IMAP UIDs stored as sorted,
// non-overlapping, non-adjacent ranges, with the set operations the IMAP
// connector's sync needs (union, difference, chunking) and the IMAP
// sequence-set text form ("1:500,502,510:900") used in its cursor.
//
// It is not a general-purpose set: every operation keeps the ranges
// normalised, so a mailbox of 100,000 messages with few deletions takes a
// few ranges, not 100,000 numbers.
package uidset

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Range is the UIDs Start to Stop inclusive; Start <= Stop, both > 0.
type Range struct {
	Start, Stop uint32
}

// Set is a set of UIDs. The zero Set is empty and ready to use. Union,
// Difference, Below, Above and Chunks return new sets and never change
// their arguments; Add and AddRange change the set in place, and a copy of
// a Set shares its storage: Clone a set before adding to a copy.
type Set struct {
	r []Range
}

// Of returns the set holding uids.
func Of(uids ...uint32) Set {
	var s Set
	for _, u := range uids {
		s.AddRange(u, u)
	}
	return s
}

// Clone returns a copy of s that does not share its storage.
func (s Set) Clone() Set { return Set{r: slices.Clone(s.r)} }

// Ranges returns the set's ranges in ascending order. The caller must not
// change them.
func (s Set) Ranges() []Range { return s.r }

// IsEmpty reports whether s holds no UID.
func (s Set) IsEmpty() bool { return len(s.r) == 0 }

// Len returns the number of UIDs in s.
func (s Set) Len() int {
	n := 0
	for _, r := range s.r {
		n += int(r.Stop-r.Start) + 1
	}
	return n
}

// Max returns the largest UID in s, or 0 for an empty set.
func (s Set) Max() uint32 {
	if len(s.r) == 0 {
		return 0
	}
	return s.r[len(s.r)-1].Stop
}

// Contains reports whether uid is in s.
func (s Set) Contains(uid uint32) bool {
	_, found := slices.BinarySearchFunc(s.r, uid, func(r Range, u uint32) int {
		switch {
		case r.Stop < u:
			return -1
		case r.Start > u:
			return 1
		}
		return 0
	})
	return found
}

// Add adds uid to s. Adding UIDs in ascending order is O(1) each.
func (s *Set) Add(uid uint32) { s.AddRange(uid, uid) }

// AddRange adds start..stop (inclusive, in either order; 0 is ignored).
func (s *Set) AddRange(start, stop uint32) {
	if start > stop {
		start, stop = stop, start
	}
	if start == 0 {
		if stop == 0 {
			return
		}
		start = 1
	}
	n := len(s.r)
	// Fast path: appending at the end, the common case while a sync
	// walks UIDs in ascending order.
	if n == 0 || start > s.r[n-1].Stop {
		if n > 0 && start == s.r[n-1].Stop+1 {
			s.r[n-1].Stop = stop
			return
		}
		s.r = append(s.r, Range{start, stop})
		return
	}
	s.r = Union(*s, Set{r: []Range{{start, stop}}}).r
}

// Union returns a ∪ b.
func Union(a, b Set) Set {
	out := make([]Range, 0, len(a.r)+len(b.r))
	i, j := 0, 0
	for i < len(a.r) || j < len(b.r) {
		var next Range
		if j >= len(b.r) || (i < len(a.r) && a.r[i].Start <= b.r[j].Start) {
			next = a.r[i]
			i++
		} else {
			next = b.r[j]
			j++
		}
		if k := len(out) - 1; k >= 0 && uint64(next.Start) <= uint64(out[k].Stop)+1 {
			out[k].Stop = max(out[k].Stop, next.Stop)
			continue
		}
		out = append(out, next)
	}
	return Set{r: out}
}

// Difference returns a − b: the UIDs of a that are not in b.
func Difference(a, b Set) Set {
	var out []Range
	j := 0
	for _, r := range a.r {
		start := r.Start
		for j < len(b.r) && b.r[j].Stop < start {
			j++
		}
		k := j
		for k < len(b.r) && b.r[k].Start <= r.Stop {
			if b.r[k].Start > start {
				out = append(out, Range{start, b.r[k].Start - 1})
			}
			if b.r[k].Stop >= r.Stop {
				start = 0 // r is used up
				break
			}
			start = b.r[k].Stop + 1
			k++
		}
		if start != 0 && start <= r.Stop {
			out = append(out, Range{start, r.Stop})
		}
	}
	return Set{r: out}
}

// Below returns the UIDs of s that are <= uid.
func (s Set) Below(uid uint32) Set {
	if uid == 0 {
		return Set{}
	}
	return Difference(s, Set{r: []Range{{uid + 1, ^uint32(0)}}})
}

// Above returns the UIDs of s that are > uid.
func (s Set) Above(uid uint32) Set {
	if uid == 0 {
		return s.Clone()
	}
	return Difference(s, Set{r: []Range{{1, uid}}})
}

// Chunks splits s, in ascending order, into sets of n UIDs each (the
// last one may hold fewer), made one at a time as the caller ranges over
// them: a set of a few ranges may hold billions of UIDs (a server's
// answer), so its chunks are never all made at once.
func (s Set) Chunks(n int) iter.Seq[Set] {
	if n <= 0 {
		panic("uidset: Chunks of size <= 0")
	}
	return func(yield func(Set) bool) {
		var cur Set
		left := n
		for _, r := range s.r {
			for start := r.Start; ; {
				size := uint64(r.Stop) - uint64(start) + 1
				if size <= uint64(left) {
					cur.r = append(cur.r, Range{start, r.Stop})
					left -= int(size)
					break
				}
				stop := start + uint32(left) - 1
				cur.r = append(cur.r, Range{start, stop})
				if !yield(cur) {
					return
				}
				cur, left = Set{}, n
				start = stop + 1
			}
			if left == 0 {
				if !yield(cur) {
					return
				}
				cur, left = Set{}, n
			}
		}
		if len(cur.r) > 0 {
			yield(cur)
		}
	}
}

// ChunksDesc is Chunks from the top down: the first set holds the n
// largest UIDs of s, the next the n below them, and so on.
func (s Set) ChunksDesc(n int) iter.Seq[Set] {
	if n <= 0 {
		panic("uidset: ChunksDesc of size <= 0")
	}
	return func(yield func(Set) bool) {
		var cur Set // ranges in descending order until yielded
		left := n
		emit := func() bool {
			slices.Reverse(cur.r)
			ok := yield(cur)
			cur, left = Set{}, n
			return ok
		}
		for i := len(s.r) - 1; i >= 0; i-- {
			r := s.r[i]
			for stop := r.Stop; ; {
				size := uint64(stop) - uint64(r.Start) + 1
				if size <= uint64(left) {
					cur.r = append(cur.r, Range{r.Start, stop})
					left -= int(size)
					break
				}
				start := stop - uint32(left) + 1
				cur.r = append(cur.r, Range{start, stop})
				if !emit() {
					return
				}
				stop = start - 1
			}
			if left == 0 && !emit() {
				return
			}
		}
		if len(cur.r) > 0 {
			emit()
		}
	}
}

// NumChunks returns how many sets Chunks(n) and ChunksDesc(n) make.
func (s Set) NumChunks(n int) int {
	return (s.Len() + n - 1) / n
}

// Equal reports whether a and b hold the same UIDs.
func Equal(a, b Set) bool { return slices.Equal(a.r, b.r) }

// IMAP returns s as a go-imap UID set.
func (s Set) IMAP() imap.UIDSet {
	out := make(imap.UIDSet, len(s.r))
	for i, r := range s.r {
		out[i] = imap.UIDRange{Start: imap.UID(r.Start), Stop: imap.UID(r.Stop)}
	}
	return out
}

// FromIMAP returns the set holding the UIDs of u, which must not be
// dynamic (no "*").
func FromIMAP(u imap.UIDSet) (Set, error) {
	var s Set
	for _, r := range u {
		if r.Start == 0 || r.Stop == 0 {
			return Set{}, errors.New("uidset: dynamic UID set")
		}
		s.AddRange(uint32(r.Start), uint32(r.Stop))
	}
	return s, nil
}

// String returns s in IMAP sequence-set form, e.g. "1:500,502,510:900";
// "" for the empty set.
func (s Set) String() string {
	var b strings.Builder
	for i, r := range s.r {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(r.Start), 10))
		if r.Stop != r.Start {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(r.Stop), 10))
		}
	}
	return b.String()
}

// Parse reads the form String writes. It accepts ranges in any order
// and overlapping, and normalises them.
func Parse(text string) (Set, error) {
	var s Set
	if text == "" {
		return s, nil
	}
	for _, part := range strings.Split(text, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		start, err := parseUID(lo)
		if err != nil {
			return Set{}, err
		}
		stop := start
		if isRange {
			if stop, err = parseUID(hi); err != nil {
				return Set{}, err
			}
		}
		s.AddRange(start, stop)
	}
	return s, nil
}

func parseUID(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("uidset: bad UID %q", s)
	}
	return uint32(n), nil
}
