package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// macSize is the size of an HMAC-SHA256.
const macSize = sha256.Size

// macKey computes the Standard Webhooks HMAC of one secret, reusing keyed
// hashes across calls.
type macKey struct {
	pool sync.Pool // of *macState
}

type macState struct {
	h   hash.Hash
	buf []byte
}

func newMACKey(s Secret) *macKey {
	key := s.key
	k := &macKey{}
	k.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key), buf: make([]byte, 0, 128)} }
	return k
}

// sum appends to dst the HMAC-SHA256 of "id.timestamp.body".
func (k *macKey) sum(dst []byte, id, timestamp string, body []byte) []byte {
	st := k.pool.Get().(*macState)
	st.h.Reset()
	st.buf = append(append(append(append(st.buf[:0], id...), '.'), timestamp...), '.')
	st.h.Write(st.buf)
	st.h.Write(body)
	dst = st.h.Sum(dst)
	k.pool.Put(st)
	return dst
}
