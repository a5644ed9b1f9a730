package pubsubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// GoogleIssuer is the iss of the tokens Token signs, as Google's.
const GoogleIssuer = "https://accounts.google.com"

// TokenLifetime is how long a token from Token is valid, as Google's.
const TokenLifetime = time.Hour

// Issuer signs Google ID tokens with a key of its own and serves that
// key, through HTTPClient, where Google publishes its keys. It is safe
// for concurrent use.
type Issuer struct {
	key *rsa.PrivateKey
	kid string

	mu        sync.Mutex
	fetches   int
	failCode  int
	failErr   error
	retiredID string // the key id of the other key in the served set
}

// NewIssuer returns an Issuer with a fresh 2048-bit RSA key and a key id
// of 40 hex digits, like Google's. It panics if no key can be made.
func NewIssuer() *Issuer {
	return newIssuer(randomKeyID())
}

// Rogue returns an issuer with a fresh key under iss's key id. iss's
// HTTPClient does not serve that key: a token the rogue signs looks like
// one of iss's and fails the signature check, as a forged token would.
func (iss *Issuer) Rogue() *Issuer {
	return newIssuer(iss.kid)
}

func newIssuer(kid string) *Issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("pubsubtest: generating an RSA key: " + err.Error())
	}
	return &Issuer{key: key, kid: kid, retiredID: randomKeyID()}
}

func randomKeyID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// KeyID returns the kid of the Issuer's key, in the header of the tokens
// it signs.
func (iss *Issuer) KeyID() string { return iss.kid }

// PublicKey returns the public half of the Issuer's key.
func (iss *Issuer) PublicKey() *rsa.PublicKey { return &iss.key.PublicKey }

// Claims returns the claims of the token Pub/Sub sends for a push
// subscription that authenticates as serviceAccount with audience: iss
// GoogleIssuer, aud, email, email_verified true, sub and azp (the service
// account's unique id, derived here from its email), iat now and exp
// TokenLifetime later. Edit them and sign them with SignClaims to make a
// token that a verifier must reject.
func (iss *Issuer) Claims(serviceAccount, audience string) map[string]any {
	now := time.Now()
	id := accountID(serviceAccount)
	return map[string]any{
		"aud":            audience,
		"azp":            id,
		"email":          serviceAccount,
		"email_verified": true,
		"exp":            now.Add(TokenLifetime).Unix(),
		"iat":            now.Unix(),
		"iss":            GoogleIssuer,
		"sub":            id,
	}
}

// accountID is a service account's unique id: 21 digits, fixed for an
// email.
func accountID(serviceAccount string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(serviceAccount)))
	return fmt.Sprintf("1%020d", binary.BigEndian.Uint64(sum[:8]))
}

// Token returns a valid push token for serviceAccount and audience: the
// Claims signed with SignClaims.
func (iss *Issuer) Token(serviceAccount, audience string) string {
	return iss.SignClaims(iss.Claims(serviceAccount, audience))
}

// SignClaims returns a JWT of claims, whatever they are, signed RS256
// with the Issuer's key, with the header {"alg":"RS256","kid":KeyID,
// "typ":"JWT"}. It panics if claims cannot be marshalled to JSON.
func (iss *Issuer) SignClaims(claims map[string]any) string {
	return iss.SignJWT(nil, claims)
}

// SignJWT is SignClaims with header's fields added to the header, or
// replacing its fields (a nil value removes one): a token that claims
// another alg or kid. The signature is RS256 with the Issuer's key
// whatever the header says. It panics if header or claims cannot be
// marshalled to JSON.
func (iss *Issuer) SignJWT(header, claims map[string]any) string {
	h := map[string]any{"alg": "RS256", "kid": iss.kid, "typ": "JWT"}
	for k, v := range header {
		if v == nil {
			delete(h, k)
			continue
		}
		h[k] = v
	}
	signing := encodeSegment(h) + "." + encodeSegment(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, iss.key, crypto.SHA256, sum[:])
	if err != nil {
		panic("pubsubtest: signing: " + err.Error())
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func encodeSegment(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("pubsubtest: JWT segment is not JSON: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HTTPClient returns a client for pubsub.Options.HTTPClient (or
// idtoken.NewValidator): its transport answers GET CertsURL with the
// Issuer's public key as the JWK set Google publishes there, with a
// Cache-Control max-age, and GET IAPCertsURL (ES256 keys) with an empty
// set; it fails every other request without sending it. Each call
// returns a new client over the same keys.
func (iss *Issuer) HTTPClient() *http.Client {
	return &http.Client{Transport: certsTransport{iss: iss}}
}

// Fetches returns how many requests HTTPClient's clients made for
// Google's keys, answered or failed.
func (iss *Issuer) Fetches() int {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.fetches
}

// FailFetches makes HTTPClient's key fetches fail from now on, as when
// Google cannot be reached: with err as the transport's error if err is
// not nil, else answered with the HTTP status code (a 5xx, say).
// FailFetches(0, nil) serves the keys again.
func (iss *Issuer) FailFetches(code int, err error) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.failCode, iss.failErr = code, err
}
