package secrets_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store/secrets"
)

func key(t *testing.T, id string) (secrets.Key, string) {
	t.Helper()
	material := make([]byte, secrets.KeySize)
	_, err := rand.Read(material)
	require.NoError(t, err)
	k, err := secrets.NewKey(id, material)
	require.NoError(t, err)
	return k, base64.StdEncoding.EncodeToString(material)
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, _ := key(t, "k1")
	ring, err := secrets.NewKeyring(k)
	require.NoError(t, err)
	plain := []byte("refresh-token-1//abc")
	aad := []byte("integration-credentials:42")

	s, err := ring.Seal(plain, aad)
	require.NoError(t, err)
	require.Equal(t, "k1", s.KeyID)
	require.False(t, bytes.Contains(s.Ciphertext, plain), "ciphertext holds the plaintext")
	got, err := ring.Open(s, aad)
	require.NoError(t, err)
	require.Equal(t, plain, got)

	// Sealing twice gives different ciphertexts (fresh nonce).
	s2, err := ring.Seal(plain, aad)
	require.NoError(t, err)
	require.NotEqual(t, s.Ciphertext, s2.Ciphertext)
}

func TestOpenRejectsTampering(t *testing.T) {
	t.Parallel()
	k, _ := key(t, "k1")
	ring, err := secrets.NewKeyring(k)
	require.NoError(t, err)
	s, err := ring.Seal([]byte("secret"), []byte("row-1"))
	require.NoError(t, err)

	_, err = ring.Open(s, []byte("row-2"))
	require.ErrorIs(t, err, secrets.ErrOpen, "a ciphertext moved to another row must not open")

	flipped := secrets.Sealed{KeyID: s.KeyID, Ciphertext: bytes.Clone(s.Ciphertext)}
	flipped.Ciphertext[len(flipped.Ciphertext)-1] ^= 1
	_, err = ring.Open(flipped, []byte("row-1"))
	require.ErrorIs(t, err, secrets.ErrOpen)

	_, err = ring.Open(secrets.Sealed{KeyID: "k1", Ciphertext: []byte("short")}, nil)
	require.ErrorIs(t, err, secrets.ErrOpen)

	_, err = ring.Open(secrets.Sealed{KeyID: "gone", Ciphertext: s.Ciphertext}, []byte("row-1"))
	require.ErrorIs(t, err, secrets.ErrUnknownKey)
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, oldB64 := key(t, "2025")
	newKey, newB64 := key(t, "2026")

	before, err := secrets.NewKeyring(oldKey)
	require.NoError(t, err)
	sealedOld, err := before.Seal([]byte("old secret"), nil)
	require.NoError(t, err)

	after, err := secrets.ParseKeyring("2026:" + newB64 + ", 2025:" + oldB64)
	require.NoError(t, err)
	require.Equal(t, "2026", after.CurrentKeyID())
	require.Equal(t, []string{"2026", "2025"}, after.KeyIDs())

	got, err := after.Open(sealedOld, nil)
	require.NoError(t, err, "old ciphertexts still open after rotation")
	require.Equal(t, "old secret", string(got))
	require.True(t, sealedOld.Stale(after))

	sealedNew, err := after.Seal([]byte("new secret"), nil)
	require.NoError(t, err)
	require.Equal(t, "2026", sealedNew.KeyID, "new ciphertexts use the current key")
	require.False(t, sealedNew.Stale(after))
	_, err = before.Open(sealedNew, nil)
	require.ErrorIs(t, err, secrets.ErrUnknownKey)

	withNew, err := secrets.NewKeyring(newKey)
	require.NoError(t, err)
	_, err = withNew.Open(sealedOld, nil)
	require.ErrorIs(t, err, secrets.ErrUnknownKey, "a retired key's ciphertexts no longer open")
}

func TestParseKeyringErrorsNeverShowKeys(t *testing.T) {
	t.Parallel()
	short := base64.StdEncoding.EncodeToString([]byte("only-16-bytes!!!"))
	_, good := key(t, "x")
	urlSafe := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))
	cases := map[string]string{
		"":                                "empty keyring",
		"noseparator":                     "want id:base64key",
		"k1:" + short:                     "need 32 bytes",
		"k1:***":                          "not base64",
		"bad id!:" + good:                 "key id",
		"k1:" + good + ",k1:" + good:      "appears twice",
		"k1:" + good + ",k2:" + short[:8]: `key "k2"`,
	}
	for in, want := range cases {
		_, err := secrets.ParseKeyring(in)
		require.ErrorContains(t, err, want, "input %q", in)
		require.NotContains(t, err.Error(), good)
		require.NotContains(t, err.Error(), short)
	}
	ring, err := secrets.ParseKeyring(" k1:" + urlSafe + " ")
	require.NoError(t, err, "URL-safe unpadded base64 is accepted")
	require.Equal(t, "k1", ring.CurrentKeyID())
}

func TestGenerateKeyring(t *testing.T) {
	t.Parallel()
	a, err := secrets.GenerateKeyring()
	require.NoError(t, err)
	b, err := secrets.GenerateKeyring()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(a.CurrentKeyID(), "ephemeral-"))
	require.NotEqual(t, a.CurrentKeyID(), b.CurrentKeyID())
	s, err := a.Seal([]byte("x"), nil)
	require.NoError(t, err)
	_, err = b.Open(s, nil)
	require.Error(t, err)
}

func TestStringsHideMaterial(t *testing.T) {
	t.Parallel()
	k, b64 := key(t, "k9")
	ring, err := secrets.NewKeyring(k)
	require.NoError(t, err)
	s, err := ring.Seal([]byte("hunter2"), nil)
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%v", s), s.String()} {
		require.NotContains(t, out, b64)
		require.NotContains(t, out, "hunter2")
	}
	require.Equal(t, "secrets.Key{k9}", k.String())
	_, err = secrets.NewKeyring()
	require.Error(t, err)
	_, err = secrets.NewKeyring(secrets.Key{})
	require.Error(t, err)
}
