// Package xoauth2 implements the XOAUTH2 SASL mechanism that Gmail and
// Microsoft 365 use for IMAP with an OAuth 2.0 access token, and that
// go-sasl does not have: the client for the IMAP connector and a server
// for tests and fakes.
//
// The client's initial response is
//
//	"user=" + username + "\x01auth=Bearer " + token + "\x01\x01"
//
// A server that rejects the token answers with a challenge holding a JSON
// error ({"status":"401","schemes":"bearer","scope":"..."}); the client
// must answer it with an empty response, after which the server fails the
// command. go-imap's client encodes an empty response as "=", which strict
// servers reject (emersion/go-imap#760), so Client sends the empty line
// itself through Client.EmptyResponse.
//
// It is not an OAuth 2.0 client: getting and refreshing tokens is
// golang.org/x/oauth2's job.
package xoauth2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-sasl"
)

// Mechanism is the SASL mechanism name.
const Mechanism = "XOAUTH2"

// Response returns the client's initial response for username and token.
func Response(username, token string) []byte {
	return []byte("user=" + username + "\x01auth=Bearer " + token + "\x01\x01")
}

// Client is a sasl.Client for XOAUTH2.
type Client struct {
	// Username is the mailbox's address or login name.
	Username string
	// Token is the OAuth 2.0 access token.
	Token string
	// EmptyResponse sends an empty response line (CRLF) to the server. It
	// is called when the server answers with an error challenge. If nil,
	// the exchange is abandoned without answering, and the caller must
	// close the connection.
	EmptyResponse func() error
}

var _ sasl.Client = (*Client)(nil)

// Start returns the mechanism and the initial response.
func (c *Client) Start() (mech string, ir []byte, err error) {
	if strings.ContainsAny(c.Username, "\x01") || strings.ContainsAny(c.Token, "\x01\r\n") {
		return "", nil, errors.New("xoauth2: username or token holds a control character")
	}
	return Mechanism, Response(c.Username, c.Token), nil
}

// Next handles a server challenge, which in XOAUTH2 is always an error
// report: it sends the empty response and returns the error as an *Error.
func (c *Client) Next(challenge []byte) ([]byte, error) {
	e := ParseError(challenge)
	if c.EmptyResponse != nil {
		if err := c.EmptyResponse(); err != nil {
			return nil, fmt.Errorf("xoauth2: answering the error challenge: %w", err)
		}
	}
	return nil, e
}

// Error is the error a server reports in an XOAUTH2 challenge.
type Error struct {
	// Status is the HTTP-like status: "400" (bad request, often an
	// expired or malformed token), "401" (invalid credentials).
	Status string `json:"status"`
	// Schemes and Scope say what the server expects.
	Schemes string `json:"schemes,omitempty"`
	Scope   string `json:"scope,omitempty"`
	// Raw is the challenge when it was not the expected JSON.
	Raw string `json:"-"`
}

// ParseError reads an error challenge.
func ParseError(challenge []byte) *Error {
	var e Error
	if err := json.Unmarshal(challenge, &e); err != nil || e.Status == "" {
		return &Error{Raw: string(bytes.ToValidUTF8(challenge, []byte("?")))}
	}
	return &e
}

// Error describes the rejection.
func (e *Error) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("xoauth2: token rejected: %q", e.Raw)
	}
	s := "xoauth2: token rejected, status " + e.Status
	if e.Scope != "" {
		s += ", scope " + e.Scope
	}
	return s
}

// Authenticator checks a username and token for a Server; a non-nil
// error rejects them.
type Authenticator func(username, token string) error

// NewServer returns a sasl.Server for XOAUTH2 that checks credentials with
// auth. On rejection it sends the error challenge
// {"status":"401","schemes":"bearer"}, expects an empty response, and
// then fails with auth's error. It is meant for tests and fakes.
func NewServer(auth Authenticator) sasl.Server {
	return &server{auth: auth}
}

type server struct {
	auth   Authenticator
	failed error // set after the error challenge was sent
	done   bool
}

// ErrUnexpectedResponse is returned by the server when the client answers
// an error challenge with anything but an empty response.
var ErrUnexpectedResponse = errors.New("xoauth2: expected an empty response to the error challenge")

// Next takes the client's response and returns the next challenge.
func (s *server) Next(response []byte) (challenge []byte, done bool, err error) {
	if s.done {
		return nil, true, errors.New("xoauth2: exchange already finished")
	}
	if s.failed != nil {
		s.done = true
		if len(response) != 0 {
			return nil, true, ErrUnexpectedResponse
		}
		return nil, true, s.failed
	}
	if response == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	user, token, err := parseResponse(response)
	if err != nil {
		s.done = true
		return nil, true, err
	}
	if err := s.auth(user, token); err != nil {
		s.failed = err
		return []byte(`{"status":"401","schemes":"bearer"}`), false, nil
	}
	s.done = true
	return nil, true, nil
}

func parseResponse(resp []byte) (user, token string, err error) {
	s := string(resp)
	if !strings.HasSuffix(s, "\x01\x01") {
		return "", "", errors.New("xoauth2: malformed initial response")
	}
	for _, field := range strings.Split(strings.TrimSuffix(s, "\x01\x01"), "\x01") {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "user":
			user = v
		case "auth":
			scheme, tok, ok := strings.Cut(v, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				return "", "", errors.New("xoauth2: auth is not a bearer token")
			}
			token = tok
		}
	}
	if user == "" || token == "" {
		return "", "", errors.New("xoauth2: malformed initial response")
	}
	return user, token, nil
}
