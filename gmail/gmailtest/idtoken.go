package gmailtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// idTokenTTL is the lifetime of the id_tokens the server issues, as
// Google's: an hour.
const idTokenTTL = time.Hour

// idSigner is the server's id_token signing key, made on first use (an
// RSA key takes a while; most tests never need one).
type idSigner struct {
	once sync.Once
	key  *rsa.PrivateKey
	kid  string
}

func (k *idSigner) get() (*rsa.PrivateKey, string) {
	k.once.Do(func() {
		var err error
		if k.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic("gmailtest: generating the id_token key: " + err.Error())
		}
		sum := sha256.Sum256(k.key.N.Bytes())
		k.kid = fmt.Sprintf("%x", sum[:20])
	})
	return k.key, k.kid
}

// Issuer is the iss of the server's id_tokens (Options.Issuer, else the
// server's URL), for gmail.IDTokenConfig.Issuer.
func (s *Server) Issuer() string {
	if s.opts.Issuer != "" {
		return s.opts.Issuer
	}
	return s.URL
}

// JWKSURL is where the server publishes the key that signs its
// id_tokens, as Google does at https://www.googleapis.com/oauth2/v3/certs,
// for gmail.IDTokenConfig.JWKSURL.
func (s *Server) JWKSURL() string { return s.URL + "/oauth2/v3/certs" }

// SetEmailVerified says whether the id_tokens of email's account vouch
// for its address (email_verified); true unless set otherwise.
func (s *Server) SetEmailVerified(email string, verified bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.unverified[normUser(email)] = !verified
}

// IDTokenClaims returns the claims of an id_token the token endpoint
// would issue now to the server's OAuth client for email's account
// (scopes openid and email, no nonce): iss, azp, aud, sub, email,
// email_verified, iat and exp. Tests change them and sign the result
// with SignIDToken to make tokens the verifier must refuse.
func (s *Server) IDTokenClaims(email string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idClaims(normUser(email), true)
}

// idClaims are the claims of an id_token for user, with its email when
// withEmail (scope email). Call with s.mu held.
func (s *Server) idClaims(user string, withEmail bool) map[string]any {
	now := s.opts.Now()
	c := map[string]any{
		"iss": s.Issuer(), "azp": s.opts.ClientID, "aud": s.opts.ClientID,
		"sub": subject(user), "iat": now.Unix(), "exp": now.Add(idTokenTTL).Unix(),
	}
	if withEmail {
		c["email"], c["email_verified"] = user, !s.oauth.unverified[user]
	}
	if i := strings.LastIndexByte(user, '@'); i >= 0 && user[i+1:] != "gmail.com" {
		c["hd"] = user[i+1:] // a Workspace account's domain
	}
	return c
}

// subject is the stable account id (sub) of user: 21 digits, as
// Google's are.
func subject(user string) string {
	sum := sha256.Sum256([]byte(user))
	return fmt.Sprintf("1%020d", binary.BigEndian.Uint64(sum[:8])%100_000_000_000_000_000)
}

// atHash is the at_hash of an access token: the left half of its
// SHA-256, base64url (OpenID Connect Core 3.1.3.6).
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// SignIDToken signs claims as the server signs its id_tokens: a JWS
// compact serialization, RS256, with the key id of the key JWKSURL
// publishes.
func (s *Server) SignIDToken(claims map[string]any) string {
	key, kid := s.keys.get()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": kid, "typ": "JWT"})
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("gmailtest: SignIDToken: " + err.Error())
	}
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		panic("gmailtest: SignIDToken: " + err.Error())
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// jwks serves the JSON Web Key Set of the id_token key, as Google's
// certs endpoint does.
func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	key, kid := s.keys.get()
	jwk := map[string]string{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}
	w.Header().Set("Cache-Control", "public, max-age=21600, must-revalidate, no-transform")
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{jwk}})
}

// hasScope reports whether the space-separated scope list has scope.
func hasScope(scopes, scope string) bool {
	for _, s := range strings.Fields(scopes) {
		if s == scope {
			return true
		}
	}
	return false
}
