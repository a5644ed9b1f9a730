package imap

import "math/bits"

// bufCache keeps the raw-message buffers of one sync for reuse. A sync
// of 10,000 messages reads some 35 MB, but only the messages in flight
// in the pipeline need a buffer at once; reusing them spares the
// allocation, the zeroing and the garbage collection of the rest.
// mime.Parse keeps no reference to the bytes it parses, so a buffer goes
// back as soon as its message is parsed. The cache belongs to one
// pipeline run and is dropped with it: it holds nothing between syncs.
//
// Buffers come in power-of-two size classes from minBufShift to
// maxBufShift, each class a free list of bounded length; larger messages
// get buffers of their own.
type bufCache struct {
	classes [maxBufShift - minBufShift + 1]chan []byte
}

const (
	minBufShift = 12 // 4 KiB
	maxBufShift = 20 // 1 MiB
)

// newBufCache returns a cache keeping up to perClass buffers of each
// class.
func newBufCache(perClass int) *bufCache {
	c := &bufCache{}
	for i := range c.classes {
		c.classes[i] = make(chan []byte, perClass)
	}
	return c
}

// get returns a buffer of length n. It is safe for concurrent use. A
// nil cache allocates every buffer.
func (c *bufCache) get(n int) []byte {
	class := bufClass(n)
	if c == nil || class < 0 {
		return make([]byte, n)
	}
	select {
	case b := <-c.classes[class]:
		return b[:n]
	default:
		return make([]byte, n, 1<<(class+minBufShift))
	}
}

// put gives b back; b must not be used afterwards. A nil cache drops
// it.
func (c *bufCache) put(b []byte) {
	class := bufClass(cap(b))
	if c == nil || class < 0 || cap(b) != 1<<(class+minBufShift) {
		return
	}
	select {
	case c.classes[class] <- b:
	default:
	}
}

// bufClass returns the size class holding n bytes, or -1 when n is too
// large to cache.
func bufClass(n int) int {
	if n <= 1<<minBufShift {
		return 0
	}
	shift := bits.Len(uint(n - 1))
	if shift > maxBufShift {
		return -1
	}
	return shift - minBufShift
}
