package pubsubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
)

// The URLs google.golang.org/api/idtoken fetches keys from.
const (
	// CertsURL holds the keys of Google's RS256 ID tokens, those of
	// service accounts and so of Pub/Sub pushes.
	CertsURL = "https://www.googleapis.com/oauth2/v3/certs"
	// IAPCertsURL holds the keys of ES256 tokens (Identity-Aware Proxy).
	IAPCertsURL = "https://www.gstatic.com/iap/verify/public_key-jwk"
)

// certsMaxAge is the max-age of the served key sets, about Google's.
const certsMaxAge = 19204

// certsTransport serves an Issuer's keys at CertsURL.
type certsTransport struct {
	iss *Issuer
}

// jwk is a key of a JWK set as Google publishes it.
type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// RoundTrip answers GET CertsURL and GET IAPCertsURL, and fails any other
// request.
func (t certsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	u := *req.URL
	u.RawQuery, u.Fragment = "", ""
	keys := u.String()
	if keys != CertsURL && keys != IAPCertsURL {
		return nil, fmt.Errorf("pubsubtest: %s %s is not a fetch of Google's keys: not sent", req.Method, req.URL.Redacted())
	}
	iss := t.iss
	iss.mu.Lock()
	iss.fetches++
	code, err := iss.failCode, iss.failErr
	iss.mu.Unlock()
	switch {
	case err != nil:
		return nil, err
	case code != 0:
		return respond(req, code, "text/plain; charset=UTF-8", []byte(http.StatusText(code)+"\n")), nil
	case req.Method != http.MethodGet:
		return respond(req, http.StatusMethodNotAllowed, "text/plain; charset=UTF-8", []byte("Method Not Allowed\n")), nil
	}
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	if keys == CertsURL {
		set.Keys = iss.jwks()
	}
	body, merr := json.Marshal(set)
	if merr != nil {
		return nil, merr
	}
	resp := respond(req, http.StatusOK, "application/json; charset=UTF-8", body)
	resp.Header.Set("Cache-Control", "public, max-age="+strconv.Itoa(certsMaxAge)+", must-revalidate, no-transform")
	return resp, nil
}

// jwks returns the Issuer's public key and, first, another under another
// id, as Google serves two keys while it rotates them: a validator must
// pick the key by kid.
func (iss *Issuer) jwks() []jwk {
	b64 := base64.RawURLEncoding.EncodeToString
	pub := iss.key.PublicKey
	e := b64(big.NewInt(int64(pub.E)).Bytes())
	other := new(big.Int).Add(pub.N, big.NewInt(2)) // verifies nothing iss signs
	return []jwk{
		{Kty: "RSA", Alg: "RS256", Use: "sig", Kid: iss.retiredID, N: b64(other.Bytes()), E: e},
		{Kty: "RSA", Alg: "RS256", Use: "sig", Kid: iss.kid, N: b64(pub.N.Bytes()), E: e},
	}
}

func respond(req *http.Request, code int, contentType string, body []byte) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	return &http.Response{
		Status:        strconv.Itoa(code) + " " + http.StatusText(code),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
